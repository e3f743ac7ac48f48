/**
 * Orchestration with real rootlesskit, conmon and runc (issue #6, "Done when"): dependency
 * conditions, restart policies, healthchecks, supervisor death and adoption, idempotent up,
 * down leaving nothing behind, logs following restarts, concurrent up. As root; each test runs
 * its own project in one KITTEN_ROOT and takes it down again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KITTEN, TEST_USER, processesWith, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
// real namespaces, restarts with backoff and stop grace periods: give every test room
setDefaultTimeout(120_000);

let r: Runner;
let rootfs: string;
let dir: string;
let project: string | undefined;
let seq = 0;

beforeAll(() => {
  r = runner("root", tempRoot());
  rootfs = buildRootfs();
  dir = mkdtempSync(join(tmpdir(), "kitten-orch-"));
});

afterEach(async () => {
  if (project) await r.k(["down", "-p", project, "-t", "1"], {}, 60_000);
  project = undefined;
});

afterAll(() => {
  removeRoot(r.root);
  removeRootfs(rootfs);
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a compose file for a fresh project; services get the rootfs image and a 1 s stop grace period. */
function compose(services: Record<string, Record<string, unknown>>): string {
  project = `orch${++seq}`;
  const file = join(dir, `${project}.yaml`);
  const full = Object.fromEntries(Object.entries(services).map(([k, v]) => [k, { image: rootfs, stop_grace_period: "1s", ...v }]));
  writeFileSync(file, JSON.stringify({ name: project, services: full }, null, 2));
  return file;
}

interface PsRow {
  name: string;
  service: string;
  status: string;
  exitCode?: number;
  restarts: number;
  health: string;
  startedAt?: string;
}

async function ps(all = true): Promise<PsRow[]> {
  const res = await r.k(["ps", "-p", project!, ...(all ? ["-a"] : []), "--format", "json"]);
  expectOk(res);
  return JSON.parse(res.stdout) as PsRow[];
}

interface Ev {
  action: string;
  container?: string;
  service?: string;
  exitCode?: number;
  detail?: string;
}

async function events(): Promise<Ev[]> {
  // compose events streams; the log up to now is --since the start --until now
  const res = await r.k(["events", "-p", project!, "--since", "0", "--until", "0s", "--format", "json"]);
  expectOk(res);
  return res.stdout.trim() === "" ? [] : res.stdout.trim().split("\n").map((l) => JSON.parse(l) as Ev);
}

const index = (evs: Ev[], action: string, container: string, detail?: string) =>
  evs.findIndex((e) => e.action === action && e.container === container && (detail === undefined || e.detail === detail));

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await Bun.sleep(200);
  }
  return check();
}

/** exit 0, and when not, the failure shows what kitten printed on stderr */
function expectOk(res: { code: number; stderr: string }): void {
  expect({ code: res.code, stderr: res.code === 0 ? "" : res.stderr }).toEqual({ code: 0, stderr: "" });
}


const healthy = { test: ["CMD", "test", "-f", "/tmp/ready"], interval: "500ms", timeout: "2s", retries: 2 };

