import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore, type ContainerRecord } from "../../../../src/engine/state/project-store.ts";
import type { KittenPaths } from "../../../../src/core/paths.ts";

let dir: string;
let paths: KittenPaths;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-state-"));
  paths = { data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") };
});
afterEach(() => {
  closeStateDbs();
  rmSync(dir, { recursive: true, force: true });
});

const container = (c: Partial<ContainerRecord> = {}): ContainerRecord => ({
  name: "demo-web-1",
  project: "demo",
  service: "web",
  replica: 1,
  image: "nginx",
  status: "running",
  restarts: 0,
  health: "none",
  manualStop: false,
  ...c,
});

describe("project store", () => {
  test("keeps a project's files and config snapshot, updating them on the next up", () => {
    const s = new ProjectStore(openStateDb(paths));
    s.saveProject({ name: "demo", workingDir: "/a", configFiles: ["/a/compose.yaml"], config: { services: { web: {} } } });
    s.saveProject({ name: "demo", workingDir: "/b", configFiles: ["/b/compose.yaml"], config: { services: {} } });
    expect(s.getProject("demo")).toMatchObject({ workingDir: "/b", configFiles: ["/b/compose.yaml"], config: { services: {} } });
  });

  test("lists a project's containers in service and replica order, and only that project's", () => {
    const s = new ProjectStore(openStateDb(paths));
    s.putContainer(container({ name: "demo-web-2", replica: 2 }));
    s.putContainer(container({ name: "demo-db-1", service: "db" }));
    s.putContainer(container());
    s.putContainer(container({ name: "other-web-1", project: "other" }));
    expect(s.listContainers("demo").map((c) => c.name)).toEqual(["demo-db-1", "demo-web-1", "demo-web-2"]);
  });

  test("round-trips every field of a container, and clears fields set to undefined", () => {
    const s = new ProjectStore(openStateDb(paths));
    const full = container({
      configHash: "abc",
      status: "exited",
      exitCode: 3,
      restarts: 2,
      health: "unhealthy",
      healthLog: [{ start: "s", end: "e", exitCode: 1, output: "no" }],
      manualStop: true,
      pid: 42,
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:00:01.000Z",
      ports: [{ hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
      logPath: "/run/c/ctr.log",
    });
    s.putContainer(full);
    expect(s.getContainer("demo-web-1")).toEqual(full);
    const next = s.updateContainer("demo-web-1", { status: "running", exitCode: undefined, pid: 43 });
    expect(next?.exitCode).toBeUndefined();
    expect(s.getContainer("demo-web-1")).toMatchObject({ status: "running", pid: 43, restarts: 2 });
    expect(s.getContainer("demo-web-1")?.exitCode).toBeUndefined();
  });

  test("counts containers by status per project for ls", () => {
    const s = new ProjectStore(openStateDb(paths));
    s.saveProject({ name: "demo", workingDir: "/a", configFiles: [], config: {} });
    s.putContainer(container());
    s.putContainer(container({ name: "demo-web-2", replica: 2, status: "exited" }));
    s.putContainer(container({ name: "demo-db-1", service: "db" }));
    expect(s.listProjects()).toEqual([{ name: "demo", workingDir: "/a", configFiles: [], counts: { running: 2, exited: 1 } }]);
  });

  test("appends events with increasing ids and filters them by project, id and time", () => {
    const s = new ProjectStore(openStateDb(paths));
    const a = s.appendEvent({ project: "demo", container: "demo-web-1", action: "start", time: "2026-01-01T00:00:00.000Z" });
    const b = s.appendEvent({ project: "demo", container: "demo-web-1", action: "die", exitCode: 1, time: "2026-01-01T00:00:05.000Z" });
    s.appendEvent({ project: "other", action: "start", time: "2026-01-01T00:00:06.000Z" });
    expect(b.id).toBeGreaterThan(a.id);
    expect(s.listEvents({ project: "demo" }).map((e) => e.action)).toEqual(["start", "die"]);
    expect(s.listEvents({ project: "demo", afterId: a.id })).toEqual([b]);
    expect(s.listEvents({ since: "2026-01-01T00:00:05.000Z" }).map((e) => e.project)).toEqual(["demo", "other"]);
    expect(s.listEvents({ until: "2026-01-01T00:00:04.000Z" })).toEqual([a]);
  });

  test("keeps the event log bounded: a crash loop's thousands of events leave the newest ones of that project only", () => {
    const s = new ProjectStore(openStateDb(paths));
    s.appendEvent({ project: "other", action: "start" });
    for (let i = 0; i < 1200; i++) s.appendEvent({ project: "demo", container: "demo-web-1", action: i % 2 ? "die" : "start" });
    expect(s.pruneEvents("demo", 100)).toBe(1100);
    const left = s.listEvents({ project: "demo" });
    expect(left.length).toBe(100);
    expect(left.at(-1)!.id - left[0]!.id).toBe(99);
    expect(s.listEvents({ project: "other" }).length).toBe(1);
  });

  test("keeps why a state is what it is, and a pending restart's backoff and due time", () => {
    const s = new ProjectStore(openStateDb(paths));
    s.putContainer(container({ status: "restarting", note: "exit code unknown", backoffMs: 400, restartAt: "2026-01-01T00:00:01.000Z" }));
    expect(s.getContainer("demo-web-1")).toMatchObject({ status: "restarting", note: "exit code unknown", backoffMs: 400, restartAt: "2026-01-01T00:00:01.000Z" });
    s.updateContainer("demo-web-1", { status: "running", restartAt: undefined, note: undefined });
    expect(s.getContainer("demo-web-1")).not.toHaveProperty("restartAt");
    expect(s.getContainer("demo-web-1")).not.toHaveProperty("note");
  });

  test("removing a project removes its containers but keeps its events", () => {
    const s = new ProjectStore(openStateDb(paths));
    s.saveProject({ name: "demo", workingDir: "/a", configFiles: [], config: {} });
    s.putContainer(container());
    s.appendEvent({ project: "demo", action: "destroy" });
    s.removeProject("demo");
    expect(s.getProject("demo")).toBeUndefined();
    expect(s.listContainers("demo")).toEqual([]);
    expect(s.listEvents({ project: "demo" }).length).toBe(1);
  });

  test("a second store on the same database does not re-run the migrations", () => {
    const db = openStateDb(paths);
    new ProjectStore(db).putContainer(container());
    expect(new ProjectStore(db).listContainers("demo").length).toBe(1);
  });
});
