import { afterEach, describe, expect, test } from "bun:test";
import { ProjectSchema } from "../../../../src/engine/compose/model.ts";
import { downProject, serviceOp, withRestartDependents } from "../../../../src/engine/orchestrate/lifecycle.ts";
import { parseRestartPolicy } from "../../../../src/engine/supervisor/restart-policy.ts";
import { harness, run, type Harness } from "../supervisor/harness.ts";

let h: Harness;
afterEach(async () => {
  await h.supervisor.close();
  h.cleanup();
});

const project = ProjectSchema.parse({
  name: "demo",
  services: {
    db: { image: "db" },
    api: { image: "api", depends_on: { db: { condition: "service_started" } } },
    web: { image: "web", depends_on: { api: { condition: "service_started" } } },
  },
});

async function stack(policies: Record<string, Record<string, unknown>> = {}) {
  h = harness({}, { db: {}, api: {}, web: {}, ...policies });
  for (const s of ["db", "api", "web"]) await run(h, s);
}

const ops = (h: Harness, verb: string) => h.runtime.calls.filter((c) => c.startsWith(`${verb} `));

describe("down", () => {
  test("stops dependents before their dependencies and removes every container and record", async () => {
    await stack();
    const removed = await downProject(h.supervisor, project, {}, h.reporter);
    expect(removed).toEqual(["demo-api-1", "demo-db-1", "demo-web-1"]);
    expect(ops(h, "stop")).toEqual(["stop demo-web-1", "stop demo-api-1", "stop demo-db-1"]);
    expect(await h.runtime.list()).toEqual([]);
    expect(h.store.listContainers("demo")).toEqual([]);
  });

  test("does not restart anything it stops, whatever the restart policy", async () => {
    await stack({ db: { restart: parseRestartPolicy("always") } });
    await downProject(h.supervisor, project, {}, h.reporter);
    await h.clock.advance(60_000);
    expect(ops(h, "start")).toEqual(["start demo-db-1", "start demo-api-1", "start demo-web-1"]);
  });

  test("warns about orphans and leaves them, or removes them with --remove-orphans", async () => {
    await stack();
    await run(h, "old");
    await downProject(h.supervisor, project, {}, h.reporter);
    expect(h.reporter.warnings[0]).toContain("demo-old-1");
    expect((await h.runtime.list()).map((c) => c.name)).toEqual(["demo-old-1"]);
    await downProject(h.supervisor, project, { removeOrphans: true }, h.reporter);
    expect(await h.runtime.list()).toEqual([]);
  });

  test("uses the stop timeout given with -t before SIGKILL", async () => {
    h = harness({ db: { ignoresTerm: true } }, { db: {} });
    await run(h, "db");
    const done = downProject(h.supervisor, project, { timeoutMs: 2000 }, h.reporter);
    await h.clock.advance(1999);
    expect(await h.runtime.list()).toHaveLength(1);
    await h.clock.advance(1);
    await done;
    expect(h.store.listEvents({ project: "demo" }).find((e) => e.action === "die")?.exitCode).toBe(137);
  });
});

describe("service verbs", () => {
  test("stop and start act on the named service only, in dependency order", async () => {
    await stack();
    expect(await serviceOp(h.supervisor, project, "stop", { services: ["api", "web"] }, h.reporter)).toEqual(["demo-api-1", "demo-web-1"]);
    expect(ops(h, "stop")).toEqual(["stop demo-web-1", "stop demo-api-1"]);
    expect(h.store.getContainer("demo-db-1")?.status).toBe("running");
    await serviceOp(h.supervisor, project, "start", {}, h.reporter);
    expect(ops(h, "start").slice(3)).toEqual(["start demo-api-1", "start demo-web-1"]);
  });

  test("restart stops and starts again, and a killed container stays down under restart: always", async () => {
    await stack({ web: { restart: parseRestartPolicy("always") } });
    expect(await serviceOp(h.supervisor, project, "restart", { services: ["web"] }, h.reporter)).toEqual(["demo-web-1"]);
    expect(h.store.getContainer("demo-web-1")?.status).toBe("running");
    await serviceOp(h.supervisor, project, "kill", { services: ["web"] }, h.reporter);
    await h.clock.advance(10_000);
    expect(h.store.getContainer("demo-web-1")).toMatchObject({ status: "exited", exitCode: 137 });
  });

  test("restart of a service also restarts, after it, the services depending on it with restart: true", async () => {
    const follows = ProjectSchema.parse({
      name: "demo",
      services: {
        db: { image: "db" },
        api: { image: "api", depends_on: { db: { condition: "service_started", restart: true } } },
        web: { image: "web", depends_on: { api: { condition: "service_started" } } },
      },
    });
    await stack();
    const acted = await serviceOp(h.supervisor, follows, "restart", { services: ["db"] }, h.reporter);
    expect(acted).toEqual(["demo-api-1", "demo-db-1"]);
    expect(ops(h, "stop")).toEqual(["stop demo-api-1", "stop demo-db-1"]);
    expect(ops(h, "start").slice(3)).toEqual(["start demo-db-1", "start demo-api-1"]);
    expect(withRestartDependents(follows, ["api"])).toEqual(["api"]);
  });

  test("pause and unpause change the status", async () => {
    await stack();
    await serviceOp(h.supervisor, project, "pause", { services: ["db"] }, h.reporter);
    expect(h.store.getContainer("demo-db-1")?.status).toBe("paused");
    await serviceOp(h.supervisor, project, "unpause", {}, h.reporter);
    expect(h.store.getContainer("demo-db-1")?.status).toBe("running");
  });

  test("rm removes stopped containers, and running ones only with --stop", async () => {
    await stack();
    await serviceOp(h.supervisor, project, "stop", { services: ["web"] }, h.reporter);
    expect(await serviceOp(h.supervisor, project, "rm", {}, h.reporter)).toEqual(["demo-web-1"]);
    expect(h.reporter.warnings[0]).toBe("not removing running containers (demo-api-1, demo-db-1); stop them first or use --stop");
    expect(await serviceOp(h.supervisor, project, "rm", { stop: true }, h.reporter)).toEqual(["demo-api-1", "demo-db-1"]);
    expect(await h.runtime.list()).toEqual([]);
  });

  test("acts on named containers only, and refuses one the project does not have", async () => {
    await stack();
    expect(await serviceOp(h.supervisor, project, "stop", { containers: ["demo-api-1"] }, h.reporter)).toEqual(["demo-api-1"]);
    expect(ops(h, "stop")).toEqual(["stop demo-api-1"]);
    await expect(serviceOp(h.supervisor, project, "stop", { containers: ["other-x-1"] }, h.reporter)).rejects.toThrow('no such container in project "demo": other-x-1');
  });

  test("refuses an unknown service", async () => {
    await stack();
    await expect(serviceOp(h.supervisor, project, "stop", { services: ["nope"] }, h.reporter)).rejects.toThrow("no such service: nope");
  });
});
