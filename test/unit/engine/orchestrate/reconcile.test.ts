import { describe, expect, test } from "bun:test";
import { ProjectSchema, type Project } from "../../../../src/engine/compose/model.ts";
import type { ContainerState } from "../../../../src/engine/runtime/types.ts";
import { serviceConfigHash, canonicalJson } from "../../../../src/engine/orchestrate/config-hash.ts";
import { planReconcile, isNoop, type Action, type ReconcileOptions } from "../../../../src/engine/orchestrate/reconcile.ts";
import { planProject, type PlanOptions } from "../../../../src/engine/plan/plan.ts";
import { renderPlan } from "../../../../src/engine/orchestrate/plan-text.ts";

function project(services: Record<string, unknown>): Project {
  return ProjectSchema.parse({ name: "demo", services });
}

const base = () =>
  project({
    db: { image: "postgres" },
    api: { image: "api", depends_on: { db: { condition: "service_healthy" } }, deploy: { replicas: 2 } },
    web: { image: "nginx", depends_on: { api: { condition: "service_started" } } },
  });
const images = { db: "sha256:db", api: "sha256:api", web: "sha256:web" };

function running(p: Project, service: string, replica: number, extra: Partial<ContainerState> = {}): ContainerState {
  return {
    name: `demo-${service}-${replica}`,
    project: "demo",
    service,
    replica,
    status: "running",
    image: p.services[service]?.image ?? "x",
    configHash: p.services[service] ? serviceConfigHash(p.services[service]!, images[service as keyof typeof images]) : "old",
    ...extra,
  };
}

const summary = (actions: Action[]) => actions.map((a) => `${a.kind} ${a.container}`);

function reconcile(p: Project, observed: ContainerState[], options: PlanOptions & ReconcileOptions = {}) {
  return planReconcile({ project: p, plan: planProject(p, options), imageIds: images, observed }, options);
}

describe("config hash", () => {
  test("is the same for the same service written with keys in another order", () => {
    const a = project({ s: { image: "x", environment: { A: "1", B: "2" }, user: "1" } }).services.s!;
    const b = project({ s: { user: "1", environment: { B: "2", A: "1" }, image: "x" } }).services.s!;
    expect(serviceConfigHash(a, "sha256:1")).toBe(serviceConfigHash(b, "sha256:1"));
  });

  test.each([
    ["an environment value", true, { image: "x", environment: { A: "2" } }],
    ["the command", true, { image: "x", environment: { A: "1" }, command: ["sh"] }],
    ["the replica count", false, { image: "x", environment: { A: "1" }, deploy: { replicas: 5 } }],
    ["depends_on", false, { image: "x", environment: { A: "1" }, depends_on: { y: { condition: "service_started" } } }],
  ])("changing %s changes the hash: %p", (_what, differs, changed) => {
    const before = project({ s: { image: "x", environment: { A: "1" } }, y: { image: "y" } }).services.s!;
    const after = project({ s: changed, y: { image: "y" } }).services.s!;
    expect(serviceConfigHash(before, "i") !== serviceConfigHash(after, "i")).toBe(differs as boolean);
  });

  test("changes when the resolved image id changes", () => {
    const s = project({ s: { image: "x" } }).services.s!;
    expect(serviceConfigHash(s, "sha256:a")).not.toBe(serviceConfigHash(s, "sha256:b"));
  });

  test("canonical JSON sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: { d: 1, c: [1, { f: 1, e: 2 }] }, a: undefined, z: null })).toBe('{"b":{"c":[1,{"e":2,"f":1}],"d":1},"z":null}');
  });
});

