/**
 * `kitten diagnose` on real crashing containers (rootlesskit, conmon, runc) and `kitten ask`
 * acting on a running project. The containers use the busybox rootfs image of run-fixtures.ts;
 * the commands stand in for real apps crashing the way real apps crash.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeRoot, requireBinary, tempRoot } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";
import { startLlmServer } from "../fixtures/llm-server.ts";

requireBinary();

let r: Runner;
let rootfs: string;
let dir: string;
const PROJECT = "crashes";

interface Finding {
  rule: string;
  cause: string;
  evidence: string[];
}
interface Report {
  containers: { service: string; exitCode?: number; findings: Finding[] }[];
}

beforeAll(async () => {
  r = runner("root", tempRoot());
  rootfs = buildRootfs();
  dir = mkdtempSync(join(tmpdir(), "kitten-diagnose-"));
  const base = { image: rootfs, stop_grace_period: "1s", restart: "no" };
  const services = {
    api: { ...base, command: ["sh", "-c", "echo starting; pythn app.py"] },
    // a shell entrypoint whose app is SIGKILLed (as the OOM killer does) reports 137
    worker: { ...base, command: ["sh", "-c", 'sh -c "echo allocating; kill -9 \\$\\$"; exit $?'.replaceAll("$", () => "$$")] },
    token: {
      ...base,
      environment: { API_PASSWORD: "hunter22" },
      command: ["sh", "-c", 'echo "login with hunter22"; [ -n "$API_TOKEN" ] || { echo "error: environment variable API_TOKEN is not set" >&2; exit 1; }'.replaceAll("$", () => "$$")],
    },
    db: { ...base, command: ["sleep", "3600"] },
    client: { ...base, depends_on: ["db"], command: ["sh", "-c", "echo connecting to db:5432; nc db 5432 </dev/null"] },
    looper: { ...base, restart: "on-failure:3", command: ["sh", "-c", "echo boom; exit 3"] },
  };
  writeFileSync(join(dir, "compose.yaml"), JSON.stringify({ name: PROJECT, services }, null, 2));
  // db alone first: the first container of a fresh KITTEN_ROOT picks the OCI runtime by a smoke run
  for (const only of [["db"], []]) {
    const up = await r.k(["up", "-d", "-f", join(dir, "compose.yaml"), ...only], {}, 120_000);
    if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
  }
  // every crashing container has exited once
  for (let i = 0; i < 300; i++) {
    const ps = await r.k(["ps", "-a", "-p", PROJECT, "--format", "json"]);
    const rows = JSON.parse(ps.stdout) as { service: string; status: string; restarts: number }[];
    const settled = ["api", "worker", "token", "client"].every((s) => rows.some((c) => c.service === s && c.status === "exited"));
    if (settled && rows.some((c) => c.service === "looper" && c.status === "exited" && c.restarts === 3)) break;
    await Bun.sleep(200);
  }
});

afterAll(async () => {
  await r.k(["down", "-p", PROJECT, "-t", "1"], {}, 60_000);
  removeRoot(r.root);
  removeRootfs(rootfs);
  rmSync(dir, { recursive: true, force: true });
});

async function diagnose(...services: string[]): Promise<Report> {
  const res = await r.k(["diagnose", "-f", join(dir, "compose.yaml"), "--format", "json", ...services]);
  expect(res.code).toBe(1);
  return JSON.parse(res.stdout) as Report;
}

describe("kitten diagnose on real crashes", () => {
  test("names a command that is not found (exit 127)", async () => {
    const [c] = (await diagnose("api")).containers;
    expect(c?.exitCode).toBe(127);
    expect(c?.findings[0]).toMatchObject({ rule: "exit-127", cause: 'command not found: "pythn"' });
    expect(c?.findings[0]?.evidence).toContain("sh: pythn: not found");
  });

  test("names a SIGKILL (exit 137)", async () => {
    const [c] = (await diagnose("worker")).containers;
    expect(c?.exitCode).toBe(137);
    expect(c?.findings[0]?.rule).toBe("exit-137");
  });

  test("names a missing environment variable and masks the secret it printed", async () => {
    const res = await r.k(["diagnose", "-f", join(dir, "compose.yaml"), "token"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("cause: required environment variable API_TOKEN is not set (high confidence)");
    const prompt = await r.k(["diagnose", "-f", join(dir, "compose.yaml"), "token", "--print-prompt"]);
    expect(prompt.stdout).toContain("login with ****");
    expect(prompt.stdout).not.toContain("hunter22");
  });

  test("--explain sends the masked evidence to the model and prints its answer", async () => {
    const server = startLlmServer([{ content: "token exits because API_TOKEN is empty. Set it." }]);
    try {
      const res = await r.k(["diagnose", "-f", join(dir, "compose.yaml"), "token", "--explain"], { OPENAI_API_KEY: "k", OPENAI_BASE_URL: server.url });
      expect(res.code).toBe(1);
      expect(res.stdout).toContain("explanation:\n  token exits because API_TOKEN is empty. Set it.");
      const sent = JSON.stringify(server.requests);
      expect(sent).toContain("error: environment variable API_TOKEN is not set");
      expect(sent).toContain("login with ****");
      expect(sent).not.toContain("hunter22");
    } finally {
      await server.stop();
    }
  });

  test("names the dependency it could not reach", async () => {
    const [c] = (await diagnose("client")).containers;
    expect(c?.findings[0]?.rule).toBe("connection-refused");
    expect(c?.findings[0]?.cause).toContain('"db"');
  });

  test("names a crash loop and quotes the crash", async () => {
    const [c] = (await diagnose("looper")).containers;
    expect(c?.findings.map((f) => f.rule)).toEqual(["crash-loop", "generic"]);
    expect(c?.findings[0]?.cause).toStartWith("crash loop: restarted 3 times");
    expect(c?.findings[1]?.evidence).toContain("boom");
  });

  test("leaves the healthy service out", async () => {
    const report = await diagnose();
    expect(report.containers.map((c) => c.service).sort()).toEqual(["api", "client", "looper", "token", "worker"]);
  });
});

describe("kitten ask deploying a draft that cannot start", () => {
  test("names the missing program in the hint", async () => {
    const draft = {
      services: [{ name: "app", image: rootfs, command: ["/app/start.sh"], environment: [], ports: [], depends_on: [], healthcheck: null, restart: "no", replicas: null, volumes: [] }],
      summary: [],
    };
    const server = startLlmServer([{ content: draft }]);
    try {
      const out = join(dir, "broken.yaml");
      const res = await r.k(["ask", "run my app", "--yes", "--out", out, "-p", "broken"], { OPENAI_API_KEY: "k", OPENAI_BASE_URL: server.url }, 120_000);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain("no such file or directory");
      expect(res.stderr).toContain('hint: "/app/start.sh" does not exist in the image');
    } finally {
      await server.stop();
      await r.k(["down", "-p", "broken", "-t", "1"], {}, 60_000);
    }
  });
});

describe("kitten ask on a running project", () => {
  test("restarts a service named by role after --yes", async () => {
    const res = await r.k(["ask", "-f", join(dir, "compose.yaml"), "restart the api", "--yes"]);
    expect(res.stderr).toContain("kitten would restart api");
    expect(res.code).toBe(0);
  });

  test("shows a service's logs and what is running, without asking", async () => {
    const logs = await r.k(["ask", "-f", join(dir, "compose.yaml"), "show the api logs"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("starting");
    const status = await r.k(["ask", "-f", join(dir, "compose.yaml"), "what is running?"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("crashes-db-1");
  });

  test("answers why a service crashed", async () => {
    const res = await r.k(["ask", "-f", join(dir, "compose.yaml"), "why did the token service crash?"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("required environment variable API_TOKEN is not set");
  });
});
