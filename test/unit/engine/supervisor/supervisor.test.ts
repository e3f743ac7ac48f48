import { EVENTS_KEPT } from "../../../../src/engine/state/project-store.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { parseRestartPolicy } from "../../../../src/engine/supervisor/restart-policy.ts";
import type { HealthConfig } from "../../../../src/engine/supervisor/healthcheck.ts";
import { events, harness, run, spec, type Harness } from "./harness.ts";

let h: Harness;
afterEach(async () => {
  await h.supervisor.close();
  h.cleanup();
});

const hc = (c: Partial<HealthConfig> = {}): HealthConfig => ({
  command: ["check"],
  intervalMs: 1000,
  timeoutMs: 500,
  retries: 2,
  startPeriodMs: 0,
  startIntervalMs: 100,
  ...c,
});

describe("restart policies under the supervisor", () => {
  test("restart: always restarts a crashing container with growing delays and counts the restarts", async () => {
    h = harness({ app: { exitAfterMs: 50, exitCode: 1 } }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    // runs 50 ms each time; waits 100, 200, 400 ms between runs
    await h.clock.advance(50 + 100 + 50 + 200 + 50 + 400);
    expect(events(h, "demo-app-1").filter((e) => e.startsWith("restart"))).toEqual([
      "restart in 100ms (restart 1)",
      "restart in 200ms (restart 2)",
      "restart in 400ms (restart 3)",
    ]);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ restarts: 3, status: "running" });
    await h.clock.advance(50);
    // as docker shows it: restarting, with the exit code, the restart counted and when it is due
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ restarts: 4, status: "restarting", exitCode: 1, backoffMs: 800, restartAt: "2026-01-01T00:00:01.700Z" });
    await h.clock.advance(799);
    expect(h.store.getContainer("demo-app-1")?.status).toBe("restarting");
    await h.clock.advance(1);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ restarts: 4, status: "running" });
    expect(h.store.getContainer("demo-app-1")?.restartAt).toBeUndefined();
  });

  test("stop during the restart delay calls the restart off: exited, and no start after the delay", async () => {
    h = harness({ app: { exitAfterMs: 50, exitCode: 1 } }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    await h.clock.advance(50);
    expect(h.store.getContainer("demo-app-1")?.status).toBe("restarting");
    await h.supervisor.stop("demo-app-1");
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "exited", manualStop: true, restarts: 1 });
    expect(h.store.getContainer("demo-app-1")?.restartAt).toBeUndefined();
    await h.clock.advance(10_000);
    expect(h.runtime.calls.filter((c) => c.startsWith("start"))).toEqual(["start demo-app-1"]);
  });

  test("restart: no leaves a crashed container down with its exit code", async () => {
    h = harness({ app: { exitAfterMs: 50, exitCode: 3 } }, { app: {} });
    await run(h, "app");
    await h.clock.advance(10_000);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "exited", exitCode: 3, restarts: 0 });
    expect(events(h)).toEqual(["create", "start", "die 3"]);
    expect(h.runtime.calls.filter((c) => c.startsWith("start"))).toEqual(["start demo-app-1"]);
  });

  test("on-failure does not restart a clean exit", async () => {
    h = harness({ job: { exitAfterMs: 10, exitCode: 0 } }, { job: { restart: parseRestartPolicy("on-failure") } });
    await run(h, "job");
    await h.clock.advance(5_000);
    expect(h.store.getContainer("demo-job-1")).toMatchObject({ status: "exited", exitCode: 0, restarts: 0 });
  });

  test("a manual stop is never undone by restart: always", async () => {
    h = harness({ app: {} }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    await h.supervisor.stop("demo-app-1");
    await h.clock.advance(60_000);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "exited", exitCode: 143, manualStop: true });
    expect(events(h)).toEqual(["create", "start", "die 143"]);
  });

  test("starting a stopped container again clears the manual stop and restarts work again", async () => {
    h = harness({ app: {} }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    await h.supervisor.stop("demo-app-1");
    await h.supervisor.start("demo-app-1");
    h.runtime.crash("demo-app-1", 1);
    await h.clock.advance(100);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "running", restarts: 1, manualStop: false });
  });
});

