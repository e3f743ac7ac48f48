import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KittenPaths } from "../../../../src/core/paths.ts";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore } from "../../../../src/engine/state/project-store.ts";
import { requestSupervisor, supervisorSocketPath } from "../../../../src/engine/supervisor/client.ts";
import { ensureSupervisor, runSupervisor } from "../../../../src/engine/supervisor/process.ts";
import { FakeRuntime } from "../orchestrate/fake-runtime.ts";
import { FakeClock } from "./fake-clock.ts";

let dir: string;
let paths: KittenPaths;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-proc-"));
  paths = { data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") };
  // `up` records the project before it asks for a supervisor
  new ProjectStore(openStateDb(paths)).saveProject({ name: "demo", workingDir: dir, configFiles: [], config: {} });
});
afterEach(() => {
  closeStateDbs();
  rmSync(dir, { recursive: true, force: true });
});

describe("supervisor process", () => {
  test("is started on demand once, answers, and stops on a shutdown request", async () => {
    const runtime = new FakeRuntime(new FakeClock());
    const runs: Promise<number>[] = [];
    const launch = (project: string) => void runs.push(runSupervisor(project, paths, runtime));
    expect(await ensureSupervisor(paths, "demo", { launch })).toMatchObject({ started: true, status: { project: "demo", containers: [] } });
    expect(await ensureSupervisor(paths, "demo", { launch })).toMatchObject({ started: false, status: { project: "demo" } });
    expect(runs.length).toBe(1);
    await requestSupervisor(supervisorSocketPath(paths, "demo"), "demo", { op: "shutdown" });
    expect(await runs[0]).toBe(0);
    // shut down after down: the supervisor leaves no socket, lock or log behind
    expect(readdirSync(join(paths.runtime, "sup"))).toEqual([]);
  });

  test("a second supervisor of the same project leaves at once", async () => {
    const runtime = new FakeRuntime(new FakeClock());
    const first = runSupervisor("demo", paths, runtime);
    await ensureSupervisor(paths, "demo", { launch: () => {} });
    expect(await runSupervisor("demo", paths, runtime)).toBe(0);
    const status = (await requestSupervisor(supervisorSocketPath(paths, "demo"), "demo", { op: "status" })) as { pid: number };
    expect(status.pid).toBe(process.pid);
    await requestSupervisor(supervisorSocketPath(paths, "demo"), "demo", { op: "shutdown" });
    await first;
  });

  test("one that got the lock after its project went down leaves, taking its lock file with it", async () => {
    const runtime = new FakeRuntime(new FakeClock());
    new ProjectStore(openStateDb(paths)).removeProject("demo");
    expect(await runSupervisor("demo", paths, runtime)).toBe(0);
    expect(readdirSync(join(paths.runtime, "sup"))).toEqual([]);
  });

  test("says where its log is when it does not come up", async () => {
    const err = await ensureSupervisor(paths, "demo", { launch: () => {}, timeoutMs: 50 }).catch((e) => e);
    expect((err as Error).message).toBe('the supervisor of project "demo" did not start');
  });
});
