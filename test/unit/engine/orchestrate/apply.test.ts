import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { ProjectSchema, type Project } from "../../../../src/engine/compose/model.ts";
import { applyPlan, waitReady, type ApplyContext } from "../../../../src/engine/orchestrate/apply.ts";
import { planReconcile } from "../../../../src/engine/orchestrate/reconcile.ts";
import { serviceOp } from "../../../../src/engine/orchestrate/lifecycle.ts";
import { planProject, type PlanOptions } from "../../../../src/engine/plan/plan.ts";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore } from "../../../../src/engine/state/project-store.ts";
import { servicePolicy } from "../../../../src/engine/supervisor/service-policy.ts";
import { ProjectSupervisor } from "../../../../src/engine/supervisor/supervisor.ts";
import { FakeClock, flush } from "../supervisor/fake-clock.ts";
import { FakeRuntime, type Program } from "./fake-runtime.ts";

let dir: string | undefined;
let sup: ProjectSupervisor | undefined;
afterEach(async () => {
  await sup?.close();
  closeStateDbs();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function world(services: Record<string, unknown>, programs: Record<string, Program>) {
  dir = mkdtempSync(join(tmpdir(), "kitten-apply-"));
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock, programs);
  const store = new ProjectStore(openStateDb({ data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") }));
  const reporter = new MemoryReporter();
  let project = ProjectSchema.parse({ name: "demo", services });
  sup = new ProjectSupervisor({ project: "demo", runtime, store, clock, reporter, policy: (s) => servicePolicy(project, s) });
  const supervisor = sup;
  const up = async (o: PlanOptions & { forceRecreate?: boolean; renewAnonVolumes?: boolean; deadlineMs?: number; next?: Record<string, unknown> } = {}) => {
    if (o.next) project = ProjectSchema.parse({ name: "demo", services: o.next });
    const plan = planProject(project, o);
    const rplan = planReconcile({ project, plan, imageIds: {}, observed: await runtime.list({ project: "demo" }) }, o);
    const ctx: ApplyContext = {
      project,
      plan,
      supervisor,
      clock,
      reporter,
      ...(o.deadlineMs === undefined ? {} : { deadline: clock.now() + o.deadlineMs }),
      ...(o.renewAnonVolumes ? { renewAnonVolumes: true } : {}),
    };
    return { rplan, done: applyPlan(rplan, ctx), ctx };
  };
  const created = () => runtime.calls.filter((c) => c.startsWith("create ")).map((c) => c.slice(7));
  return { clock, runtime, store, reporter, supervisor, up, created, get project(): Project { return project; } };
}

const healthcheck = { test: ["CMD", "check"], interval: "1s", timeout: "1s", retries: 2 };

describe("applying a plan", () => {
  test("starts a service_healthy dependent only once its dependency is healthy", async () => {
    let ready = false;
    const w = world(
      {
        db: { image: "db", healthcheck },
        api: { image: "api", depends_on: { db: { condition: "service_healthy" } } },
      },
      { db: { exec: () => ({ exitCode: ready ? 0 : 1, stdout: "", stderr: "" }) } },
    );
    const { done } = await w.up();
    await w.clock.advance(1000);
    expect(w.created()).toEqual(["demo-db-1"]);
    ready = true;
    await w.clock.advance(1000);
    await done;
    expect(w.created()).toEqual(["demo-db-1", "demo-api-1"]);
  });

  test("a dependency that never gets healthy fails at the deadline naming it, and its dependents are never started", async () => {
    const w = world(
      {
        db: { image: "db", healthcheck: { ...healthcheck, start_period: "1h" } },
        api: { image: "api", depends_on: { db: { condition: "service_healthy" } } },
        web: { image: "web", depends_on: { api: { condition: "service_started" } } },
      },
      { db: { exec: () => ({ exitCode: 1, stdout: "", stderr: "" }) } },
    );
    const { done } = await w.up({ deadlineMs: 30_000 });
    const caught = done.catch((e: Error) => e);
    await w.clock.advance(30_000);
    expect(((await caught) as Error).message).toBe('service "api": dependency "db" did not become healthy in time (demo-db-1 is starting)');
    expect(w.created()).toEqual(["demo-db-1"]);
  });

  test.each([
    [0, ["demo-migrate-1", "demo-api-1"], undefined],
    [2, ["demo-migrate-1"], `service "api": dependency "migrate" didn't complete successfully: exit 2 (container demo-migrate-1)`],
  ])("a one-shot dependency exiting %d", async (code, created, error) => {
    const w = world(
      {
        migrate: { image: "m" },
        api: { image: "api", depends_on: { migrate: { condition: "service_completed_successfully" } } },
      },
      { migrate: { exitAfterMs: 500, exitCode: code } },
    );
    const { done } = await w.up();
    const caught = done.then(() => undefined, (e: Error) => e.message);
    await w.clock.advance(500);
    expect(await caught).toBe(error);
    expect(w.created()).toEqual(created);
  });

  test("an optional dependency that fails does not block, and says so", async () => {
    const w = world(
      {
        cache: { image: "c" },
        api: { image: "api", depends_on: { cache: { condition: "service_completed_successfully", required: false } } },
      },
      { cache: { exitAfterMs: 10, exitCode: 1 } },
    );
    const { done } = await w.up();
    await w.clock.advance(10);
    await done;
    expect(w.created()).toEqual(["demo-cache-1", "demo-api-1"]);
    expect(w.reporter.warnings[0]).toContain('optional dependency "cache"');
  });

  test("services of one level start in parallel", async () => {
    const w = world({ a: { image: "a" }, b: { image: "b" }, c: { image: "c", depends_on: { a: { condition: "service_started" }, b: { condition: "service_started" } } } }, {});
    const { done } = await w.up();
    await done;
    expect(w.runtime.calls.slice(0, 2).sort()).toEqual(["create demo-a-1", "create demo-b-1"]);
    expect(w.created()).toEqual(["demo-a-1", "demo-b-1", "demo-c-1"]);
  });

  test("a second up with one changed service recreates only that one", async () => {
    const services = { db: { image: "db" }, api: { image: "api", depends_on: { db: { condition: "service_started" } } } };
    const w = world(services, {});
    await (await w.up()).done;
    const before = w.runtime.calls.length;
    await (await w.up({ next: { ...services, api: { image: "api", environment: { X: "1" }, depends_on: { db: { condition: "service_started" } } } } })).done;
    expect(w.runtime.calls.slice(before)).toEqual(["stop demo-api-1", "remove demo-api-1", "create demo-api-1", "start demo-api-1"]);
    expect(w.reporter.events).toContainEqual({ type: "container", action: "running", container: "demo-db-1", service: "db" });
    expect(w.runtime.spec("demo-api-1")?.env).toEqual({ X: "1" });
  });

  test("a recreated container inherits its predecessor's anonymous volumes; -V gives it new ones and the old go with the old container", async () => {
    const services = { db: { image: "db", volumes: [{ type: "volume", target: "/data" }, { type: "volume", source: "named", target: "/n" }] } };
    const w = world(services, {});
    await (await w.up()).done;
    const first = (await w.runtime.inspect("demo-db-1"))!.anonymousVolumes!;
    expect(first).toEqual({ "/data": "anon-1" });
    await (await w.up({ forceRecreate: true })).done;
    expect(w.runtime.spec("demo-db-1")?.inheritVolumes).toEqual(first);
    expect((await w.runtime.inspect("demo-db-1"))!.anonymousVolumes).toEqual(first);
    expect(w.runtime.removals.at(-1)).toEqual({ name: "demo-db-1", volumes: false });
    await (await w.up({ forceRecreate: true, renewAnonVolumes: true })).done;
    expect(w.runtime.spec("demo-db-1")?.inheritVolumes).toBeUndefined();
    expect((await w.runtime.inspect("demo-db-1"))!.anonymousVolumes).toEqual({ "/data": "anon-2" });
    expect(w.runtime.removals.at(-1)).toEqual({ name: "demo-db-1", volumes: true });
    expect([...w.runtime.anonymousVolumes]).toEqual(["anon-2"]);
  });

  test("rm keeps a container's anonymous volumes, rm -v removes them (compose rm -v)", async () => {
    const w = world({ a: { image: "a", volumes: [{ type: "volume", target: "/d" }] }, b: { image: "b", volumes: [{ type: "volume", target: "/d" }] } }, {});
    await (await w.up()).done;
    await serviceOp(w.supervisor, w.project, "rm", { services: ["a"], stop: true }, w.reporter);
    await serviceOp(w.supervisor, w.project, "rm", { services: ["b"], stop: true, volumes: true }, w.reporter);
    expect(w.runtime.removals).toEqual([{ name: "demo-a-1", volumes: false }, { name: "demo-b-1", volumes: true }]);
    expect([...w.runtime.anonymousVolumes]).toEqual(["anon-1"]);
  });

  test("post_start runs after each start, pre_stop before each stop (a failing one is a warning), never before a kill", async () => {
    const services = {
      web: {
        image: "web",
        post_start: [{ command: ["touch", "/started"], user: "app", environment: { A: "1", B: null } }, { command: ["second"] }],
        pre_stop: [{ command: ["flush"] }],
      },
    };
    const w = world(services, { web: { exec: (cmd) => (cmd[0] === "flush" ? { exitCode: 3, stdout: "", stderr: "disk full\n" } : { exitCode: 0, stdout: "", stderr: "" }) } });
    await (await w.up()).done;
    expect(w.runtime.calls).toEqual(["create demo-web-1", "start demo-web-1", "exec demo-web-1 touch /started", "exec demo-web-1 second"]);
    await w.supervisor.stop("demo-web-1", 1000);
    expect(w.runtime.calls.slice(-2)).toEqual(["exec demo-web-1 flush", "stop demo-web-1"]);
    // a failing pre_stop is said, and the stop goes on
    expect(w.reporter.warnings).toContain('container "demo-web-1": pre_stop hook `flush` exited with status 3: disk full');
    await w.supervisor.start("demo-web-1");
    await w.supervisor.kill("demo-web-1");
    expect(w.runtime.calls.slice(-1)).toEqual(["kill demo-web-1 KILL"]);
  });

  test("a failing post_start fails the up with the hook's status", async () => {
    const failing = world({ web: { image: "web", post_start: [{ command: ["false"] }] } }, { web: { exec: () => ({ exitCode: 1, stdout: "", stderr: "" }) } });
    await expect((await failing.up()).done).rejects.toThrow('container "demo-web-1": post_start hook `false` exited with status 1');
  });

  test("a recreated dependency restarts the dependents that ask for it (depends_on.restart), after it, and only those", async () => {
    const services = (dbEnv: Record<string, string>) => ({
      db: { image: "db", environment: dbEnv },
      api: { image: "api", depends_on: { db: { condition: "service_started", restart: true } } },
      worker: { image: "worker", depends_on: { db: { condition: "service_started" } } },
      web: { image: "web", depends_on: { api: { condition: "service_started", restart: true } } },
    });
    const w = world(services({}), {});
    await (await w.up()).done;
    const before = w.runtime.calls.length;
    const { rplan, done } = await w.up({ next: services({ V: "2" }) });
    await done;
    expect(rplan.steps.flatMap((st) => st.actions).filter((a) => a.kind !== "keep")).toEqual([
      expect.objectContaining({ kind: "recreate", container: "demo-db-1" }),
      expect.objectContaining({ kind: "restart", container: "demo-api-1", reason: "db updated" }),
      // restarted api counts as updated for web, which asked to follow api
      expect.objectContaining({ kind: "restart", container: "demo-web-1", reason: "api updated" }),
    ]);
    expect(w.runtime.calls.slice(before)).toEqual([
      "stop demo-db-1", "remove demo-db-1", "create demo-db-1", "start demo-db-1",
      "stop demo-api-1", "start demo-api-1",
      "stop demo-web-1", "start demo-web-1",
    ]);
    // nothing changed: nothing restarts
    const again = await w.up();
    await again.done;
    expect(again.rplan.steps.flatMap((st) => st.actions).every((a) => a.kind === "keep")).toBe(true);
  });

  test("scaling down stops and removes the surplus replicas, highest first", async () => {
    const w = world({ api: { image: "api", deploy: { replicas: 3 } } }, {});
    await (await w.up()).done;
    const before = w.runtime.calls.length;
    await (await w.up({ scale: { api: 1 } })).done;
    expect(w.runtime.calls.slice(before)).toEqual(["stop demo-api-3", "stop demo-api-2", "remove demo-api-3", "remove demo-api-2"]);
    expect(w.store.listContainers("demo").map((c) => c.name)).toEqual(["demo-api-1"]);
  });

  test("up --wait waits for healthchecks and fails naming the service that never got healthy", async () => {
    const w = world({ db: { image: "db", healthcheck: { ...healthcheck, start_period: "1h" } }, web: { image: "web" } }, {
      db: { exec: () => ({ exitCode: 1, stdout: "", stderr: "" }) },
    });
    const { done, ctx } = await w.up({ deadlineMs: 5000 });
    await done;
    const caught = waitReady(ctx, (s) => s === "db").catch((e: Error) => e.message);
    await w.clock.advance(5000);
    expect(await caught).toBe('up --wait: service "db" did not become healthy in time (demo-db-1 is starting)');
  });

  test("the dependency wait is visible as progress while it lasts", async () => {
    const w = world(
      { db: { image: "db", healthcheck }, api: { image: "api", depends_on: { db: { condition: "service_healthy" } } } },
      { db: { exec: () => ({ exitCode: 0, stdout: "", stderr: "" }) } },
    );
    const { done } = await w.up();
    await flush();
    await w.clock.advance(1000);
    await done;
    expect(w.reporter.events).toContainEqual({ type: "progress", id: "api", action: "waiting for db (demo-db-1 is starting)" });
  });
});
