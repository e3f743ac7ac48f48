import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KittenPaths } from "../../../../src/core/paths.ts";
import type { KittenEvent } from "../../../../src/core/reporter.ts";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore } from "../../../../src/engine/state/project-store.ts";
import { requestSupervisor, supervisorSocketPath, SupervisorUnavailable } from "../../../../src/engine/supervisor/client.ts";
import { SupervisorServer } from "../../../../src/engine/supervisor/server.ts";
import { FakeRuntime } from "../orchestrate/fake-runtime.ts";
import { FakeClock } from "./fake-clock.ts";

let dir: string;
let paths: KittenPaths;
let server: SupervisorServer;
let runtime: FakeRuntime;
let socket: string;

const project = {
  name: "demo",
  services: {
    db: { image: "db" },
    web: { image: "web", depends_on: { db: { condition: "service_started" } }, deploy: { replicas: 2 } },
  },
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kitten-srv-"));
  paths = { data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") };
  const clock = new FakeClock();
  runtime = new FakeRuntime(clock);
  server = new SupervisorServer({ project: "demo", runtime, store: new ProjectStore(openStateDb(paths)), clock });
  await server.start();
  socket = supervisorSocketPath(paths, "demo");
  server.listen(socket);
});

afterEach(async () => {
  await server.close();
  closeStateDbs();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (req: Parameters<typeof requestSupervisor>[2], events: KittenEvent[] = []) => requestSupervisor(socket, "demo", req, (e) => events.push(e));

describe("supervisor control socket", () => {
  test("up creates the containers level by level and streams their events to the caller", async () => {
    const events: KittenEvent[] = [];
    const result = (await ask({ op: "up", project }, events)) as { plan: string };
    expect(result.plan).toContain("create    demo-web-2");
    expect(events.filter((e) => e.type === "container" && e.action === "start").map((e) => (e as { container: string }).container)).toEqual([
      "demo-db-1",
      "demo-web-1",
      "demo-web-2",
    ]);
    const status = (await ask({ op: "status" })) as { containers: Array<{ name: string; status: string }> };
    expect(status.containers.map((c) => `${c.name} ${c.status}`)).toEqual(["demo-db-1 running", "demo-web-1 running", "demo-web-2 running"]);
  });

  test("a second identical up changes nothing", async () => {
    await ask({ op: "up", project });
    const calls = runtime.calls.length;
    const result = (await ask({ op: "up", project })) as { plan: string };
    expect(result.plan).toContain("unchanged demo-db-1");
    expect(runtime.calls.length).toBe(calls);
  });

  test("two concurrent up requests end with exactly one container per replica", async () => {
    await Promise.all([ask({ op: "up", project }), ask({ op: "up", project })]);
    expect((await runtime.list()).map((c) => c.name)).toEqual(["demo-db-1", "demo-web-1", "demo-web-2"]);
    expect(runtime.calls.filter((c) => c.startsWith("create")).length).toBe(3);
  });

  test("errors come back with their message, hint and exit code", async () => {
    const err = (await ask({ op: "service", action: "stop", services: ["nope"] }).catch((e) => e)) as { message: string; exitCode: number };
    expect(err.message).toBe("no such service: nope");
    expect(err.exitCode).toBe(2);
  });

  test("down removes every container", async () => {
    await ask({ op: "up", project });
    expect(await ask({ op: "down" })).toEqual({ removed: ["demo-db-1", "demo-web-1", "demo-web-2"] });
    expect(await runtime.list()).toEqual([]);
  });

  test("a malformed request is refused as bad input", async () => {
    const err = (await ask({ op: "nonsense" } as never).catch((e) => e)) as { exitCode: number; message: string };
    expect(err.exitCode).toBe(2);
    expect(err.message).toStartWith("supervisor: bad request");
  });

  test("wait resolves with exit codes once the containers have exited", async () => {
    await ask({ op: "up", project: { name: "demo", services: { job: { image: "job" } } } });
    const waiting = ask({ op: "wait", services: ["job"] });
    runtime.crash("demo-job-1", 4);
    expect(await waiting).toEqual({ "demo-job-1": 4 });
  });

  test("a client of a project without a supervisor is told so", async () => {
    const err = await requestSupervisor(join(dir, "nothing.sock"), "ghost", { op: "status" }).catch((e) => e);
    expect(err).toBeInstanceOf(SupervisorUnavailable);
    expect((err as Error).message).toBe('the supervisor of project "ghost" is not running');
  });
});
