import { describe, expect, test } from "bun:test";
import { planProject, type Plan } from "../../../../src/engine/plan/plan.ts";
import type { DependsOn, Project, Service } from "../../../../src/engine/compose/model.ts";
import { thrown } from "./thrown.ts";

const started: DependsOn = { condition: "service_started", required: true };
const healthy: DependsOn = { condition: "service_healthy", required: true };

function service(extra: Partial<Service> = {}): Service {
  return { environment: {}, ports: [], image: "busybox", ...extra };
}

function project(services: Record<string, Partial<Service>>, name = "shop"): Project {
  return {
    name,
    services: Object.fromEntries(Object.entries(services).map(([k, v]) => [k, service(v)])),
    networks: {},
    volumes: {},
  };
}

/** web -> api -> (db healthy, cache), worker -> db */
const stack = project({
  web: { image: "nginx", depends_on: { api: started } },
  api: { image: "api:1", depends_on: { db: healthy, cache: started } },
  worker: { depends_on: { db: started } },
  db: { image: "postgres:16" },
  cache: { image: "redis:7", deploy: { replicas: 2 } },
});

describe("planProject", () => {
  test("orders a typical stack in levels and names one container per replica", () => {
    const plan = planProject(stack);
    expect(plan.project).toBe("shop");
    expect(plan.levels).toEqual([["cache", "db"], ["api", "worker"], ["web"]]);
    expect(plan.services.cache!.containers).toEqual(["shop-cache-1", "shop-cache-2"]);
    expect(plan.services.web!.containers).toEqual(["shop-web-1"]);
    expect(plan.services.api).toEqual({
      containers: ["shop-api-1"],
      replicas: 1,
      image: "api:1",
      depends_on: { db: healthy, cache: started },
    });
  });

  test("lists the services sorted by name", () => {
    expect(Object.keys(planProject(stack).services)).toEqual(["api", "cache", "db", "web", "worker"]);
  });

  test("uses container_name for a single replica", () => {
    const plan = planProject(project({ db: { container_name: "main-db" } }));
    expect(plan.services.db!.containers).toEqual(["main-db"]);
  });

  test("refuses container_name with more than one replica", () => {
    const err = thrown(() => planProject(project({ db: { container_name: "main-db" } }), { scale: { db: 3 } }));
    expect(err.message).toBe('service "db" has container_name "main-db" and cannot run 3 replicas');
  });

  test("plans no containers for a service scaled to zero but keeps its place", () => {
    const plan = planProject(stack, { scale: { cache: 0 } });
    expect(plan.services.cache!.containers).toEqual([]);
    expect(plan.levels[0]).toEqual(["cache", "db"]);
  });

  test("--scale overrides deploy.replicas", () => {
    expect(planProject(stack, { scale: { cache: 3, web: 2 } }).services.web!.containers).toEqual(["shop-web-1", "shop-web-2"]);
  });

  test.each([
    ["a selected service brings its dependencies", ["web"], false, [["cache", "db"], ["api"], ["web"]]],
    ["a service with no dependencies comes alone", ["db"], false, [["db"]]],
    ["two selections share their dependencies", ["worker", "api"], false, [["cache", "db"], ["api", "worker"]]],
    ["--no-deps starts only the selection", ["web"], true, [["web"]]],
    ["--no-deps keeps the order among selected services", ["web", "db"], true, [["db"], ["web"]]],
  ] as [string, string[], boolean, string[][]][])("%s", (_name, services, noDeps, levels) => {
    const plan = planProject(stack, { services, noDeps });
    expect(plan.levels).toEqual(levels);
    expect(Object.keys(plan.services).sort()).toEqual(levels.flat().sort());
  });

  test("keeps only the dependencies that are part of the plan", () => {
    expect(planProject(stack, { services: ["api"], noDeps: true }).services.api!.depends_on).toEqual({});
  });

  test("skips an optional dependency the project does not have", () => {
    const p = project({
      web: { depends_on: { db: started, metrics: { condition: "service_started", required: false } } },
      db: {},
    });
    const plan = planProject(p, { services: ["web"] });
    expect(plan.levels).toEqual([["db"], ["web"]]);
    expect(plan.services.web!.depends_on).toEqual({ db: started });
  });

  test("brings a present optional dependency along like compose", () => {
    const p = project({ web: { depends_on: { db: { condition: "service_started", required: false } } }, db: {} });
    expect(planProject(p, { services: ["web"] }).levels).toEqual([["db"], ["web"]]);
  });

  test("names an unknown selected service with a suggestion", () => {
    const err = thrown(() => planProject(stack, { services: ["wbe"] }));
    expect(err.message).toBe("no such service: wbe");
    expect(err.hint).toBe('did you mean "web"?');
  });

  test("names an unknown service in --scale", () => {
    expect(thrown(() => planProject(stack, { scale: { cahce: 2 } })).hint).toBe('did you mean "cache"?');
  });

  test("reports a cycle even outside the selection", () => {
    const p = project({ a: {}, b: { depends_on: { c: started } }, c: { depends_on: { b: started } } });
    expect(thrown(() => planProject(p, { services: ["a"] })).message).toBe("dependency cycle: b -> c -> b");
  });

  test("plans a generated 300-service project", () => {
    // Service sN depends on s(N/2) and s(N/3) (integer division): a wide, deep, shared graph.
    const services: Record<string, Partial<Service>> = {};
    for (let i = 1; i <= 300; i++) {
      const deps = [...new Set([Math.floor(i / 2), Math.floor(i / 3)])].filter((d) => d >= 1);
      services[`s${i}`] = { depends_on: Object.fromEntries(deps.map((d) => [`s${d}`, started])), deploy: { replicas: (i % 3) + 1 } };
    }
    const plan = planProject(project(services, "big"));
    assertWellFormed(plan, services);
    // The longest chain halves each step: s256 -> s128 -> ... -> s1 is 9 levels.
    expect(plan.levels).toHaveLength(9);
    expect(plan.levels[0]).toEqual(["s1"]);
    expect(plan.services.s300!.containers).toEqual(["big-s300-1"]);
    expect(plan.services.s299!.containers).toEqual(["big-s299-1", "big-s299-2", "big-s299-3"]);
    expect(Object.values(plan.services).reduce((n, s) => n + s.containers.length, 0)).toBe(600);
  });
});

/** Every service once; each level sorted; every dependency in an earlier level. */
function assertWellFormed(plan: Plan, services: Record<string, Partial<Service>>) {
  const levelOf = new Map<string, number>();
  plan.levels.forEach((level, i) => {
    expect(level).toEqual([...level].sort());
    for (const name of level) {
      expect(levelOf.has(name)).toBe(false);
      levelOf.set(name, i);
    }
  });
  expect([...levelOf.keys()].sort()).toEqual(Object.keys(services).sort());
  for (const [name, s] of Object.entries(services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) expect(levelOf.get(dep)!).toBeLessThan(levelOf.get(name)!);
  }
}
