/** The Kitten API of seeds/kitten-readme.md, route by route, and /openapi.json against the OpenAPI 3.1 schema. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { harness, type Harness } from "./harness.ts";
import { DeploymentStatusSchema, SpawnResponseSchema } from "../../../src/api/schemas.ts";

let h: Harness;
beforeEach(() => {
  h = harness();
});
afterEach(() => h.close());

const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

// the seed's first curl example, verbatim but for the image
const SEED_SPAWN = { version: "1.0", containers: { web: { image: "./rootfs", command: ["/bin/bash", "-c", "echo Hello && sleep 10"], hostname: "web", restart: "on-failure" } } };

describe("POST /spawn", () => {
  test("answers {id, message, status: starting} at once and starts the deployment in the background", async () => {
    const r = await h.req("/spawn", json(SEED_SPAWN));
    expect(r.status).toBe(202);
    const body = SpawnResponseSchema.parse(await r.json());
    expect(body).toEqual({ id: expect.stringMatching(/^deploy_[0-9a-f]{12}$/), message: "Containers are being spawned", status: "starting" });
    await h.ctx.jobs.get(body.id)!.done;
    expect(h.calls).toEqual([{ op: "up", args: expect.objectContaining({ project: body.id, workingDir: h.root }) }]);
    // the relative rootfs resolved against serve's working directory, as the seed's server did
    const saved = readFileSync(`${h.paths.data}/deployments/${body.id}/compose.yaml`, "utf8");
    expect(saved).toContain(`image: ${h.root}/rootfs`);
    const status = DeploymentStatusSchema.parse(await (await h.req(`/status/${body.id}`)).json());
    expect(status.status).toBe("running");
    expect(Object.keys(status.containers)).toEqual([`${body.id}-web-1`]);
  });

  test("takes a compose document too, as JSON or YAML, named by its name:", async () => {
    const r = await h.req("/spawn", { method: "POST", headers: { "content-type": "application/yaml" }, body: "name: shop\nservices:\n  web:\n    image: nginx\n" });
    expect(r.status).toBe(202);
    expect(((await r.json()) as { id: string }).id).toBe("shop");
    const j = await h.req("/spawn", json({ services: { api: { image: "python:3.11-slim" } } }));
    expect(((await j.json()) as { id: string }).id).toMatch(/^deploy_/);
  });

  test("refuses an invalid config with 400 naming the key, and starts nothing", async () => {
    const r = await h.req("/spawn", json({ version: "1.0", containers: { web: { image: "nginx", restart: "sometimes" } } }));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/restart/);
    const noImage = await h.req("/spawn", json({ version: "1.0", containers: { web: { command: ["true"] } } }));
    expect(((await noImage.json()) as { error: string }).error).toContain('container "web" needs an "image"');
    expect((await h.req("/spawn", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" })).status).toBe(400);
    expect((await h.req("/spawn", { method: "POST", headers: { "content-type": "application/json" }, body: "" })).status).toBe(400);
    expect(h.calls).toEqual([]);
  });

  test("a failed start shows as failed with its message", async () => {
    h.close();
    h = harness({
      engine: {
        async up() {
          throw new Error('image nginx:latest not found');
        },
      },
    });
    const { id } = (await (await h.req("/spawn", json({ version: "1.0", containers: { web: { image: "nginx:latest" } } }))).json()) as { id: string };
    await h.ctx.jobs.get(id)!.done;
    expect(await (await h.req(`/status/${id}`)).json()).toEqual({ id, status: "failed", message: "image nginx:latest not found", warnings: [], containers: {} });
  });
});

describe("GET /status/{id}, GET /list, POST /stop/{id}", () => {
  test("status counts a finished one-shot as done, not exited", async () => {
    h.seed("jobs", { migrate: { status: "exited", exitCode: 0 }, web: {} });
    const s = (await (await h.req("/status/jobs")).json()) as { status: string; containers: Record<string, { phase: string }> };
    expect(s.status).toBe("running");
    expect(s.containers["jobs-migrate-1"]!.phase).toBe("done");
    h.seed("broken", { web: { status: "exited", exitCode: 1 } });
    expect(((await (await h.req("/status/broken")).json()) as { status: string }).status).toBe("failed");
  });

  test("status of an unknown id is 404, of a malformed one 400", async () => {
    expect((await h.req("/status/deploy_nothere")).status).toBe(404);
    expect((await h.req("/status/..%2F..%2Fetc")).status).toBe(400);
  });

  test("list shows every deployment", async () => {
    h.seed("a", { web: {} });
    h.seed("b", { db: { status: "exited", exitCode: 137 } });
    expect(await (await h.req("/list")).json()).toEqual({
      deployments: [
        { id: "a", status: "running", containers: 1, services: ["web"] },
        { id: "b", status: "failed", containers: 1, services: ["db"] },
      ],
    });
  });

  test("stop takes the deployment down (no body, no content type: the seed's curl -X POST)", async () => {
    const { id } = (await (await h.req("/spawn", json(SEED_SPAWN))).json()) as { id: string };
    const r = await h.req(`/stop/${id}`, { method: "POST" });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ id, message: "Deployment stopped", status: "stopped" });
    expect(h.calls.map((c) => c.op)).toEqual(["up", "down"]);
    expect(existsSync(`${h.paths.data}/deployments/${id}`)).toBe(false);
    expect((await h.req(`/status/${id}`)).status).toBe(404);
    expect((await h.req("/stop/deploy_nothere", { method: "POST" })).status).toBe(404);
  });

  test("GET /health", async () => {
    expect(await (await h.req("/health")).json()).toEqual({ status: "ok", version: "test" });
  });
});

describe("/openapi.json", () => {
  test("validates against the OpenAPI 3.1 schema and lists every route", async () => {
    const doc = (await (await h.req("/openapi.json")).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/spawn", "/status/{id}", "/list", "/stop/{id}", "/health", "/v1/projects", "/v1/projects/{name}", "/v1/projects/{name}/logs", "/v1/events", "/v1/images/pull", "/v1/ask", "/v1/ask/deploy"]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(Object.keys(doc.paths["/v1/projects/{name}"]!).sort()).toEqual(["delete", "get"]);
  });
});