describe("dependency conditions", () => {
  test("each condition holds its dependents back until it is met, and a one-shot that exits 0 counts as done", async () => {
    const file = compose({
      db: { command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000"], healthcheck: healthy },
      migrate: { command: ["sh", "-c", "sleep 1; echo migrated"] },
      api: {
        command: ["sleep", "1000"],
        depends_on: { db: { condition: "service_healthy" }, migrate: { condition: "service_completed_successfully" } },
      },
      web: { command: ["sleep", "1000"], depends_on: { api: { condition: "service_started" } } },
    });
    const up = await r.k(["up", "-d", "-f", file]);
    expect(up.stderr).not.toContain("error");
    expectOk(up);
    const evs = await events();
    const p = project!;
    expect(index(evs, "create", `${p}-api-1`)).toBeGreaterThan(index(evs, "health_status", `${p}-db-1`, "healthy"));
    expect(index(evs, "create", `${p}-api-1`)).toBeGreaterThan(evs.findIndex((e) => e.action === "die" && e.container === `${p}-migrate-1` && e.exitCode === 0));
    expect(index(evs, "create", `${p}-web-1`)).toBeGreaterThan(index(evs, "start", `${p}-api-1`));
    expect((await ps(false)).map((c) => c.service).sort()).toEqual(["api", "db", "web"]);
  });

  test("a one-shot dependency that fails stops up naming it and its exit code; its dependent is never created", async () => {
    const file = compose({
      migrate: { command: ["sh", "-c", "exit 3"] },
      api: { command: ["sleep", "1000"], depends_on: { migrate: { condition: "service_completed_successfully" } } },
    });
    const up = await r.k(["up", "-d", "-f", file]);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(`error: service "api": dependency "migrate" didn't complete successfully: exit 3`);
    expect((await ps()).map((c) => c.service)).toEqual(["migrate"]);
  });

  test("a dependency that never gets healthy makes up --wait fail after --wait-timeout naming it, and its dependents never start", async () => {
    const file = compose({
      db: { command: ["sleep", "1000"], healthcheck: { ...healthy, start_period: "1h" } },
      web: { command: ["sleep", "1000"], depends_on: { db: { condition: "service_healthy" } } },
    });
    const started = Date.now();
    const up = await r.k(["up", "-d", "--wait", "--wait-timeout", "3", "-f", file]);
    expect(up.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(up.stderr).toContain(`dependency "db" did not become healthy in time`);
    expect((await ps()).map((c) => c.service)).toEqual(["db"]);
  });

  test("an optional dependency that fails does not block its dependent", async () => {
    const file = compose({
      cache: { command: ["sh", "-c", "exit 1"] },
      api: { command: ["sleep", "1000"], depends_on: { cache: { condition: "service_completed_successfully", required: false } } },
    });
    const up = await r.k(["up", "-d", "-f", file]);
    expectOk(up);
    expect(up.stderr).toContain(`optional dependency "cache"`);
    expect((await ps(false)).map((c) => c.service)).toEqual(["api"]);
  });
});

describe("restart policies and healthchecks", () => {
  test("restart: always restarts a crashing container with growing delays and ps shows the count", async () => {
    const file = compose({ crash: { command: ["sh", "-c", "sleep 0.2; exit 3"], restart: "always" } });
    expectOk(await r.k(["up", "-d", "-f", file]));
    expect(await until(async () => ((await ps())[0]?.restarts ?? 0) >= 3)).toBe(true);
    const delays = (await events()).filter((e) => e.action === "restart").map((e) => Number(/in (\d+)ms/.exec(e.detail ?? "")?.[1]));
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    // docker compose's columns: the count is in the JSON (restarts), the state in STATUS (docker's
    // "Restarting (3)" while the policy's delay runs)
    const text = await r.k(["ps", "-p", project!, "-a"]);
    expect(text.stdout).toMatch(new RegExp(`^${project}-crash-1 .* crash +\\S.* (Up|Exited \\(3\\)|Restarting \\(3\\)) `, "m"));
  });

  test("restart: no leaves a crashed container down with its exit code", async () => {
    const file = compose({ once: { command: ["sh", "-c", "exit 3"] } });
    expectOk(await r.k(["up", "-d", "-f", file]));
    expect(await until(async () => (await ps())[0]?.status === "exited")).toBe(true);
    await Bun.sleep(1500);
    expect(await ps()).toEqual([expect.objectContaining({ status: "exited", exitCode: 3, restarts: 0 })]);
  });

  test("a healthcheck goes unhealthy and back to healthy", async () => {
    const file = compose({ db: { command: ["sh", "-c", "touch /tmp/ready; exec sleep 1000"], healthcheck: { ...healthy, retries: 1 } } });
    expectOk(await r.k(["up", "-d", "--wait", "-f", file]));
    const name = `${project}-db-1`;
    expect((await ps())[0]?.health).toBe("healthy");
    expectOk(await r.k(["exec", name, "rm", "/tmp/ready"]));
    expect(await until(async () => (await ps())[0]?.health === "unhealthy")).toBe(true);
    expectOk(await r.k(["exec", name, "touch", "/tmp/ready"]));
    expect(await until(async () => (await ps())[0]?.health === "healthy")).toBe(true);
    const health = (await events()).filter((e) => e.action === "health_status").map((e) => e.detail);
    expect(health).toEqual(["healthy", "unhealthy", "healthy"]);
  });
});

describe("container verbs on a project's containers", () => {
  test("kitten stop <container> of a restart: always service keeps it stopped, and start -p brings it back", async () => {
    const file = compose({ app: { command: ["sleep", "1000"], restart: "always" } });
    expectOk(await r.k(["up", "-d", "-f", file]));
    const stop = await r.k(["stop", "-t", "1", `${project}-app-1`]);
    expect(stop).toMatchObject({ code: 0, stdout: `${project}-app-1\n` });
    expect((await ps())[0]).toMatchObject({ status: "exited", restarts: 0, manualStop: true });
    // a restart: always would have brought it back after 100 ms
    await Bun.sleep(1500);
    expect((await ps())[0]).toMatchObject({ status: "exited", restarts: 0, manualStop: true });
    expectOk(await r.k(["start", "-p", project!]));
    expect((await ps())[0]).toMatchObject({ status: "running", manualStop: false });
    expectOk(await r.k(["kill", "-p", project!, "app"]));
    expect(await until(async () => (await ps())[0]?.status === "exited")).toBe(true);
    await Bun.sleep(1000);
    expect((await ps())[0]).toMatchObject({ status: "exited", exitCode: 137, restarts: 0 });
  });
});

describe("supervisor", () => {
  test("killed -9, its containers keep running, ps tells the truth without starting one, a crash is restarted by conmon's exit command, and the next up adopts them", async () => {
    const file = compose({ app: { command: ["sleep", "1000"], restart: "always" } });
    expectOk(await r.k(["up", "-d", "-f", file]));
    const before = await ps();
    const [sup] = processesWith(`__supervise ${project}`);
    expect(sup).toBeDefined();
    process.kill(sup!, "SIGKILL");
    await until(async () => processesWith(`__supervise ${project}`).length === 0, 5000);
    // the container's process still runs under its monitor
    const top = await r.k(["top", "-p", project!]);
    expect(top.stdout).toContain("sleep 1000");
    const after = await ps();
    expect(after).toEqual([expect.objectContaining({ name: `${project}-app-1`, status: "running", restarts: 0, startedAt: before[0]!.startedAt })]);
    // ps is read-only: it started no supervisor (whose adoption could restart things)
    expect(processesWith(`__supervise ${project}`)).toEqual([]);
    // a crash is restarted with no supervisor: conmon's exit command applies the policy
    const pid = processesWith("sleep 1000").find((p) => top.stdout.includes(` ${p} `));
    expect(pid).toBeDefined();
    process.kill(pid!, "SIGKILL");
    expect(await until(async () => (await ps())[0]?.restarts === 1 && (await ps())[0]?.status === "running")).toBe(true);
    expect((await events()).find((e) => e.action === "restart")?.detail).toContain("no supervisor running");
    expect(processesWith(`__supervise ${project}`)).toEqual([]);
    // the next command that changes things brings a supervisor, which adopts without restarting
    expectOk(await r.k(["up", "-d", "-f", file]));
    const [next] = processesWith(`__supervise ${project}`);
    expect(next).toBeDefined();
    expect(next).not.toBe(sup);
    expect((await events()).filter((e) => e.action === "adopt").map((e) => e.container)).toEqual([`${project}-app-1`]);
    expect((await ps())[0]).toMatchObject({ status: "running", restarts: 1 });
  });
});

describe("reconcile", () => {
  test("a second up with one changed service recreates only that one", async () => {
    const services = { a: { command: ["sleep", "1000"] }, b: { command: ["sleep", "1000"] } };
    const file = compose(services);
    expectOk(await r.k(["up", "-d", "-f", file]));
    const first = await ps();
    const again = await r.k(["up", "-d", "-f", file]);
    expectOk(again);
    expect(again.stderr).not.toContain("create");
    const doc = JSON.parse(readFileSync(file, "utf8"));
    doc.services.b.environment = { CHANGED: "1" };
    writeFileSync(file, JSON.stringify(doc));
    expectOk(await r.k(["up", "-d", "-f", file]));
    const second = await ps();
    const started = (rows: PsRow[], s: string) => rows.find((c) => c.service === s)?.startedAt;
    expect(started(second, "a")).toBe(started(first, "a"));
    expect(started(second, "b")).not.toBe(started(first, "b"));
    const creates = (await events()).filter((e) => e.action === "create").map((e) => e.service);
    expect(creates.sort()).toEqual(["a", "b", "b"]);
  });

  test("depends_on restart: true restarts the dependent when its dependency is recreated or restarted, and no other", async () => {
    const services = {
      db: { command: ["sleep", "1000"] },
      api: { command: ["sleep", "1000"], depends_on: { db: { condition: "service_started", restart: true } } },
      other: { command: ["sleep", "1000"], depends_on: { db: { condition: "service_started" } } },
    };
    const file = compose(services);
    expectOk(await r.k(["up", "-d", "-f", file]));
    const started = async () => Object.fromEntries((await ps()).map((c) => [c.service, c.startedAt]));
    const first = await started();
    const doc = JSON.parse(readFileSync(file, "utf8"));
    doc.services.db.environment = { CHANGED: "1" };
    writeFileSync(file, JSON.stringify(doc));
    expectOk(await r.k(["up", "-d", "-f", file]));
    const second = await started();
    expect(second.db).not.toBe(first.db);
    expect(second.api).not.toBe(first.api);
    expect(second.other).toBe(first.other);
    // api was restarted in place, not recreated
    expect((await events()).filter((e) => e.action === "create").map((e) => e.service).sort()).toEqual(["api", "db", "db", "other"]);
    expectOk(await r.k(["restart", "-p", project!, "db"]));
    const third = await started();
    expect(third.api).not.toBe(second.api);
    expect(third.other).toBe(first.other);
  });

  test("two concurrent up of the same project end consistent", async () => {
    const file = compose({ a: { command: ["sleep", "1000"] }, b: { command: ["sleep", "1000"], deploy: { replicas: 2 } } });
    const [one, two] = await Promise.all([r.k(["up", "-d", "-f", file]), r.k(["up", "-d", "-f", file])]);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect((await ps()).map((c) => `${c.name} ${c.status}`).sort()).toEqual([`${project}-a-1 running`, `${project}-b-1 running`, `${project}-b-2 running`]);
    expect((await events()).filter((e) => e.action === "create").length).toBe(3);
  });

  test("down leaves no process, mount or runtime file behind", async () => {
    const file = compose({ a: { command: ["sleep", "1000"] }, b: { command: ["sleep", "1000"], depends_on: { a: { condition: "service_started" } } } });
    expectOk(await r.k(["up", "-d", "-f", file]));
    expect(processesWith(r.root).length).toBeGreaterThan(0);
    const down = await r.k(["down", "-f", file, "-t", "1"]);
    expectOk(down);
    project = undefined;
    expect(await until(async () => processesWith(r.root).length === 0, 5000)).toBe(true);
    expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain(r.root);
    const files = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)])) : []);
    // the namespace driver's log too; container logs live in the data dir and went with their containers
    expect(files(join(r.root, "run"))).toEqual([]);
    expect((await r.k(["ls", "--format", "json"])).stdout.trim()).toBe("[]");
  });
});

