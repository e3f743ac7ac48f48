import { describe, expect, test } from "bun:test";
import { draftOffline } from "../../../src/ai/offline/index.ts";
import { editClauses } from "../../../src/ai/offline/edit.ts";
import type { Project } from "../../../src/engine/compose/model.ts";

const stack = (): Project => draftOffline("nginx, python api, postgres and redis", { projectName: "shop" }).project;

const edit = (request: string, project: Project = stack()) => draftOffline(request, { projectName: "shop", existing: project });

describe("offline edits of an existing project", () => {
  test("adds a service and wires existing application servers to it", () => {
    const base = draftOffline("python api with postgres", { projectName: "shop" }).project;
    const draft = edit("add redis", base);
    expect(Object.keys(draft.project.services).sort()).toEqual(["api", "postgres", "redis"]);
    expect(Object.keys(draft.project.services.api?.depends_on ?? {}).sort()).toEqual(["postgres", "redis"]);
    expect(draft.project.services.api?.environment.REDIS_URL).toBe("redis://redis:6379");
    expect(draft.project.services.redis?.networks).toEqual({ default: null });
  });

  test("adds a second service of the same image under a new name", () => {
    const draft = edit("add redis");
    expect(draft.project.services["redis-2"]?.image).toBe("redis:7-alpine");
  });

  test("scales a service, naming it by role", () => {
    const draft = edit("scale the api to 3");
    expect(draft.project.services.api?.deploy?.replicas).toBe(3);
    expect(draft.summary).toContain("api: 3 replicas");
  });

  test("puts a load balancer in front when a published service is scaled", () => {
    const draft = edit("scale nginx to 3");
    expect(draft.project.services.nginx?.ports).toEqual([]);
    expect(draft.project.services.lb?.ports.map((p) => p.published)).toEqual(["8080"]);
    expect(draft.project.services.lb?.depends_on).toEqual({ nginx: { condition: "service_started", required: true } });
  });

  test("removes a service named by role and drops the dependencies on it", () => {
    const draft = edit("remove cache");
    expect(draft.project.services.redis).toBeUndefined();
    expect(Object.keys(draft.project.services.api?.depends_on ?? {})).toEqual(["postgres"]);
    expect(draft.project.volumes["redis-data"]).toBeUndefined();
    expect(draft.warnings.join("\n")).toContain('service "api" depended on "redis"');
  });

  test("publishes a service on a host port", () => {
    const draft = edit("expose api on 9000");
    expect(draft.project.services.api?.ports.map((p) => `${p.published}:${p.target}`)).toEqual(["9000:8000"]);
  });

  test("refuses a host port another service publishes", () => {
    expect(() => edit("expose api on 8080")).toThrow('host port 8080 is already published by "nginx"');
  });

  test("sets an env var, renames, changes an image, in one request", () => {
    const draft = edit("set LOG_LEVEL=debug on api, rename redis to cache and use postgres:15 for db");
    expect(draft.project.services.api?.environment.LOG_LEVEL).toBe("debug");
    expect(draft.project.services.cache?.image).toBe("redis:7-alpine");
    expect(draft.project.services.api?.depends_on?.cache).toBeDefined();
    expect(draft.project.services.postgres?.image).toBe("postgres:15");
  });

  test("names the services when the one asked for does not exist", () => {
    expect(() => edit("scale mailer to 2")).toThrow('no service "mailer" in the project');
  });

  test("refuses a follow-up it cannot read, with examples", () => {
    expect(() => edit("make it faster")).toThrow('could not understand "make it faster" as a change to the project');
  });

  test("treats a follow-up naming services as an addition", () => {
    expect(Object.keys(edit("with memcached too").project.services)).toContain("memcached");
  });

  test.each([
    ["add redis and scale web to 3", ["add redis", "scale web to 3"]],
    ["add postgres and redis", ["add postgres and redis"]],
    ["remove cache, expose api on 9000 then scale api to 2", ["remove cache", "expose api on 9000", "scale api to 2"]],
  ])("cuts %p into clauses", (request, clauses) => {
    expect(editClauses(request)).toEqual(clauses);
  });
});