describe("reconcile planner", () => {
  test("creates every replica level by level on an empty project", () => {
    const p = base();
    const plan = reconcile(p, []);
    expect(plan.steps.map((s) => [s.level, summary(s.actions)])).toEqual([
      [0, ["create demo-db-1"]],
      [1, ["create demo-api-1", "create demo-api-2"]],
      [2, ["create demo-web-1"]],
    ]);
  });

  test("a second run with nothing changed leaves everything alone", () => {
    const p = base();
    const observed = [running(p, "db", 1), running(p, "api", 1), running(p, "api", 2), running(p, "web", 1)];
    const plan = reconcile(p, observed);
    expect(isNoop(plan)).toBe(true);
  });

  test("recreates only the service whose config changed", () => {
    const before = base();
    const observed = [running(before, "db", 1), running(before, "api", 1), running(before, "api", 2), running(before, "web", 1)];
    const after = project({
      db: { image: "postgres" },
      api: { image: "api", depends_on: { db: { condition: "service_healthy" } }, deploy: { replicas: 2 } },
      web: { image: "nginx", environment: { NEW: "1" }, depends_on: { api: { condition: "service_started" } } },
    });
    const plan = reconcile(after, observed);
    const changed = plan.steps.flatMap((s) => s.actions).filter((a) => a.kind !== "keep");
    expect(summary(changed)).toEqual(["recreate demo-web-1"]);
  });

  test("recreates a service in another's network namespace when that one is recreated, and only then", () => {
    const p = project({
      web: { image: "nginx" },
      side: { image: "side", network_mode: "service:web", depends_on: { web: { condition: "service_started" } } },
    });
    const hash = (s: string) => serviceConfigHash(p.services[s]!, undefined);
    const observed: ContainerState[] = ["web", "side"].map((s) => ({ name: `demo-${s}-1`, project: "demo", service: s, replica: 1, status: "running", image: s, configHash: hash(s) }));
    const plan = (o: PlanOptions & ReconcileOptions, obs = observed) => planReconcile({ project: p, plan: planProject(p, o), imageIds: {}, observed: obs }, o);
    expect(isNoop(plan({}))).toBe(true);
    const forced = plan({ forceRecreate: true, services: ["web"], noDeps: true });
    expect(forced.steps.flatMap((s) => s.actions)).toEqual([expect.objectContaining({ kind: "recreate", container: "demo-web-1", reason: "forced" })]);
    // web's config changed: side, unchanged, must follow it into the new namespace
    const changed = plan({}, [{ ...observed[0]!, configHash: "old" }, observed[1]!]);
    expect(changed.steps.flatMap((s) => s.actions)).toEqual([
      expect.objectContaining({ kind: "recreate", container: "demo-web-1", reason: "config changed" }),
      expect.objectContaining({ kind: "recreate", container: "demo-side-1", reason: "service:web recreated" }),
    ]);
    expect(renderPlan(changed)).toContain("  recreate  demo-side-1  (service:web recreated)");
  });

  test("starts a stopped container whose config is unchanged instead of recreating it", () => {
    const p = base();
    const observed = [running(p, "db", 1, { status: "exited", exitCode: 0 })];
    const plan = reconcile(p, observed, { services: ["db"] });
    expect(summary(plan.steps.flatMap((s) => s.actions))).toEqual(["start demo-db-1"]);
  });

  test("scaling down removes the highest replica numbers first and scaling up adds the missing ones", () => {
    const p = base();
    const observed = [1, 2, 3, 4].map((r) => running(p, "api", r));
    const down = reconcile(p, observed, { services: ["api"], noDeps: true });
    expect(summary(down.steps.flatMap((s) => s.actions))).toEqual(["remove demo-api-4", "remove demo-api-3", "keep demo-api-1", "keep demo-api-2"]);
    const up = reconcile(p, observed.slice(0, 1), { services: ["api"], noDeps: true, scale: { api: 3 } });
    expect(summary(up.steps.flatMap((s) => s.actions))).toEqual(["keep demo-api-1", "create demo-api-2", "create demo-api-3"]);
  });

  test("warns about orphans by name and leaves them unless --remove-orphans", () => {
    const p = base();
    const orphan: ContainerState = { name: "demo-old-1", project: "demo", service: "old", replica: 1, status: "running", image: "x" };
    const warned = reconcile(p, [orphan]);
    expect(warned.orphans).toEqual(["demo-old-1"]);
    expect(warned.warnings[0]).toContain("demo-old-1");
    expect(warned.steps.some((s) => s.actions.some((a) => a.container === "demo-old-1"))).toBe(false);
    const removed = reconcile(p, [orphan], { removeOrphans: true });
    expect(removed.steps[0]).toEqual({ level: -1, actions: [{ kind: "remove", service: "old", replica: 1, container: "demo-old-1", reason: "orphan" }] });
    expect(removed.warnings).toEqual([]);
  });

  test("ignores containers of other projects", () => {
    const p = base();
    const other: ContainerState = { name: "x-db-1", project: "x", service: "db", replica: 1, status: "running", image: "x" };
    const plan = reconcile(p, [other], { services: ["db"] });
    expect(summary(plan.steps.flatMap((s) => s.actions))).toEqual(["create demo-db-1"]);
  });

  test("--force-recreate recreates unchanged containers", () => {
    const p = base();
    const plan = reconcile(p, [running(p, "db", 1)], { services: ["db"], forceRecreate: true });
    expect(plan.steps[0]?.actions).toEqual([expect.objectContaining({ kind: "recreate", container: "demo-db-1", reason: "forced" })]);
  });

  test.each([
    ["a named service brings its dependencies", { services: ["web"] }, ["db", "api", "web"]],
    ["--no-deps acts on the named service only", { services: ["web"], noDeps: true }, ["web"]],
    ["no names means every service", {}, ["db", "api", "web"]],
  ])("%s", (_name, options, services) => {
    const plan = reconcile(base(), [], options);
    expect([...new Set(plan.steps.flatMap((s) => s.actions.map((a) => a.service)))]).toEqual(services);
  });

  test("renders the plan as stable text", () => {
    const p = base();
    const observed = [running(p, "db", 1), running(p, "api", 1, { configHash: "stale" }), running(p, "api", 3),
      { name: "demo-old-1", project: "demo", service: "old", replica: 1, status: "exited", image: "x" } as ContainerState];
    const plan = reconcile(p, observed, { removeOrphans: true });
    expect(renderPlan(plan)).toBe(
      [
        "project demo",
        "orphans:",
        "  remove    demo-old-1  (orphan)",
        "level 0:",
        "  unchanged demo-db-1   (running)",
        "level 1:",
        "  remove    demo-api-3  (surplus)",
        "  recreate  demo-api-1  (config changed)",
        "  create    demo-api-2",
        "level 2:",
        "  create    demo-web-1",
        "",
      ].join("\n"),
    );
  });
});