describe("logs", () => {
  test("after restarts of a restart: always service, logs without -f shows every run, and files written before a crash are still there", async () => {
    // each run appends a line to a file in the writable layer and prints how many it counts
    const file = compose({ app: { command: ["sh", "-c", "echo x >> /runs; echo \"run $(wc -l < /runs)\"; sleep 0.3; exit 1"], restart: "always" } });
    expectOk(await r.k(["up", "-d", "-f", file]));
    expect(await until(async () => ((await ps())[0]?.restarts ?? 0) >= 2)).toBe(true);
    expect(await until(async () => (await r.k(["logs", "-p", project!])).stdout.includes("run 3"))).toBe(true);
    const logs = await r.k(["logs", "-p", project!, "--no-color"]);
    expectOk(logs);
    const runs = logs.stdout.split("\n").flatMap((l) => /\brun (\d+)$/.exec(l)?.[1] ?? []);
    expect(runs.slice(0, 3)).toEqual(["1", "2", "3"]);
    // started again in place: one create, never a remove
    const actions = (await events()).map((e) => e.action);
    expect(actions.filter((a) => a === "create" || a === "destroy")).toEqual(["create"]);
  });

  test("logs --follow keeps following through two restarts", async () => {
    const file = compose({ app: { command: ["sh", "-c", "echo run; sleep 1; exit 1"], restart: "always" } });
    expectOk(await r.k(["up", "-d", "-f", file]));
    const follow = Bun.spawn([KITTEN, "logs", "-p", project!, "-f"], { env: { ...process.env, KITTEN_ROOT: r.root, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
    let out = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of follow.stdout) out += decoder.decode(chunk);
    })();
    // compose's prefix: the container name without the project's
    const runs = () => out.split("\n").filter((l) => l === "app-1 | run").length;
    // the first run, then two restarts, each printing "run" again, all seen by the one follower
    expect(await until(async () => runs() >= 3, 30_000)).toBe(true);
    expect(((await ps())[0]?.restarts ?? 0) >= 2).toBe(true);
    follow.kill("SIGINT");
    await follow.exited;
    await reading;
  });
});

