/**
 * The main job, for real (issue #6 §6, #11 §10): the webstack compose example — nginx in front of
 * a Python API that writes to postgres and counts in redis, four images built from Dockerfiles on
 * debian:bookworm-slim with Debian's packages — comes up with `kitten up -d --wait`, answers
 * through nginx with a row written to postgres and read back and a redis counter, keeps its data
 * in named volumes across `down` and `up`, and `kitten down -v` leaves no process, mount or
 * runtime file behind. The base image is made by scripts/debian-base.sh (debootstrap from the
 * Debian mirror, its archive cached in /var/cache/kitten, so only the first run on a machine pays
 * for it). As root.
 *
 * The three Kitten README examples (compose-examples/kitten-*.json) name Docker Hub images; here
 * they run on the tests' busybox-based fixture images, served as docker.io through kitten's
 * mirror setting by a local registry: what is tested is how kitten runs those files (ports,
 * networks, names), not the images.
 *
 * The examples publish fixed host ports (8080, 80) that other suites on this machine may hold,
 * so the Kitten examples run from a copy whose only change is a free loopback host port, and
 * webstack gets WEB_PORT=127.0.0.1:<free port> (its compose file reads the port from there).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, REPO, kitten, removeRoot, requireBinary, tempRoot, type RunResult } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";

requireBinary();

/** the images the Kitten examples name */
const IMAGES = ["nginx:latest", "postgres:latest", "redis:alpine", "python:3.11-slim"];
const NGINX_PAGE = "hello from kitten nginx fixture";
const TIMEOUT = 150_000;

let registry: Registry;
let root: string;
let dir: string;
/** the project to take down after the current test (also when it failed) */
let running: { project: string; file: string; env?: Record<string, string> } | undefined;

beforeAll(async () => {
  registry = await startRegistry();
  // one after the other: the fixture layouts are built once per kind and shared
  for (const image of IMAGES) await registry.pushBusyboxImage(image);
  root = tempRoot();
  dir = mkdtempSync(join(tmpdir(), "kitten-examples-"));
  const pull = await k(["pull", "-q", ...IMAGES]);
  expect(pull.code).toBe(0);
}, 120_000);

afterEach(async () => {
  if (running) await k(["down", "-p", running.project, "-f", running.file, "-t", "1"], running.env);
  running = undefined;
});