describe("healthchecks under the supervisor", () => {
  test("a container goes healthy, unhealthy and healthy again, with events and stored results", async () => {
    let answer = 0;
    h = harness({ db: { exec: () => ({ exitCode: answer, stdout: `answer ${answer}`, stderr: "" }) } }, { db: { health: hc() } });
    await run(h, "db");
    expect(h.store.getContainer("demo-db-1")?.health).toBe("starting");
    await h.clock.advance(1000);
    expect(h.store.getContainer("demo-db-1")?.health).toBe("healthy");
    answer = 1;
    await h.clock.advance(2000);
    expect(h.store.getContainer("demo-db-1")?.health).toBe("unhealthy");
    answer = 0;
    await h.clock.advance(1000);
    const rec = h.store.getContainer("demo-db-1")!;
    expect(rec.health).toBe("healthy");
    expect(rec.healthLog?.map((r) => r.output)).toEqual(["answer 0", "answer 1", "answer 1", "answer 0"]);
    expect(events(h).filter((e) => e.startsWith("health_status"))).toEqual(["health_status healthy", "health_status unhealthy 1", "health_status healthy"]);
  });

  test("a restarted container starts its healthcheck from starting again", async () => {
    h = harness({ db: { exitAfterMs: (run) => (run === 1 ? 1500 : undefined), exitCode: 1 } }, { db: { health: hc(), restart: parseRestartPolicy("always") } });
    await run(h, "db");
    await h.clock.advance(1000);
    expect(h.store.getContainer("demo-db-1")?.health).toBe("healthy");
    await h.clock.advance(600);
    expect(h.store.getContainer("demo-db-1")).toMatchObject({ status: "running", restarts: 1, health: "starting" });
  });

  test("the dependency view reflects replicas, start and health", async () => {
    h = harness({ db: {} }, { db: { health: hc() } });
    await run(h, "db", 1);
    await run(h, "db", 2);
    expect(h.supervisor.view("db").replicas.map((r) => `${r.container} ${r.status} ${r.health} ${r.started}`)).toEqual([
      "demo-db-1 running starting true",
      "demo-db-2 running starting true",
    ]);
  });
});

describe("adoption by a new supervisor", () => {
  test("adopts running containers without restarting them and keeps supervising them", async () => {
    h = harness({ app: {} }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    // the old supervisor dies: it stops watching, the container keeps running under its monitor
    await h.supervisor.close();
    h.supervisor = h.newSupervisor();
    const result = await h.supervisor.adopt();
    expect(result).toEqual({ adopted: ["demo-app-1"], restarted: [], gone: [] });
    expect(h.runtime.calls.filter((c) => c.startsWith("start"))).toEqual(["start demo-app-1"]);
    h.runtime.crash("demo-app-1", 2);
    await h.clock.advance(100);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "running", restarts: 1 });
  });

  test("restarts a container that died while nobody watched, per its policy, keeping the count", async () => {
    h = harness({ app: {}, once: {} }, { app: { restart: parseRestartPolicy("always") }, once: {} });
    await run(h, "app");
    await run(h, "once");
    await h.supervisor.close();
    h.runtime.crash("demo-app-1", 1);
    h.runtime.crash("demo-once-1", 5);
    h.supervisor = h.newSupervisor();
    const result = await h.supervisor.adopt();
    expect(result.restarted).toEqual(["demo-app-1"]);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "running", restarts: 1 });
    expect(h.store.getContainer("demo-once-1")).toMatchObject({ status: "exited", exitCode: 5 });
  });

  test("does not restart an unwatched container that a user had stopped", async () => {
    h = harness({ app: {} }, { app: { restart: parseRestartPolicy("unless-stopped") } });
    await run(h, "app");
    await h.supervisor.stop("demo-app-1");
    await h.supervisor.close();
    h.supervisor = h.newSupervisor();
    expect((await h.supervisor.adopt()).restarted).toEqual([]);
  });

  test("forgets records of containers that no longer exist", async () => {
    h = harness({ app: {} }, { app: {} });
    await run(h, "app");
    await h.supervisor.close();
    await h.runtime.remove("demo-app-1", { force: true });
    h.supervisor = h.newSupervisor();
    expect((await h.supervisor.adopt()).gone).toEqual(["demo-app-1"]);
    expect(h.store.listContainers("demo")).toEqual([]);
  });

  test("carries on a restart another process decided (status restarting, due at restartAt) and keeps its backoff", async () => {
    h = harness({ app: {} }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    await h.supervisor.close();
    h.runtime.crash("demo-app-1", 1);
    // as conmon's exit command (or a supervisor killed during the delay) leaves it
    h.store.updateContainer("demo-app-1", { status: "restarting", exitCode: 1, restarts: 3, backoffMs: 400, restartAt: new Date(h.clock.now() + 400).toISOString() });
    h.supervisor = h.newSupervisor();
    expect((await h.supervisor.adopt()).restarted).toEqual(["demo-app-1"]);
    await h.clock.advance(399);
    expect(h.store.getContainer("demo-app-1")?.status).toBe("restarting");
    await h.clock.advance(1);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "running", restarts: 3 });
    // the next crash doubles the carried delay
    h.runtime.crash("demo-app-1", 1);
    await h.clock.advance(1);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "restarting", restarts: 4, backoffMs: 800 });
  });

  test("a pending restart is called off by a user stop", async () => {
    h = harness({ app: {} }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    await h.supervisor.close();
    h.runtime.crash("demo-app-1", 1);
    h.store.updateContainer("demo-app-1", { status: "restarting", restarts: 1, backoffMs: 100, restartAt: new Date(h.clock.now() + 100).toISOString() });
    h.supervisor = h.newSupervisor();
    await h.supervisor.adopt();
    h.store.updateContainer("demo-app-1", { manualStop: true });
    await h.clock.advance(200);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "exited", manualStop: true });
    expect(h.runtime.calls.filter((c) => c.startsWith("start"))).toEqual(["start demo-app-1"]);
  });

  test("a container gone without an exit code (its monitor was killed) is recorded as exited with the code unknown, and restarted by its policy", async () => {
    h = harness({ app: {} }, { app: { restart: parseRestartPolicy("on-failure") } });
    await run(h, "app");
    h.runtime.crash("demo-app-1", -1);
    await h.clock.advance(1);
    const rec = h.store.getContainer("demo-app-1")!;
    expect(rec).toMatchObject({ status: "restarting", note: "exit code unknown: its monitor (conmon) was killed", restarts: 1 });
    expect(rec.exitCode).toBeUndefined();
    await h.clock.advance(100);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "running", restarts: 1 });
  });

  test("keeps a healthy container healthy across adoption", async () => {
    h = harness({ db: {} }, { db: { health: hc() } });
    await run(h, "db");
    await h.clock.advance(1000);
    await h.supervisor.close();
    h.supervisor = h.newSupervisor();
    await h.supervisor.adopt();
    expect(h.supervisor.view("db").replicas[0]?.health).toBe("healthy");
    await h.clock.advance(1000);
    expect(h.store.getContainer("demo-db-1")?.health).toBe("healthy");
  });
});