describe("foreground up", () => {
  test("streams prefixed logs and returns when every container has exited", async () => {
    const file = compose({ a: { command: ["sh", "-c", "echo hello from a"] }, b: { command: ["sh", "-c", "sleep 0.5; echo hello from b"] } });
    const up = await r.k(["up", "-f", file]);
    expectOk(up);
    expect(up.stdout).toContain("a-1 | hello from a");
    expect(up.stdout).toContain("b-1 | hello from b");
  });

  test("--exit-code-from stops the stack when that service exits and returns its code", async () => {
    const file = compose({ server: { command: ["sleep", "1000"] }, test: { command: ["sh", "-c", "sleep 0.5; exit 5"] } });
    const up = await r.k(["up", "--exit-code-from", "test", "-f", file]);
    expect(up.code).toBe(5);
    expect((await ps()).map((c) => `${c.service} ${c.status}`).sort()).toEqual(["server exited", "test exited"]);
  });

  test("Ctrl-C stops the stack", async () => {
    const file = compose({ app: { command: ["sleep", "1000"] } });
    const up = Bun.spawn([KITTEN, "up", "-f", file], { env: { ...process.env, KITTEN_ROOT: r.root, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
    expect(await until(async () => (await ps(false)).length === 1)).toBe(true);
    up.kill("SIGINT");
    expect(await up.exited).toBe(130);
    expect((await ps())[0]).toMatchObject({ status: "exited", manualStop: true });
  });
});

describe("as the unprivileged user kittest", () => {
  let u: Runner;
  let ufs: string;
  let udir: string;

  beforeAll(() => {
    const ids = userIds(TEST_USER);
    u = runner(TEST_USER, tempRoot(ids), TEST_USER);
    ufs = buildRootfs(TEST_USER);
    udir = mkdtempSync(join(tmpdir(), "kitten-orch-u-"));
    chownSync(udir, ids.uid, ids.gid);
  });

  afterAll(async () => {
    await u.k(["down", "-p", "orchu", "-t", "1"]);
    removeRoot(u.root);
    removeRootfs(ufs);
    rmSync(udir, { recursive: true, force: true });
  });

  test("a healthy dependency, a restart: always crash loop, supervisor kill -9 and adoption, and a clean down", async () => {
    const file = join(udir, "compose.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "orchu",
        services: {
          db: { image: ufs, stop_grace_period: "1s", command: ["sh", "-c", "touch /tmp/ready; exec sleep 1000"], healthcheck: healthy },
          app: { image: ufs, stop_grace_period: "1s", command: ["sh", "-c", "sleep 0.3; exit 2"], restart: "always", depends_on: { db: { condition: "service_healthy" } } },
        },
      }),
    );
    chownSync(file, userIds(TEST_USER).uid, userIds(TEST_USER).gid);
    expectOk(await u.k(["up", "-d", "-f", file]));
    const psu = async () => JSON.parse((await u.k(["ps", "-p", "orchu", "-a", "--format", "json"])).stdout) as PsRow[];
    expect(await until(async () => ((await psu()).find((c) => c.service === "app")?.restarts ?? 0) >= 2)).toBe(true);
    const [sup] = processesWith("__supervise orchu");
    expect(sup).toBeDefined();
    const dbStarted = (await psu()).find((c) => c.service === "db")?.startedAt;
    process.kill(sup!, "SIGKILL");
    await until(async () => processesWith("__supervise orchu").length === 0, 5000);
    const after = await psu();
    expect(after.find((c) => c.service === "db")).toMatchObject({ status: "running", health: "healthy", startedAt: dbStarted });
    const restarts = after.find((c) => c.service === "app")?.restarts ?? 0;
    // the new supervisor keeps the crash loop going, counting on from where the old one stopped
    expect(await until(async () => ((await psu()).find((c) => c.service === "app")?.restarts ?? 0) > restarts)).toBe(true);
    expectOk(await u.k(["down", "-f", file, "-t", "1"]));
    expect(await until(async () => processesWith(u.root).length === 0, 5000)).toBe(true);
  });
});
