import { afterEach, describe, expect, test } from "bun:test";
import { draftWithLlm, llmSettingsFromEnv, type LlmSettings } from "../../../src/ai/llm/client.ts";
import { RuntimeFailure } from "../../../src/core/errors.ts";
import { MemoryReporter } from "../../../src/core/reporter.ts";
import { startLlmServer, NGINX_DRAFT, WEB_DB_DRAFT, type LlmServer, type Reply } from "../../fixtures/llm-server.ts";

let server: LlmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function settings(url: string, extra: Partial<LlmSettings> = {}): LlmSettings {
  return { apiKey: "test-key", baseURL: url, model: "test-model", timeoutMs: 5000, maxRepairs: 2, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<RuntimeFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RuntimeFailure) return err;
    throw err;
  }
  throw new Error("expected a RuntimeFailure");
}

function start(script: Reply[], structuredOutputs = true): LlmServer {
  server = startLlmServer(script, { structuredOutputs });
  return server;
}

describe("LLM drafting over HTTP", () => {
  test("sends one strict json_schema request with the catalog and returns the validated draft", async () => {
    const s = start([{ content: WEB_DB_DRAFT }]);
    const draft = await draftWithLlm(settings(s.url), "nginx in front of a postgres db", { projectName: "shop" });
    expect(s.requests).toHaveLength(1);
    const body = s.requests[0];
    expect(body.model).toBe("test-model");
    expect(body.tools).toBeUndefined();
    expect(body.response_format.type).toBe("json_schema");
    expect(body.response_format.json_schema.strict).toBe(true);
    expect(body.response_format.json_schema.schema.required).toEqual(["services", "summary"]);
    expect(body.messages[0].role).toBe("system");
    expect(body.messages[0].content).toContain("postgres: image postgres:16-alpine; ports 5432");
    expect(body.messages[1]).toEqual({ role: "user", content: "nginx in front of a postgres db" });
    expect(draft.source).toBe("llm");
    expect(draft.project.name).toBe("shop");
    expect(draft.project.services.web?.ports).toEqual([{ target: 80, published: "8080", mode: "ingress", protocol: "tcp" }]);
    expect(draft.project.services.web?.depends_on).toEqual({ db: { condition: "service_healthy", required: true } });
    expect(draft.project.volumes["db-data"]).toEqual({ name: "shop_db-data" });
    expect(draft.summary).toEqual(["db keeps its data in the volume db-data"]);
    expect(draft.warnings).toEqual([]);
  });

  test("warns about what the model left for the reader to check", async () => {
    const db = { ...WEB_DB_DRAFT.services[1]!, environment: [{ name: "POSTGRES_USER", value: "app" }] };
    const web = { ...NGINX_DRAFT.services[0]!, ports: [{ published: 80, target: 80 }], environment: [{ name: "ADMIN_PASSWORD", value: "change-me" }] };
    const s = start([{ content: { services: [web, db], summary: [] } }]);
    const draft = await draftWithLlm(settings(s.url), "web and db", { projectName: "shop" });
    expect(draft.warnings).toEqual([
      'service "web": ADMIN_PASSWORD is the placeholder "change-me"; set a real secret before using this for anything that matters',
      'service "web": host port 80 is below 1024; rootless kitten can publish it only if net.ipv4.ip_unprivileged_port_start allows it',
      'service "db": postgres:16-alpine does not start without POSTGRES_PASSWORD',
    ]);
  });

  test("sends the validation errors back and accepts the repaired draft", async () => {
    const broken = { ...WEB_DB_DRAFT, services: [{ ...WEB_DB_DRAFT.services[0], depends_on: [{ service: "database", condition: "service_healthy" }] }, WEB_DB_DRAFT.services[1]] };
    const s = start([{ content: broken }, { content: WEB_DB_DRAFT }]);
    const reporter = new MemoryReporter();
    const draft = await draftWithLlm(settings(s.url), "web and db", { projectName: "shop", reporter });
    expect(s.requests).toHaveLength(2);
    const repair = s.requests[1].messages;
    expect(repair).toHaveLength(4);
    expect(repair[2]).toEqual({ role: "assistant", content: JSON.stringify(broken) });
    expect(repair[3].content).toContain('service "web": depends on "database", which is not a service of the project');
    expect(Object.keys(draft.project.services)).toEqual(["web", "db"]);
    expect(draft.summary.at(-1)).toBe("the model's draft was repaired 1 time after validation");
  });

  test("repairs text that is not JSON and answers that miss required fields", async () => {
    const s = start([{ content: "Sure! Here is your stack:" }, { content: { services: [{ name: "web" }] } }, { content: NGINX_DRAFT }]);
    const draft = await draftWithLlm(settings(s.url), "nginx", { projectName: "p" });
    expect(s.requests[1].messages.at(-1).content).toContain("the answer is not JSON");
    expect(s.requests[2].messages.at(-1).content).toContain("services.0.image");
    expect(draft.project.services.web?.image).toBe("nginx:alpine");
  });

  test("gives up after two repairs and names the remaining problem", async () => {
    const bad = { content: { services: [], summary: [] } };
    const s = start([bad, bad, bad, bad]);
    const err = await failure(draftWithLlm(settings(s.url), "nothing", { projectName: "p" }));
    expect(s.requests).toHaveLength(3);
    expect(err.message).toBe("the language model's draft is still invalid after 2 repairs: project: it has no services");
    expect(err.hint).toContain("--offline");
  });

  test("turns a refusal into a clear error", async () => {
    const s = start([{ refusal: "I can't help with that." }]);
    const err = await failure(draftWithLlm(settings(s.url), "something bad", { projectName: "p" }));
    expect(err.message).toBe("the language model refused the request: I can't help with that.");
    expect(err.exitCode).toBe(1);
  });

  test("times out on a server that never answers and points to --offline", async () => {
    const s = start([{ hang: true }]);
    const err = await failure(draftWithLlm(settings(s.url, { timeoutMs: 300 }), "nginx", { projectName: "p" }));
    expect(err.message).toBe(`the language model at ${s.url} did not answer within 0.3s`);
    expect(err.hint).toContain("--offline");
  });

  test("falls back to JSON mode when the server rejects json_schema", async () => {
    const s = start([{ content: NGINX_DRAFT }], false);
    const reporter = new MemoryReporter();
    const draft = await draftWithLlm(settings(s.url), "nginx on 8080", { projectName: "p", reporter });
    expect(s.requests.map((r) => r.response_format.type)).toEqual(["json_schema", "json_object"]);
    expect(s.requests[1].messages[0].content).toContain('"required":["services","summary"]');
    expect(draft.project.services.web?.ports[0]?.published).toBe("8080");
    expect(reporter.events.some((e) => e.type === "info" && e.message.includes("JSON mode"))).toBe(true);
  });

  test("keeps JSON mode for the repairs after falling back", async () => {
    const s = start([{ content: "{}" }, { content: NGINX_DRAFT }], false);
    await draftWithLlm(settings(s.url), "nginx", { projectName: "p" });
    expect(s.requests.map((r) => r.response_format.type)).toEqual(["json_schema", "json_object", "json_object"]);
  });

  test("reports a server error with its status", async () => {
    const s = start([{ status: 500, error: "model crashed" }]);
    const err = await failure(draftWithLlm(settings(s.url), "nginx", { projectName: "p" }));
    expect(err.message).toContain("failed (500)");
  });

  test("sends the existing project when editing", async () => {
    const s = start([{ content: NGINX_DRAFT }]);
    const existing = { name: "p", services: { web: { image: "httpd:alpine", environment: {}, ports: [] } }, networks: {}, volumes: {} };
    await draftWithLlm(settings(s.url), "use nginx instead", { projectName: "p", existing });
    expect(s.requests[0].messages[1].content).toContain('"image":"httpd:alpine"');
    expect(s.requests[0].messages[1].content).toEndWith("use nginx instead");
  });
});

describe("LLM settings", () => {
  test("are absent without a key, so kitten drafts offline", () => {
    expect(llmSettingsFromEnv({})).toBeUndefined();
  });

  test("read the base URL, the model (--model over KITTEN_MODEL) and the timeout", () => {
    const env = { OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:1/v1", KITTEN_MODEL: "llama3", KITTEN_LLM_TIMEOUT: "7" };
    expect(llmSettingsFromEnv(env)).toEqual({ apiKey: "k", baseURL: "http://127.0.0.1:1/v1", model: "llama3", timeoutMs: 7000, maxRepairs: 2 });
    expect(llmSettingsFromEnv(env, "qwen")?.model).toBe("qwen");
  });
});
