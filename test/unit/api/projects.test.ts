/** /v1: projects, service actions, scale, config, containers, images, ask, diagnose — each route and its refusals. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { harness, readEvents, type Harness } from "./harness.ts";
import { ContainerListSchema, DraftSchema, ProjectDetailSchema, ProjectListSchema, UpResultSchema } from "../../../src/api/schemas.ts";

let h: Harness;
beforeEach(() => {
  h = harness();
});
afterEach(() => h.close());

const post = (body: string, type = "application/yaml", headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": type, ...headers }, body });
const COMPOSE = "name: shop\nservices:\n  web:\n    image: nginx\n    ports: ['8080:80']\n  db:\n    image: postgres\n    restart: always\n";

describe("projects", () => {
  test("POST /v1/projects runs up with the document and answers its containers", async () => {
    const r = await h.req("/v1/projects?wait=true", post(COMPOSE));
    expect(r.status).toBe(201);
    const body = UpResultSchema.parse(await r.json());
    expect(body.project).toBe("shop");
    expect(body.containers.map((c) => c.name).sort()).toEqual(["shop-db-1", "shop-web-1"]);
    expect(h.calls[0]).toEqual({ op: "up", args: expect.objectContaining({ project: "shop", wait: true }) });
  });

  test("?name= names a document without name:, and one is required", async () => {
    const doc = "services:\n  web:\n    image: nginx\n";
    const none = await h.req("/v1/projects", post(doc));
    expect(none.status).toBe(400);
    expect(((await none.json()) as { code: string }).code).toBe("no_project_name");
    expect(((await (await h.req("/v1/projects?name=blog", post(doc))).json()) as { project: string }).project).toBe("blog");
    expect((await h.req("/v1/projects?name=Bad..Name", post(doc))).status).toBe(400);
  });

  test("interpolation sees no server environment: ${VAR} in a request cannot read the server's secrets", async () => {
    process.env.KITTEN_TEST_SECRET = "s3cret";
    try {
      await h.req("/v1/projects", post("name: leak\nservices:\n  web:\n    image: nginx\n    environment:\n      X: ${KITTEN_TEST_SECRET:-none}\n"));
      const cfg = (await (await h.req("/v1/projects/leak/config")).json()) as { yaml: string };
      expect(cfg.yaml).toContain("X: none");
      expect(cfg.yaml).not.toContain("s3cret");
    } finally {
      delete process.env.KITTEN_TEST_SECRET;
    }
  });

  test("with Accept: text/event-stream, up streams the engine's events, then done", async () => {
    const r = await h.req("/v1/projects", post(COMPOSE, "application/yaml", { accept: "text/event-stream" }));
    expect(r.headers.get("content-type")).toContain("text/event-stream");
    const events = await readEvents(r, (es) => es.some((e) => e.event === "done"));
    expect(events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data).type)).toContain("container");
    expect(JSON.parse(events.at(-1)!.data).project).toBe("shop");
  });

  test("with an event stream a refusal comes as an error event", async () => {
    h.close();
    h = harness({
      engine: {
        async up() {
          throw new (await import("../../../src/core/errors.ts")).RuntimeFailure("port 8080 is already in use", { hint: "pick another" });
        },
      },
    });
    const events = await readEvents(await h.req("/v1/projects", post(COMPOSE, "application/yaml", { accept: "text/event-stream" })), (es) => es.some((e) => e.event === "error"));
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ error: "port 8080 is already in use", code: "runtime", hint: "pick another" });
  });

  test("GET /v1/projects lists them with status, counts, restarts and ports", async () => {
    h.seed("shop", { web: {}, migrate: { status: "exited", exitCode: 0 } });
    const list = ProjectListSchema.parse(await (await h.req("/v1/projects")).json());
    expect(list).toEqual([expect.objectContaining({ name: "shop", status: "running", containers: { total: 2, running: 1, done: 1, failed: 0 }, ports: ["127.0.0.1:18080->80/tcp"] })]);
  });

  test("GET /v1/projects/{name} is the project with its containers and config; unknown is 404", async () => {
    h.seed("shop", { web: {} });
    const p = ProjectDetailSchema.parse(await (await h.req("/v1/projects/shop")).json());
    expect(p.containerList.map((c) => c.phase)).toEqual(["running"]);
    expect(p.config?.services.web?.image).toBe("busybox");
    expect((await h.req("/v1/projects/nope")).status).toBe(404);
  });

  test("DELETE /v1/projects/{name} is down, with ?volumes and ?timeout", async () => {
    h.seed("shop", { web: {} });
    const r = await h.req("/v1/projects/shop?volumes=true&timeout=3", { method: "DELETE" });
    expect(await r.json()).toEqual({ project: "shop", removed: ["shop-web-1"], warnings: [] });
    expect(h.calls).toEqual([{ op: "down", args: { project: "shop", volumes: true, timeoutMs: 3000 } }]);
    expect((await h.req("/v1/projects/shop", { method: "DELETE" })).status).toBe(404);
    expect((await h.req("/v1/projects/x?volumes=maybe", { method: "DELETE" })).status).toBe(404);
  });

  test("service actions on the project or one service; unknown actions, services and bad timeouts refused", async () => {
    h.seed("shop", { web: {}, db: {} });
    const all = await h.req("/v1/projects/shop/stop?timeout=1", { method: "POST" });
    expect(await all.json()).toEqual({ project: "shop", action: "stop", containers: ["shop-db-1", "shop-web-1"].sort() });
    const one = await h.req("/v1/projects/shop/services/web/start", { method: "POST" });
    expect(await one.json()).toEqual({ project: "shop", action: "start", containers: ["shop-web-1"] });
    expect(h.calls.map((c) => [c.op, (c.args as { services: string[] }).services])).toEqual([
      ["stop", []],
      ["start", ["web"]],
    ]);
    expect((await h.req("/v1/projects/shop/explode", { method: "POST" })).status).toBe(404);
    expect((await h.req("/v1/projects/shop/services/nope/stop", { method: "POST" })).status).toBe(404);
    expect((await h.req("/v1/projects/shop/services/-x/stop", { method: "POST" })).status).toBe(400);
    expect((await h.req("/v1/projects/shop/restart?timeout=-1", { method: "POST" })).status).toBe(400);
    expect((await h.req("/v1/projects/shop/restart?services=ghost", { method: "POST" })).status).toBe(404);
  });

  test("scale runs up with the applied config and the replica counts", async () => {
    h.seed("shop", { web: {} });
    const r = await h.req("/v1/projects/shop/scale", post(JSON.stringify({ web: 3 }), "application/json"));
    expect(r.status).toBe(200);
    expect(h.calls[0]).toEqual({ op: "up", args: expect.objectContaining({ project: "shop", services: ["web"], scale: { web: 3 } }) });
    expect((await h.req("/v1/projects/shop/scale", post(JSON.stringify({ web: -1 }), "application/json"))).status).toBe(400);
    expect((await h.req("/v1/projects/shop/scale", post(JSON.stringify({ ghost: 2 }), "application/json"))).status).toBe(404);
    expect((await h.req("/v1/projects/shop/scale", post(JSON.stringify({}), "application/json"))).status).toBe(400);
  });

  test("config is the applied project as compose YAML", async () => {
    h.seed("shop", { web: {} });
    expect(((await (await h.req("/v1/projects/shop/config")).json()) as { yaml: string }).yaml).toContain("image: busybox");
  });
});

describe("containers and images", () => {
  test("containers of every project, one inspected, unknown 404", async () => {
    h.seed("a", { web: {} });
    h.seed("b", { db: {} });
    expect(ContainerListSchema.parse(await (await h.req("/v1/containers")).json()).map((c) => c.name)).toEqual(["a-web-1", "b-db-1"]);
    expect(ContainerListSchema.parse(await (await h.req("/v1/containers?project=b")).json()).map((c) => c.name)).toEqual(["b-db-1"]);
    expect(((await (await h.req("/v1/containers/a-web-1")).json()) as { service: string }).service).toBe("web");
    expect((await h.req("/v1/containers/ghost")).status).toBe(404);
    expect((await h.req("/v1/containers/..%2Fx")).status).toBe(400);
  });

  test("images list, and pull with progress events", async () => {
    expect(await (await h.req("/v1/images")).json()).toEqual([]);
    const r = await h.req("/v1/images/pull", post(JSON.stringify({ reference: "nginx" }), "application/json", { accept: "text/event-stream" }));
    const events = await readEvents(r, (es) => es.some((e) => e.event === "done"));
    expect(events.map((e) => e.event)).toEqual(["progress", "done"]);
    expect((await h.req("/v1/images/pull", post(JSON.stringify({ ref: "nginx" }), "application/json"))).status).toBe(400);
  });
});

describe("ask", () => {
  test("drafts from English with its start order and problems, deploying nothing", async () => {
    const r = await h.req("/v1/ask", post(JSON.stringify({ request: "nginx on port 8080 with a postgres database" }), "application/json"));
    expect(r.status).toBe(200);
    const d = DraftSchema.parse(await r.json());
    expect(Object.values(d.project.services).map((s) => s.image)).toEqual(expect.arrayContaining([expect.stringContaining("nginx"), expect.stringContaining("postgres")]));
    expect(d.yaml).toContain("image: nginx");
    expect(d.problems).toEqual([]);
    expect(d.levels.length).toBeGreaterThan(0);
    expect(d.cli).toBe("kitten ask 'nginx on port 8080 with a postgres database'");
    // networks follow the project's final name
    expect(d.yaml).not.toContain("draft_");
    expect(Object.values(d.project.networks).map((n) => n.name)).toEqual(Object.keys(d.project.networks).map((k) => `${d.project.name}_${k}`));
    expect(d.diff).toBeUndefined();
    expect(h.calls).toEqual([]);
  });

  test("a request about a running project is diffed against it", async () => {
    await h.req("/v1/projects", post(COMPOSE));
    const d = DraftSchema.parse(await (await h.req("/v1/ask", post(JSON.stringify({ request: "add redis", project: "shop" }), "application/json"))).json());
    expect(d.project.name).toBe("shop");
    expect(d.diff?.changes).toContainEqual({ service: "redis", change: "added" });
    expect(d.diff?.text).toContain("+  redis:");
    expect((await h.req("/v1/ask", post(JSON.stringify({ request: "add redis", project: "ghost" }), "application/json"))).status).toBe(404);
    expect((await h.req("/v1/ask", post(JSON.stringify({ request: "" }), "application/json"))).status).toBe(400);
  });

  test("deploys a reviewed draft exactly as sent, and refuses one that breaks the rules", async () => {
    const d = DraftSchema.parse(await (await h.req("/v1/ask", post(JSON.stringify({ request: "redis" }), "application/json"))).json());
    const edited = d.yaml.replace("image: redis", "image: redis:7");
    const r = await h.req("/v1/ask/deploy", post(JSON.stringify({ yaml: edited, name: d.project.name }), "application/json"));
    expect(r.status).toBe(201);
    const cfg = (await (await h.req(`/v1/projects/${d.project.name}/config`)).json()) as { yaml: string };
    expect(cfg.yaml).toContain("redis:7");
    const bad = await h.req("/v1/ask/deploy", post(JSON.stringify({ yaml: "name: x\nservices:\n  web:\n    image: nginx\n    depends_on: [ghost]\n" }), "application/json"));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("ghost");
  });
});

describe("diagnose", () => {
  test("runs the diagnosis of the project's failing services; unknown services refused", async () => {
    h.seed("shop", { web: { status: "exited", exitCode: 1 } });
    expect(await (await h.req("/v1/projects/shop/diagnose?services=web")).json()).toEqual({ containers: [], builds: [] });
    expect(h.calls).toEqual([{ op: "diagnose", args: { project: "shop", services: ["web"] } }]);
    expect((await h.req("/v1/projects/shop/diagnose?services=ghost")).status).toBe(404);
  });
});

describe("sessions", () => {
  test("links need a TCP listener to point at", async () => {
    expect((await h.req("/v1/session/links", { method: "POST", listener: "unix", auth: false })).status).toBe(409);
    h.ctx.tcpUrl = "http://127.0.0.1:8080";
    const r = await h.req("/v1/session/links", { method: "POST", listener: "unix", auth: false });
    expect(r.status).toBe(201);
    const { url } = (await r.json()) as { url: string };
    expect((await h.req(new URL(url).pathname + new URL(url).search, { auth: false, redirect: "manual" })).status).toBe(303);
  });
});