afterAll(async () => {
  await registry?.stop();
  if (root) removeRoot(root);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function k(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunResult> {
  return kitten(args, { env: { KITTEN_ROOT: root, ...registry.mirrorEnv, ...env }, timeoutMs });
}

function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** A copy of a Kitten example in `dir` whose published host ports become free ports on 127.0.0.1. */
function withFreePorts(example: string): { file: string; ports: Record<string, number> } {
  const doc = JSON.parse(readFileSync(join(EXAMPLES, example), "utf8")) as { containers: Record<string, { ports?: string[] }> };
  const ports: Record<string, number> = {};
  for (const [name, c] of Object.entries(doc.containers)) {
    c.ports = c.ports?.map((p) => {
      const [, container] = p.split(":");
      ports[name] = freePort();
      return `127.0.0.1:${ports[name]}:${container}`;
    });
  }
  const file = join(dir, example);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return { file, ports };
}

async function up(project: string, file: string, env?: Record<string, string>, timeoutMs = TIMEOUT): Promise<RunResult> {
  running = { project, file, env };
  const res = await k(["up", "-d", "--wait", "-p", project, "-f", file], env, timeoutMs);
  expect(res.stderr).not.toContain("error:");
  expect(res.code).toBe(0);
  return res;
}

interface PsRow {
  name: string;
  service: string;
  status: string;
  health: string;
}

async function ps(project: string): Promise<PsRow[]> {
  const res = await k(["ps", "-p", project, "-a", "--format", "json"]);
  expect(res.code).toBe(0);
  return (JSON.parse(res.stdout) as PsRow[]).sort((a, b) => a.name.localeCompare(b.name));
}

async function get(port: number): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/** Runs `sh -c script` in a container and returns its stdout (exit code checked). */
async function inside(container: string, script: string): Promise<string> {
  const res = await k(["exec", container, "sh", "-c", script]);
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  return res.stdout;
}

/** host pids whose command line or environment mentions the test's KITTEN_ROOT (zombies excluded) */
function processesOfRoot(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      if (cmd.includes(root) || environ.includes(`KITTEN_ROOT=${root}\0`)) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

function filesUnder(d: string): string[] {
  return existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(d, e.name)) : [join(d, e.name)])) : [];
}

/** `kitten down`, then: no process, no mount, no runtime file (logs aside) and no project left. */
async function downLeavesNothing(extra: string[] = []): Promise<void> {
  const { project, file, env } = running!;
  expect(processesOfRoot().length).toBeGreaterThan(0);
  const down = await k(["down", "-p", project, "-f", file, "-t", "1", ...extra], env);
  expect(down.code).toBe(0);
  running = undefined;
  const deadline = Date.now() + 10_000;
  while (processesOfRoot().length > 0 && Date.now() < deadline) await Bun.sleep(100);
  expect(processesOfRoot()).toEqual([]);
  expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain(root);
  expect(filesUnder(join(root, "run")).filter((f) => !f.endsWith(".log"))).toEqual([]);
  expect((await k(["ls", "--format", "json"])).stdout.trim()).toBe("[]");
}

describe("the webstack and the Kitten README examples run from compose-examples", () => {
  test("example 1 (one nginx) serves its page on the published port, and down leaves nothing behind", async () => {
    const { file, ports } = withFreePorts("kitten-single-web.json");
    await up("ex1", file);
    expect((await ps("ex1")).map((r) => [r.name, r.status])).toEqual([["ex1-nginx-1", "running"]]);
    const page = await get(ports.nginx!);
    expect(page.status).toBe(200);
    expect(page.body).toContain(NGINX_PAGE);
    // the Kitten format's hostname
    expect((await inside("ex1-nginx-1", "hostname")).trim()).toBe("web");
    await downLeavesNothing();
  }, TIMEOUT);

  test("example 2 (nginx + postgres on mynet) serves the page and web reaches db by name", async () => {
    const { file, ports } = withFreePorts("kitten-web-db.json");
    await up("ex2", file);
    expect((await ps("ex2")).map((r) => [r.name, r.status])).toEqual([["ex2-db-1", "running"], ["ex2-web-1", "running"]]);
    expect((await get(ports.web!)).body).toContain(NGINX_PAGE);
    expect(await inside("ex2-web-1", "echo | nc -w 3 db 5432")).toContain("postgres-fixture");
    await downLeavesNothing();
  }, TIMEOUT);

  test("example 3 (nginx, two python APIs, postgres, redis) serves the page and each tier reaches the next by name", async () => {
    const { file, ports } = withFreePorts("kitten-microservices.json");
    await up("ex3", file);
    const rows = await ps("ex3");
    expect(rows.map((r) => r.service)).toEqual(["api1", "api2", "nginx", "postgres", "redis"]);
    expect(rows.every((r) => r.status === "running")).toBe(true);
    expect((await get(ports.nginx!)).body).toContain(NGINX_PAGE);
    const fromNginx = await inside("ex3-nginx-1", "wget -qO- http://api1:8001/ && wget -qO- http://api2:8002/");
    expect(fromNginx.match(/Directory listing for \//g)?.length).toBe(2);
    expect(await inside("ex3-api1-1", "echo | nc -w 3 postgres 5432; echo | nc -w 3 redis 6379")).toMatch(/postgres-fixture[\s\S]*\+PONG/);
    await downLeavesNothing();
  }, TIMEOUT);

  test("webstack: built from its Dockerfiles, healthy level by level; nginx → api → postgres and redis answer for real; data survives down and up", async () => {
    // the base image the Dockerfiles start FROM; `up` builds the four images from them
    const base = Bun.spawn(["bash", "scripts/debian-base.sh"], { cwd: REPO, env: { ...process.env, KITTEN_ROOT: root }, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(base.stdout).text(), new Response(base.stderr).text(), base.exited]);
    if (code !== 0) throw new Error(`scripts/debian-base.sh failed (${code}): ${out}${err}`);
    const port = freePort();
    const file = join(EXAMPLES, "webstack/compose.yaml");
    const env = { WEB_PORT: `127.0.0.1:${port}` };
    // built from their Dockerfiles on the first up (kitten's builder: apt-get from Debian's mirror)
    const built = await up("webstack", file, env, 540_000);
    for (const service of ["web", "api", "db", "cache"]) expect(built.stderr + built.stdout).toContain(`building service ${service} (webstack-${service})`);
    const rows = await ps("webstack");
    expect(rows.map((r) => [r.service, r.status, r.health])).toEqual([
      ["api", "running", "healthy"],
      ["cache", "running", "healthy"],
      ["db", "running", "healthy"],
      ["web", "running", "healthy"],
    ]);
    const api = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}/api${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    expect((await get(port)).body).toContain("<h1>webstack</h1>");
    const status = (await (await api("/")).json()) as { postgres: string; redis: string };
    expect(status.postgres).toMatch(/^15\.\d+ \(Debian/);
    expect(status.redis).toMatch(/^7\./);
    // a row written through nginx and the api into postgres, and read back
    const text = `note ${crypto.randomUUID()}`;
    const created = await api("/notes", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
    expect(created.status).toBe(201);
    const note = (await created.json()) as { id: number; text: string; created_at: string };
    expect(note.text).toBe(text);
    expect(await (await api(`/notes/${note.id}`)).json()).toEqual(note);
    // a counter in redis
    const hits = async () => ((await (await api("/hits", { method: "POST" })).json()) as { hits: number }).hits;
    const first = await hits();
    expect(await hits()).toBe(first + 1);
    // web reaches api by name; db and cache run as their own unprivileged users
    expect(JSON.parse(await inside("webstack-web-1", "curl -fsS http://api:8000/healthz"))).toEqual({ postgres: "ok", redis: "ok" });
    expect((await inside("webstack-db-1", "id -un")).trim()).toBe("postgres");
    expect((await inside("webstack-cache-1", "id -un")).trim()).toBe("redis");
    expect((await inside("webstack-api-1", "id -un")).trim()).toBe("app");
    // db is on the internal back network only (looked up in the hosts file, not tried: a name
    // missing there would go out to slirp's DNS)
    expect(await inside("webstack-web-1", "cat /etc/hosts")).not.toMatch(/\s(db|postgres|cache)(\s|$)/m);

    // the named volumes keep the row and the counter across down and up; the images are not built again
    expect((await k(["down", "-p", "webstack", "-f", file, "-t", "5"], env)).code).toBe(0);
    const again = await up("webstack", file, env);
    expect(again.stderr + again.stdout).not.toContain("building service");
    expect(await (await api(`/notes/${note.id}`)).json()).toEqual(note);
    expect(await hits()).toBe(first + 2);
    await downLeavesNothing(["-v"]);
  }, 600_000);
});
