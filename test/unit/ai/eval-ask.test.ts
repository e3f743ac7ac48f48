/**
 * `bun run eval:ask` end to end against the recording OpenAI-compatible server (no model is
 * reachable here): each corpus request reaches the server through the real client, the answer
 * goes through validation and repair, and the score is what the answers deserve.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startLlmServer, type LlmServer } from "../../fixtures/llm-server.ts";
import { loadCorpus, type Case } from "../../fixtures/ask/score.ts";

const REPO = join(import.meta.dir, "../../..");
const CORPUS = loadCorpus();
let server: LlmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** The expected project of a case, in the shape a model answers with; `spoil` changes one image. */
function answerFor(c: Case, spoil = false) {
  return {
    services: Object.entries(c.services).map(([name, w], i) => ({
      // a model's own names: aligned back by image
      name: `svc${i}`,
      image: spoil && i === 0 ? "busybox:latest" : w.image,
      command: null,
      environment: Object.entries(w.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
      ports: (w.ports ?? []).map((p) => ({ published: Number(p.split(":")[0]), target: Number(p.split(":")[1]) })),
      depends_on: (w.depends_on ?? []).map((d) => ({ service: `svc${Object.keys(c.services).indexOf(d)}`, condition: "service_started" })),
      healthcheck: null,
      restart: w.restart ?? null,
      replicas: w.replicas ?? null,
      volumes: [],
      _name: name,
    })).map(({ _name, ...s }) => s),
    summary: [],
  };
}

async function evalAsk(url: string, args: string[]) {
  const proc = Bun.spawn(["bun", "scripts/eval-ask.ts", ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: url, KITTEN_MODEL: "test-model" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

describe("bun run eval:ask", () => {
  test("sends each corpus request through the client, repairs an invalid answer, and scores the answers", async () => {
    const cases = CORPUS.slice(0, 5);
    const byRequest = new Map(cases.map((c) => [c.request, c]));
    // the first answer publishes one host port twice: the client must send it back for repair
    const invalid = answerFor(cases[0]!);
    invalid.services[0]!.ports.push({ ...invalid.services[0]!.ports[0]! });
    server = startLlmServer([{ content: invalid }], { answer: (body) => ({ content: answerFor(byRequest.get(body.messages[1].content)!) }) });
    const res = await evalAsk(server.url, ["--limit", "5", "--min", "1"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(server.requests.map((r) => r.messages[1].content)).toEqual([cases[0]!.request, ...cases.map((c) => c.request)]);
    expect(server.requests[1].messages.at(-1).content).toContain("publish");
    expect(res.stdout.trim().split("\n").at(-1)).toBe(`eval:ask (test-model at ${server.url}): 5/5 (100.0 %)`);
  });

  test("counts a wrong answer as a failure, names the difference, and --min fails the run", async () => {
    const cases = CORPUS.slice(0, 3);
    const byRequest = new Map(cases.map((c) => [c.request, c]));
    server = startLlmServer([], { answer: (body) => { const c = byRequest.get(body.messages[1].content)!; return { content: answerFor(c, c === cases[1]) }; } });
    const res = await evalAsk(server.url, ["--limit", "3", "--min", "0.9"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`FAIL  ${cases[1]!.request}`);
    expect(res.stdout.trim().split("\n").at(-1)).toBe(`eval:ask (test-model at ${server.url}): 2/3 (66.7 %)`);
  });

  test("refuses to run without a model or with an unknown flag", async () => {
    const proc = Bun.spawnSync(["bun", "scripts/eval-ask.ts", "--bogus"], { cwd: REPO, env: { PATH: process.env.PATH ?? "" }, stderr: "pipe" });
    expect(proc.exitCode).toBe(2);
    expect(proc.stderr.toString()).toContain("error: unknown flag: --bogus");
  });
});