describe("supervisor robustness", () => {
  test("a crashed container is started again in place, never removed and recreated, keeping the restart count", async () => {
    h = harness({ app: { exitAfterMs: 50, exitCode: 1 } }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    await h.clock.advance(50 + 100 + 50 + 200);
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "running", restarts: 2 });
    expect(h.runtime.calls.filter((c) => /^(create|remove|start) /.test(c))).toEqual(["create demo-app-1", "start demo-app-1", "start demo-app-1", "start demo-app-1"]);
  });

  test("a user start of a stopped container starts the same container again", async () => {
    h = harness({ app: {} }, { app: {} });
    await run(h, "app");
    await h.supervisor.stop("demo-app-1");
    await h.supervisor.start("demo-app-1");
    expect(h.store.getContainer("demo-app-1")).toMatchObject({ status: "running", manualStop: false });
    expect(h.runtime.calls.filter((c) => /^(create|remove) /.test(c))).toEqual(["create demo-app-1"]);
  });

  test("stops watching a container whose restart fails, and says why", async () => {
    h = harness({ app: { exitAfterMs: 10, exitCode: 1 } }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    const start = h.runtime.start.bind(h.runtime);
    h.runtime.start = async (name: string) => {
      if (name === "demo-app-1") throw new Error("image layers are gone");
      return start(name);
    };
    await h.clock.advance(10 + 100);
    expect(h.supervisor.isWatching("demo-app-1")).toBe(false);
    expect(h.reporter.warnings).toEqual(["supervisor: container demo-app-1: image layers are gone"]);
  });
});

describe("first create", () => {
  test("runs alone, then the others run in parallel", async () => {
    h = harness({}, { a: {}, b: {}, c: {} });
    const order: string[] = [];
    const create = h.runtime.create.bind(h.runtime);
    h.runtime.create = async (s) => {
      order.push(`begin ${s.name}`);
      await Bun.sleep(5);
      const st = await create(s);
      order.push(`end ${s.name}`);
      return st;
    };
    await Promise.all(["a", "b", "c"].map((s) => h.supervisor.create(spec(s))));
    expect(order.slice(0, 2)).toEqual(["begin demo-a-1", "end demo-a-1"]);
    expect(order.slice(2, 4).sort()).toEqual(["begin demo-b-1", "begin demo-c-1"]);
  });
});

describe("a day-long crash loop, in compressed time", () => {
  test("keeps the supervisor's memory flat and the event log bounded", async () => {
    // runs 10 s (a stable run resets the backoff) and crashes, again and again: ~8 500 restarts a day
    h = harness({ app: { exitAfterMs: 10_000, exitCode: 1 } }, { app: { restart: parseRestartPolicy("always") } });
    await run(h, "app");
    const day = 24 * 3600_000;
    const step = 60_000;
    // warm up an hour, then measure over the rest of the day
    for (let t = 0; t < 3600_000; t += step) await h.clock.advance(step);
    Bun.gc(true);
    const before = process.memoryUsage().heapUsed;
    for (let t = 3600_000; t < day; t += step) await h.clock.advance(step);
    Bun.gc(true);
    const growth = process.memoryUsage().heapUsed - before;
    const restarts = h.store.getContainer("demo-app-1")!.restarts;
    expect(restarts).toBeGreaterThan(8000);
    // flat: what a day of restarts leaves is well under a few bytes per restart
    expect(growth).toBeLessThan(8 * 1024 * 1024);
    // the event log keeps the newest EVENTS_KEPT of the project, not the ~25 000 a day makes
    expect(h.store.listEvents({ project: "demo" }).length).toBeLessThanOrEqual(EVENTS_KEPT + 500);
  }, 120_000);
});
