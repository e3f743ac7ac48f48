import { afterEach, describe, expect, test } from "bun:test";
import { diagnose, gatherAndAnalyze } from "../../../src/ai/diagnose/index.ts";
import type { ContainerEvidence, EvidenceSource } from "../../../src/ai/diagnose/evidence.ts";
import { MASK, isSecretName, maskEvidence, maskText } from "../../../src/ai/diagnose/mask.ts";
import { startLlmServer, type LlmServer } from "../../fixtures/llm-server.ts";

let server: LlmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const apiEvidence = (): ContainerEvidence => ({
  service: "api",
  container: "shop-api-1",
  state: "restarting",
  exitCode: 1,
  restartCount: 4,
  logs: [
    "connecting to postgres://app:hunter22@db:5432/shop",
    "auth with token tok_live_123456 failed",
    'psycopg2.OperationalError: connection to server at "db" (10.89.0.2), port 5432 failed: Connection refused',
  ],
  config: {
    image: "python:3.12-slim",
    command: ["python", "app.py", "--token", "tok_live_123456"],
    environment: { DB_PASSWORD: "hunter22", API_TOKEN: "tok_live_123456", DATABASE_URL: "postgres://app:hunter22@db:5432/shop", LOG_LEVEL: "debug", STRIPE_KEY: "sk_x" },
    ports: [],
    depends_on: { db: { condition: "service_started", required: true } },
  },
  dependencies: [{ service: "db", image: "postgres:16", state: "running" }],
});

const source = (list: ContainerEvidence[]): EvidenceSource => ({ gather: async (services) => list.filter((e) => services.length === 0 || services.includes(e.service)) });

describe("secret masking", () => {
  test.each([
    ["POSTGRES_PASSWORD", true], ["MYSQL_ROOT_PASSWORD", true], ["API_KEY", true], ["GITHUB_TOKEN", true], ["AWS_SECRET_ACCESS_KEY", true],
    ["SSH_PRIVATE_KEY", true], ["GPG_PASSPHRASE", true], ["GOOGLE_CREDENTIALS", true], ["RABBITMQ_DEFAULT_PASS", true],
    ["LOG_LEVEL", false], ["POSTGRES_USER", false], ["PORT", false], ["DATABASE_URL", false],
  ])("treats %s as secret: %p", (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  test("masks secret env values in the config and wherever they appear", () => {
    const masked = maskEvidence(apiEvidence());
    expect(masked.config.environment).toEqual({ DB_PASSWORD: MASK, API_TOKEN: MASK, DATABASE_URL: `postgres://app:${MASK}@db:5432/shop`, LOG_LEVEL: "debug", STRIPE_KEY: MASK });
    expect(masked.config.command).toEqual(["python", "app.py", "--token", MASK]);
    expect(masked.logs[0]).toBe(`connecting to postgres://app:${MASK}@db:5432/shop`);
    expect(masked.logs[1]).toBe(`auth with token ${MASK} failed`);
    expect(JSON.stringify(masked)).not.toContain("hunter22");
    expect(JSON.stringify(masked)).not.toContain("tok_live_123456");
  });

  test("masks passwords in URLs whatever their variable, and other services' secrets", () => {
    expect(maskText("redis://:s3cr3t@cache:6379 and amqp://u:pw@q", [])).toBe(`redis://:${MASK}@cache:6379 and amqp://u:${MASK}@q`);
    expect(maskText("listening on http://0.0.0.0:8000/", [])).toBe("listening on http://0.0.0.0:8000/");
    const e = { ...apiEvidence(), logs: ["db said: password rootpw99 rejected"] };
    expect(maskEvidence(e, ["rootpw99"]).logs[0]).toBe(`db said: password ${MASK} rejected`);
  });
});

describe("diagnose", () => {
  test("analyzes masked evidence of the services asked for", async () => {
    const other = { ...apiEvidence(), service: "worker", container: "shop-worker-1" };
    const { report } = await gatherAndAnalyze({ services: ["api"], source: source([apiEvidence(), other]) });
    expect(report.containers.map((c) => c.container)).toEqual(["shop-api-1"]);
    const [first] = report.containers[0]!.findings;
    expect(first?.cause).toBe('connection refused by the dependency "db" on port 5432');
    expect(JSON.stringify(report)).not.toContain("hunter22");
  });

  test("--explain sends the masked evidence and findings, not the raw config, and returns the answer", async () => {
    server = startLlmServer([{ content: "api cannot reach db on 5432 because db is still starting. Wait for db to be healthy." }]);
    const report = await diagnose({
      services: [],
      source: source([apiEvidence()]),
      explainWith: { apiKey: "k", baseURL: server.url, model: "m", timeoutMs: 5000, maxRepairs: 0 },
    });
    expect(report.explanation).toBe("api cannot reach db on 5432 because db is still starting. Wait for db to be healthy.");
    const body = JSON.stringify(server.requests[0]);
    expect(server.requests[0].response_format).toBeUndefined();
    expect(body).toContain("connection refused by the dependency");
    expect(body).toContain("environment names: DB_PASSWORD, API_TOKEN, DATABASE_URL, LOG_LEVEL, STRIPE_KEY");
    expect(body).not.toContain("hunter22");
    expect(body).not.toContain("tok_live_123456");
    expect(body).not.toContain("sk_x");
    expect(body).not.toContain("debug"); // env values are not sent at all
  });

  test("does not call the model when nothing failed", async () => {
    server = startLlmServer([]);
    const report = await diagnose({ services: [], source: source([]), explainWith: { apiKey: "k", baseURL: server.url, model: "m", timeoutMs: 5000, maxRepairs: 0 } });
    expect(report.containers).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});
