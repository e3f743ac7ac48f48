import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KittenPaths } from "../../../../src/core/paths.ts";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { ProjectSchema } from "../../../../src/engine/compose/model.ts";
import type { ImageResolver } from "../../../../src/engine/image/types.ts";
import { down, events, listProjects, ps, serviceCommand, up, type ProjectEngineDeps } from "../../../../src/engine/orchestrate/project-api.ts";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { runSupervisor } from "../../../../src/engine/supervisor/process.ts";
import { ProjectStore, type ProjectEvent } from "../../../../src/engine/state/project-store.ts";
import { FakeClock } from "../supervisor/fake-clock.ts";
import { FakeRuntime } from "./fake-runtime.ts";

let dir: string;
let paths: KittenPaths;
let runtime: FakeRuntime;
let deps: ProjectEngineDeps;
let supervisors: Promise<number>[];
const prepared: string[] = [];
const tornDown: string[] = [];

const images: ImageResolver = {
  async resolve(ref) {
    return { ref, id: `sha256:${ref}`, layers: [], config: {} };
  },
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-api-"));
  paths = { data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") };
  runtime = new FakeRuntime(new FakeClock());
  supervisors = [];
  prepared.length = 0;
  tornDown.length = 0;
  deps = {
    paths,
    reporter: new MemoryReporter(),
    images,
    launch: (project) => void supervisors.push(runSupervisor(project, paths, runtime)),
    prepare: async (p) => void prepared.push(p.name),
    teardown: async (p, o) => void tornDown.push(`${p} volumes=${o.volumes}`),
  };
});

afterEach(async () => {
  await down({ project: "demo" }, deps).catch(() => {});
  await Promise.all(supervisors);
  closeStateDbs();
  rmSync(dir, { recursive: true, force: true });
});

const project = ProjectSchema.parse({
  name: "demo",
  services: { db: { image: "db" }, web: { image: "web", depends_on: { db: { condition: "service_started" } } } },
});
const upOptions = { project, workingDir: "/p", configFiles: ["/p/compose.yaml"] };

describe("project engine entry points", () => {
  test("up prepares the project, starts a supervisor and runs every service; ps lists them", async () => {
    const r = await up(upOptions, deps);
    expect(r.plan).toContain("create    demo-web-1");
    expect(prepared).toEqual(["demo"]);
    expect(supervisors.length).toBe(1);
    expect((await ps({ project: "demo" }, deps)).map((c) => `${c.name} ${c.status}`)).toEqual(["demo-db-1 running", "demo-web-1 running"]);
    expect(runtime.spec("demo-db-1")?.configHash).toBeDefined();
  });

  test("stop leaves stopped containers that only ps -a shows, and start brings them back", async () => {
    await up(upOptions, deps);
    expect(await serviceCommand("stop", { project: "demo", services: ["web"] }, deps)).toEqual(["demo-web-1"]);
    expect((await ps({ project: "demo" }, deps)).map((c) => c.name)).toEqual(["demo-db-1"]);
    expect((await ps({ project: "demo", all: true }, deps)).map((c) => `${c.name} ${c.status} ${c.exitCode}`)).toEqual([
      "demo-db-1 running undefined",
      "demo-web-1 exited 143",
    ]);
    await serviceCommand("start", { project: "demo" }, deps);
    expect((await ps({ project: "demo" }, deps)).length).toBe(2);
  });

  test("two concurrent up of the same project end with one container per service", async () => {
    await Promise.all([up(upOptions, deps), up(upOptions, deps)]);
    expect((await runtime.list()).map((c) => c.name)).toEqual(["demo-db-1", "demo-web-1"]);
    expect(runtime.calls.filter((c) => c.startsWith("create")).length).toBe(2);
  });

  test("down removes the containers, stops the supervisor, tears down and forgets the project", async () => {
    await up(upOptions, deps);
    expect(listProjects(deps).map((p) => p.name)).toEqual(["demo"]);
    expect(await down({ project: "demo", volumes: true }, deps)).toEqual({ removed: ["demo-db-1", "demo-web-1"], volumes: [] });
    expect(await supervisors[0]).toBe(0);
    expect(await runtime.list()).toEqual([]);
    expect(tornDown).toEqual(["demo volumes=true"]);
    expect(listProjects(deps)).toEqual([]);
  });

  test("a command on an unknown project says so", async () => {
    await expect(serviceCommand("stop", { project: "ghost" }, deps)).rejects.toThrow('no such project: "ghost"');
  });

  test("events lists the project's history in order", async () => {
    await up(upOptions, deps);
    const seen: ProjectEvent[] = [];
    await events({ project: "demo" }, deps, (e) => seen.push(e));
    expect(seen.map((e) => `${e.action} ${e.container}`)).toEqual(["create demo-db-1", "start demo-db-1", "create demo-web-1", "start demo-web-1"]);
  });

  test("events --follow sees a new event when it is written, not at the next poll", async () => {
    await up(upOptions, deps);
    const abort = new AbortController();
    const seen: ProjectEvent[] = [];
    let arrived: (() => void) | undefined;
    const done = events({ project: "demo", follow: true, signal: abort.signal, pollMs: 30_000 }, deps, (e) => {
      seen.push(e);
      arrived?.();
    });
    await Bun.sleep(100);
    const t0 = performance.now();
    const got = new Promise<void>((resolve) => (arrived = resolve));
    new ProjectStore(openStateDb(deps.paths)).appendEvent({ project: "demo", service: "web", container: "demo-web-1", action: "die", exitCode: 3 });
    await Promise.race([got, Bun.sleep(5_000)]);
    expect(seen.at(-1)).toMatchObject({ action: "die", container: "demo-web-1", exitCode: 3 });
    expect(performance.now() - t0).toBeLessThan(2_000);
    const t1 = performance.now();
    abort.abort();
    await done;
    expect(performance.now() - t1).toBeLessThan(2_000);
  });
});
