import { describe, expect, test } from "bun:test";
import { dependencyLevels, reverseLevels } from "../../../../src/engine/plan/graph.ts";
import type { DependsOn } from "../../../../src/engine/compose/model.ts";
import { thrown } from "./thrown.ts";

const started: DependsOn = { condition: "service_started", required: true };

/** services from `{web: ["api"], api: []}` shorthand */
function graph(spec: Record<string, string[]>) {
  return Object.fromEntries(
    Object.entries(spec).map(([name, deps]) => [name, { depends_on: Object.fromEntries(deps.map((d) => [d, started])) }]),
  );
}

describe("dependencyLevels", () => {
  test.each([
    ["no services", {}, []],
    ["independent services share one sorted level", { web: [], db: [], cache: [] }, [["cache", "db", "web"]]],
    ["a chain gives one level per service", { web: ["api"], api: ["db"], db: [] }, [["db"], ["api"], ["web"]]],
    [
      "a typical stack starts db and cache together",
      { web: ["api"], api: ["db", "cache"], db: [], cache: [] },
      [["cache", "db"], ["api"], ["web"]],
    ],
    [
      "a service waits for its deepest dependency",
      { a: ["b", "d"], b: ["c"], c: [], d: [] },
      [["c", "d"], ["b"], ["a"]],
    ],
    ["a diamond joins in the last level", { top: ["l", "r"], l: ["base"], r: ["base"], base: [] }, [["base"], ["l", "r"], ["top"]]],
  ] as [string, Record<string, string[]>, string[][]][])("%s", (_name, spec, levels) => {
    expect(dependencyLevels(graph(spec))).toEqual(levels);
  });

  test.each([
    ["a two-service cycle", { web: ["api"], api: ["web"] }, "dependency cycle: api -> web -> api"],
    ["a self-dependency", { web: ["web"] }, "dependency cycle: web -> web"],
    ["a three-service cycle", { web: ["proxy"], proxy: ["api"], api: ["web"], db: [] }, "dependency cycle: api -> web -> proxy -> api"],
    [
      "a cycle reached through a service outside it",
      { a: ["x"], x: ["y"], y: ["x"], z: [] },
      "dependency cycle: x -> y -> x",
    ],
  ] as [string, Record<string, string[]>, string][])("refuses %s and names the cycle", (_name, spec, message) => {
    const err = thrown(() => dependencyLevels(graph(spec)));
    expect(err.message).toBe(message);
    expect(err.exitCode).toBe(2);
  });

  test("names an unknown dependency and suggests the closest service", () => {
    const err = thrown(() => dependencyLevels(graph({ web: ["dbb"], db: [] })));
    expect(err.message).toBe('service "web" depends on unknown service "dbb"');
    expect(err.hint).toBe('did you mean "db"?');
    expect(err.exitCode).toBe(2);
  });

  test("lists the services when no name is close to the unknown one", () => {
    const err = thrown(() => dependencyLevels(graph({ web: ["postgresql"], db: [], cache: [] })));
    expect(err.hint).toBe("the services are: cache, db, web");
  });

  test("skips an absent dependency that is not required", () => {
    const services = {
      web: { depends_on: { db: started, metrics: { condition: "service_started", required: false } as DependsOn } },
      db: {},
    };
    expect(dependencyLevels(services)).toEqual([["db"], ["web"]]);
  });

  test("orders a present dependency even when it is not required", () => {
    const services = {
      web: { depends_on: { db: { condition: "service_healthy", required: false } as DependsOn } },
      db: {},
    };
    expect(dependencyLevels(services)).toEqual([["db"], ["web"]]);
  });
});

describe("reverseLevels", () => {
  test("stops dependents before their dependencies without changing the input", () => {
    const levels = [["cache", "db"], ["api"], ["web"]];
    expect(reverseLevels(levels)).toEqual([["web"], ["api"], ["cache", "db"]]);
    expect(levels).toEqual([["cache", "db"], ["api"], ["web"]]);
  });
});
