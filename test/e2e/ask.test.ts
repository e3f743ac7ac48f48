import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ProjectSchema } from "../../src/engine/compose/model.ts";
import { kitten } from "./helpers.ts";
import { NGINX_DRAFT, startLlmServer, type LlmServer } from "../fixtures/llm-server.ts";

// The Kitten README's example prompts (seeds/kitten-readme.md)
const README_PROMPTS = [
  "Deploy nginx web server on port 8080",
  "Run 3 nginx containers behind a load balancer with a shared network",
  "Set up a postgres database and redis cache that can talk to each other",
  "Create a microservices setup with nginx, 2 python API servers, postgres database, and redis",
  "Run postgres database with user 'admin' and password 'secret'",
  "Create 3 nginx containers that can talk to each other",
  "Set up wordpress with mysql database",
];

let dir: string;
let server: LlmServer | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-ask-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("kitten ask offline", () => {
  test.each(README_PROMPTS)("drafts a valid stack for %p without a key", async (prompt) => {
    const r = await kitten(["ask", prompt], { cwd: dir });
    expect(r.stderr).not.toContain("error:");
    expect(r.code).toBe(0);
    const project = ProjectSchema.parse(parse(r.stdout));
    expect(Object.keys(project.services).length).toBeGreaterThan(0);
    expect(project.name).toBe(dir.split("/").pop()!.toLowerCase().replace(/[^a-z0-9_-]+/g, "-"));
  });

  test("prints JSON with --format json and notes on stderr only", async () => {
    const r = await kitten(["ask", "--offline", "nginx on port 8080", "--format", "json", "-p", "web"], { cwd: dir });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.name).toBe("web");
    expect(doc.services.nginx.ports).toEqual([{ target: 80, published: "8080" }]);
    expect(r.stderr).toContain("note: nginx: nginx:alpine, published on 8080->80");
  });

  test("writes --out and prints nothing on stdout", async () => {
    const out = join(dir, "pg.yaml");
    const r = await kitten(["ask", "postgres with user admin, password secret and database mydb", "--out", out], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`wrote ${out}`);
    const project = ProjectSchema.parse(parse(readFileSync(out, "utf8")));
    expect(project.services.postgres?.environment).toMatchObject({ POSTGRES_USER: "admin", POSTGRES_PASSWORD: "secret", POSTGRES_DB: "mydb" });
    // the loader reads the written file back as the same project
    const config = await kitten(["config", "-f", out, "--format", "json"], { cwd: dir });
    expect(config.stderr).toBe("");
    expect(config.code).toBe(0);
    expect(JSON.parse(config.stdout).services.postgres.environment).toEqual(project.services.postgres?.environment);
  });

  test("edits an existing file with -f", async () => {
    const file = join(dir, "stack.yaml");
    expect((await kitten(["ask", "python api with postgres", "--out", file], { cwd: dir })).code).toBe(0);
    const r = await kitten(["ask", "-f", file, "add redis, scale api to 2 and remove postgres"], { cwd: dir });
    expect(r.code).toBe(0);
    const project = ProjectSchema.parse(parse(r.stdout));
    expect(Object.keys(project.services).sort()).toEqual(["api", "redis"]);
    expect(project.services.api?.deploy?.replicas).toBe(2);
    expect(Object.keys(project.services.api?.depends_on ?? {})).toEqual(["redis"]);
  });

  test("refuses a request it cannot understand with exit 2 and examples", async () => {
    const r = await kitten(["ask", "make a server"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toStartWith('error: could not understand "make a server"');
    expect(r.stderr).toContain('hint: name an image or a role, e.g. "nginx on port 8080"');
    expect(r.stderr).not.toContain("    at ");
  });

  test("lists the words it ignored as a warning", async () => {
    const r = await kitten(["ask", "nginx with a flux capacitor"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: did not understand: "flux", "capacitor" (ignored)');
  });

  test("refuses an unknown --format", async () => {
    const r = await kitten(["ask", "nginx", "--format", "toml"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: unknown format "toml"');
  });

  test("--yes never writes over another project's compose.yaml", async () => {
    const sub = mkdtempSync(join(dir, "yes-"));
    writeFileSync(join(sub, "compose.yaml"), "services:\n  web:\n    image: nginx:alpine\n");
    const r = await kitten(["ask", "--offline", "redis", "--yes"], { cwd: sub });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: compose.yaml already exists");
    expect(readFileSync(join(sub, "compose.yaml"), "utf8")).toContain("nginx:alpine");
  });

  test("resolves the services of an action against the project file", async () => {
    const sub = mkdtempSync(join(dir, "intent-"));
    writeFileSync(join(sub, "compose.yaml"), "services:\n  web:\n    image: nginx:alpine\n  pg:\n    image: postgres:16\n");
    const ok = await kitten(["ask", "restart the db"], { cwd: sub });
    expect(ok.stderr).toContain("kitten would restart pg");
    const bad = await kitten(["ask", "restart the cache"], { cwd: sub });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: no service "cache" in the project');
    expect(bad.stderr).toContain("hint: its services are: pg, web");
  });

  test("shows an action on a running project and changes nothing without --yes", async () => {
    const r = await kitten(["ask", "restart the db"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("kitten would restart db");
    expect(r.stderr).toContain("hint: run again with --yes to do it");
  });
});

describe("kitten ask with a language model", () => {
  test("drafts through an OpenAI-compatible server", async () => {
    server = startLlmServer([{ content: NGINX_DRAFT }]);
    const r = await kitten(["ask", "a web server", "--model", "m1", "-p", "site"], { cwd: dir, env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: server.url } });
    expect(r.stderr).not.toContain("error:");
    expect(r.code).toBe(0);
    expect(server.requests[0].model).toBe("m1");
    const project = ProjectSchema.parse(parse(r.stdout));
    expect(project.services.web?.image).toBe("nginx:alpine");
    expect(r.stderr).toContain("note: web serves nginx's default page on port 8080");
  });

  test("falls back to JSON mode on a server without structured outputs", async () => {
    server = startLlmServer([{ content: NGINX_DRAFT }], { structuredOutputs: false });
    const r = await kitten(["ask", "a web server"], { cwd: dir, env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: server.url, KITTEN_MODEL: "local" } });
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.response_format.type)).toEqual(["json_schema", "json_object"]);
    expect(server.requests[1].model).toBe("local");
  });

  test("times out with a hint to use --offline", async () => {
    server = startLlmServer([{ hang: true }]);
    const r = await kitten(["ask", "nginx"], { cwd: dir, env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: server.url, KITTEN_LLM_TIMEOUT: "1" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: the language model at ${server.url} did not answer within 1s`);
    expect(r.stderr).toContain("--offline");
  });

  test("--offline ignores a configured key", async () => {
    server = startLlmServer([]);
    const r = await kitten(["ask", "--offline", "redis"], { cwd: dir, env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: server.url } });
    expect(r.code).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  test("--print-prompt prints the messages and schema and calls nothing", async () => {
    server = startLlmServer([]);
    const existing = join(dir, "existing.yaml");
    writeFileSync(existing, "name: p\nservices:\n  web:\n    image: nginx:alpine\n");
    const r = await kitten(["ask", "-f", existing, "add redis", "--print-prompt", "--model", "m2"], { cwd: dir, env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: server.url } });
    expect(r.code).toBe(0);
    expect(server.requests).toHaveLength(0);
    const preview = JSON.parse(r.stdout);
    expect(preview.model).toBe("m2");
    expect(preview.messages[0].content).toContain("Catalog:");
    expect(preview.messages[1].content).toContain('"image":"nginx:alpine"');
    expect(preview.response_format.json_schema.strict).toBe(true);
  });
});

// the real crashes are in ask-diagnose.test.ts
describe("kitten diagnose", () => {
  test("finds nothing to diagnose in a project that never ran", async () => {
    const sub = mkdtempSync(join(dir, "diag-"));
    const root = mkdtempSync(join(dir, "root-"));
    writeFileSync(join(sub, "compose.yaml"), "services:\n  api:\n    image: python:3.12-slim\n");
    const r = await kitten(["diagnose"], { cwd: sub, env: { KITTEN_ROOT: root } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("no failing or restarting containers\n");
  });

  test("refuses --explain without a language model", async () => {
    const r = await kitten(["diagnose", "--explain"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: --explain needs a language model");
  });

  test("needs a project", async () => {
    const r = await kitten(["diagnose"], { cwd: mkdtempSync(join(dir, "empty-")) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: no compose file found");
  });
});
