import { describe, expect, test } from "bun:test";
import { DependsOnSchema } from "../../../../src/engine/compose/model.ts";
import { ChangeFeed } from "../../../../src/engine/supervisor/change-feed.ts";
import { evaluateDependency, waitForDependencies, type ReplicaView, type ServiceView } from "../../../../src/engine/supervisor/dependencies.ts";
import { FakeClock, flush } from "./fake-clock.ts";

const dep = (condition: string, required = true) => DependsOnSchema.parse({ condition, required });
const replica = (r: Partial<ReplicaView>): ReplicaView => ({ container: "p-db-1", status: "running", started: true, health: "none", ...r });
const view = (...replicas: Partial<ReplicaView>[]): ServiceView => ({ exists: true, replicas: replicas.map(replica) });

describe("dependency conditions", () => {
  test.each([
    ["service_started", "a created container", view({ status: "created", started: false }), "waiting"],
    ["service_started", "a running container", view({}), "satisfied"],
    ["service_started", "a container that already exited", view({ status: "exited", exitCode: 1 }), "satisfied"],
    ["service_started", "one of two replicas not started yet", view({}, { container: "p-db-2", status: "created", started: false }), "waiting"],
    ["service_healthy", "a starting healthcheck", view({ health: "starting" }), "waiting"],
    ["service_healthy", "a healthy container", view({ health: "healthy" }), "satisfied"],
    ["service_healthy", "one healthy and one starting replica", view({ health: "healthy" }, { container: "p-db-2", health: "starting" }), "waiting"],
    ["service_healthy", "an unhealthy container", view({ health: "unhealthy" }), "failed"],
    ["service_healthy", "a container without a healthcheck", view({ health: "none" }), "failed"],
    ["service_healthy", "a container that exited while starting", view({ health: "starting", status: "exited", exitCode: 2 }), "failed"],
    ["service_completed_successfully", "a running one-shot", view({}), "waiting"],
    ["service_completed_successfully", "a one-shot that exited 0", view({ status: "exited", exitCode: 0 }), "satisfied"],
    ["service_completed_successfully", "a one-shot that exited 3", view({ status: "exited", exitCode: 3 }), "failed"],
    ["service_completed_successfully", "a one-shot not started yet", view({ status: "created", started: false }), "waiting"],
    ["service_started", "a service with no container yet", { exists: true, replicas: [] } as ServiceView, "waiting"],
    ["service_started", "a service that is not part of the run", { exists: false, replicas: [] } as ServiceView, "failed"],
  ] as const)("%s with %s is %s", (condition, _what, v, expected) => {
    expect(evaluateDependency("web", "db", dep(condition), v).state).toBe(expected);
  });

  test("a failed one-shot names the dependency and its exit code", () => {
    const s = evaluateDependency("web", "migrate", dep("service_completed_successfully"), view({ container: "p-migrate-1", status: "exited", exitCode: 3 }));
    expect(s).toEqual({ state: "failed", message: `"migrate" didn't complete successfully: exit 3 (container p-migrate-1)` });
  });

  test.each([
    ["missing", undefined],
    ["unhealthy", view({ health: "unhealthy" })],
  ])("an optional dependency that is %s does not block and is reported as a warning", (_what, v) => {
    const s = evaluateDependency("web", "cache", dep("service_healthy", false), v);
    expect(s.state).toBe("satisfied");
    expect(s.state === "satisfied" && s.warning).toContain('optional dependency "cache"');
  });
});

describe("waiting for dependencies", () => {
  function world() {
    const views = new Map<string, ServiceView>();
    return { views, changes: new ChangeFeed(), clock: new FakeClock(), view: (s: string) => views.get(s) };
  }

  test("resolves when the dependency becomes healthy after a change", async () => {
    const w = world();
    w.views.set("db", view({ health: "starting" }));
    let done = false;
    const p = waitForDependencies({ service: "web", dependsOn: { db: dep("service_healthy") }, ...w }).then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    w.views.set("db", view({ health: "healthy" }));
    w.changes.notify();
    await p;
    expect(done).toBe(true);
  });

  test("fails at the deadline naming the dependency that never got healthy", async () => {
    const w = world();
    w.views.set("db", view({ health: "starting" }));
    const p = waitForDependencies({ service: "web", dependsOn: { db: dep("service_healthy") }, ...w, deadline: w.clock.now() + 30_000 });
    const caught = p.catch((e: Error) => e);
    await w.clock.advance(29_999);
    expect(w.clock.pending).toBe(1);
    await w.clock.advance(1);
    const err = await caught;
    expect(String((err as Error).message)).toBe('service "web": dependency "db" did not become healthy in time (p-db-1 is starting)');
  });

  test("fails at once when a required one-shot exits non-zero", async () => {
    const w = world();
    w.views.set("migrate", view({ container: "p-migrate-1" }));
    const caught = waitForDependencies({ service: "api", dependsOn: { migrate: dep("service_completed_successfully") }, ...w }).catch((e: Error) => e);
    await flush();
    w.views.set("migrate", view({ container: "p-migrate-1", status: "exited", exitCode: 1 }));
    w.changes.notify();
    expect(((await caught) as Error).message).toBe(`service "api": dependency "migrate" didn't complete successfully: exit 1 (container p-migrate-1)`);
  });

  test("reports what it is waiting for only when that changes", async () => {
    const w = world();
    const seen: string[] = [];
    w.views.set("db", view({ health: "starting" }));
    const p = waitForDependencies({ service: "web", dependsOn: { db: dep("service_healthy") }, ...w, onWaiting: (x) => seen.push(x.map((d) => d.reason).join()) });
    await flush();
    w.changes.notify();
    await flush();
    w.views.set("db", view({ health: "healthy" }));
    w.changes.notify();
    await p;
    expect(seen).toEqual(["p-db-1 is starting"]);
  });

  test("stops waiting when cancelled", async () => {
    const w = world();
    w.views.set("db", view({ health: "starting" }));
    const abort = new AbortController();
    const caught = waitForDependencies({ service: "web", dependsOn: { db: dep("service_healthy") }, ...w, signal: abort.signal }).catch((e) => e);
    await flush();
    abort.abort(new Error("cancelled"));
    expect(((await caught) as Error).message).toBe("cancelled");
  });
});
