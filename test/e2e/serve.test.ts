/**
 * `kitten serve` for real (issue #15): the seed's curl commands, verbatim but for the transport
 * (the unix socket, or TCP with the bearer token) and the image (a busybox rootfs whose /bin/bash
 * is a stand-in), and the seed's three Kitten JSON examples spawned through the API with images
 * from the local registry, reached on their published ports. A spawned deployment is a project
 * the CLI sees, and serve restarts without touching its containers. As root, and the seed's
 * spawn as `kittest` over its own socket.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, kitten, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, freePort, removeRootfs } from "./run-fixtures.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { curl, startServe, waitStatus, type Served } from "./serve-helpers.ts";

requireBinary();

const IMAGES = ["nginx:latest", "postgres:latest", "redis:alpine", "python:3.11-slim"];
const NGINX_PAGE = "hello from kitten nginx fixture";
const SEED_SPAWN = (image: string) => JSON.stringify({ version: "1.0", containers: { web: { image, command: ["/bin/bash", "-c", "echo Hello && sleep 10"], hostname: "web", restart: "on-failure" } } });

let registry: Registry;
let root: string;
let dir: string;
let rootfs: string;
let served: Served;

/** bash is not in busybox: a stand-in that runs its script with busybox sh */
function addBash(fs: string): void {
  writeFileSync(join(fs, "bin", "bash"), '#!/bin/sh\nexec /bin/sh "$@"\n');
  chmodSync(join(fs, "bin", "bash"), 0o755);
}

beforeAll(async () => {
  registry = await startRegistry();
  for (const image of IMAGES) await registry.pushBusyboxImage(image);
  root = tempRoot();
  dir = mkdtempSync(join(tmpdir(), "kitten-serve-"));
  rootfs = buildRootfs();
  addBash(rootfs);
  served = await startServe({ root, cwd: join(rootfs, ".."), env: registry.mirrorEnv });
}, 120_000);

afterAll(async () => {
  await served?.stop();
  // whatever a failed test left running
  const ls = await kitten(["ls", "--format", "json"], { env: { KITTEN_ROOT: root } });
  for (const p of JSON.parse(ls.stdout || "[]") as Array<{ name: string }>) await kitten(["down", "-p", p.name, "-t", "1"], { env: { KITTEN_ROOT: root } });
  await registry?.stop();
  if (root) removeRoot(root);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (rootfs) removeRootfs(rootfs);
}, 60_000);

/** A seed example with its published host ports moved to free ports on 127.0.0.1. */
function example(file: string): { json: string; ports: Record<string, number> } {
  const doc = JSON.parse(readFileSync(join(EXAMPLES, file), "utf8")) as { containers: Record<string, { ports?: string[] }> };
  const ports: Record<string, number> = {};
  for (const [name, c] of Object.entries(doc.containers)) {
    c.ports = c.ports?.map((p) => {
      ports[name] = freePort();
      return `127.0.0.1:${ports[name]}:${p.split(":").at(-1)}`;
    });
  }
  return { json: JSON.stringify(doc), ports };
}

describe("the seed's curl commands", () => {
  test("spawn, status, list and stop over the unix socket, exactly as the seed writes them", async () => {
    const sock = ["--unix-socket", served.socket];
    const spawn = await curl([...sock, "-X", "POST", "http://localhost:8080/spawn", "-H", "Content-Type: application/json", "-d", SEED_SPAWN("./rootfs")]);
    expect(spawn.code).toBe(0);
    const { id, message, status } = JSON.parse(spawn.stdout) as { id: string; message: string; status: string };
    expect({ message, status }).toEqual({ message: "Containers are being spawned", status: "starting" });
    expect(id).toMatch(/^deploy_[0-9a-f]{12}$/);
    await waitStatus(served, id, (s) => s === "running" || s === "done");
    const st = JSON.parse((await curl([...sock, `http://localhost:8080/status/${id}`])).stdout) as { containers: Record<string, { service: string }> };
    expect(Object.values(st.containers).map((c) => c.service)).toEqual(["web"]);
    expect(JSON.parse((await curl([...sock, "http://localhost:8080/list"])).stdout).deployments).toContainEqual(expect.objectContaining({ id }));
    // the CLI sees the same project, and its output
    const logs = await kitten(["logs", "-p", id], { env: { KITTEN_ROOT: root } });
    expect(logs.stdout).toContain("Hello");
    // the seed's stop, with ?timeout=1: sh as pid 1 ignores SIGTERM, and the default grace is 10 s
    const stop = await curl([...sock, "-X", "POST", `http://localhost:8080/stop/${id}?timeout=1`]);
    expect(JSON.parse(stop.stdout)).toEqual({ id, message: "Deployment stopped", status: "stopped" });
    expect((await kitten(["ls", "--format", "json"], { env: { KITTEN_ROOT: root } })).stdout).not.toContain(id);
  }, 120_000);

  test("over TCP the same commands need the token: refused without it, answered with it", async () => {
    const without = await curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", `${served.url}/spawn`, "-H", "Content-Type: application/json", "-d", SEED_SPAWN("./rootfs")]);
    expect(without.stdout).toBe("401");
    const health = await curl([`${served.url}/health`]);
    expect(JSON.parse(health.stdout).status).toBe("ok");
    // the UI comes out of the binary alone: serve runs in a temp dir, far from the repository's files
    const js = await fetch(`${served.url}/ui/app.js`);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await js.text()).length).toBeGreaterThan(5000);
    const page = await served.api("/");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/ui/app.js">');
    // the token is nowhere in serve's argv or its output
    expect(readFileSync(`/proc/${served.pid}/cmdline`, "utf8")).not.toContain(served.token);
    expect(served.stderr()).not.toContain(served.token);
  });
});

describe("the seed's three examples through POST /spawn", () => {
  const cases: Array<[string, string, string]> = [
    ["example 1 (one nginx)", "kitten-single-web.json", "nginx"],
    ["example 2 (nginx + postgres on mynet)", "kitten-web-db.json", "web"],
    ["example 3 (nginx, two python APIs, postgres, redis)", "kitten-microservices.json", "nginx"],
  ];
  for (const [title, file, front] of cases) {
    test(`${title} comes up and answers on its published port`, async () => {
      const { json, ports } = example(file);
      const r = await served.api("/spawn", { method: "POST", headers: { "content-type": "application/json" }, body: json });
      expect(r.status).toBe(202);
      const { id } = (await r.json()) as { id: string };
      try {
        const st = await waitStatus(served, id, (s) => s === "running");
        expect(Object.values(st.containers).every((c) => c.phase === "running")).toBe(true);
        const page = await fetch(`http://127.0.0.1:${ports[front]}/`, { signal: AbortSignal.timeout(10_000) });
        expect(await page.text()).toContain(NGINX_PAGE);
      } finally {
        expect((await served.api(`/stop/${id}?timeout=1`, { method: "POST" })).status).toBe(200);
      }
    }, 150_000);
  }
});

describe("daemonless", () => {
  test("serve stops and starts again without touching the containers it started", async () => {
    const { json, ports } = example("kitten-single-web.json");
    const { id } = (await (await served.api("/spawn", { method: "POST", headers: { "content-type": "application/json" }, body: json })).json()) as { id: string };
    await waitStatus(served, id, (s) => s === "running");
    const before = JSON.parse((await kitten(["ps", "-p", id, "--format", "json"], { env: { KITTEN_ROOT: root } })).stdout) as Array<{ name: string; pid: number; startedAt: string }>;
    await served.stop();
    const page = await fetch(`http://127.0.0.1:${ports.nginx}/`, { signal: AbortSignal.timeout(10_000) });
    expect(await page.text()).toContain(NGINX_PAGE);
    served = await startServe({ root, cwd: join(rootfs, ".."), env: registry.mirrorEnv, token: served.token });
    const st = await waitStatus(served, id, (s) => s === "running");
    expect(Object.keys(st.containers)).toEqual(before.map((c) => c.name));
    const after = JSON.parse((await kitten(["ps", "-p", id, "--format", "json"], { env: { KITTEN_ROOT: root } })).stdout) as Array<{ pid: number; startedAt: string }>;
    expect(after.map((c) => [c.pid, c.startedAt])).toEqual(before.map((c) => [c.pid, c.startedAt]));
    // and the CLI takes it down like any project
    expect((await kitten(["down", "-p", id, "-t", "1"], { env: { KITTEN_ROOT: root } })).code).toBe(0);
    expect((await served.api(`/status/${id}`)).status).toBe(404);
  }, 150_000);
});

describe("as the unprivileged user kittest", () => {
  test("serve's socket is the user's own (0600), and the seed's spawn runs there", async () => {
    const ids = userIds("kittest");
    const kroot = tempRoot(ids);
    const kfs = buildRootfs("kittest");
    addBash(kfs);
    const s = await startServe({ root: kroot, cwd: join(kfs, ".."), user: "kittest" });
    try {
      const st = Bun.spawnSync(["stat", "-c", "%a %U", s.socket]).stdout.toString().trim();
      expect(st).toBe("600 kittest");
      const spawn = await curl(["--unix-socket", s.socket, "-X", "POST", "http://localhost/spawn", "-H", "Content-Type: application/json", "-d", SEED_SPAWN("./rootfs")]);
      const { id } = JSON.parse(spawn.stdout) as { id: string };
      await waitStatus(s, id, (x) => x === "running" || x === "done");
      const logs = await s.api(`/v1/projects/${id}/logs`);
      expect(((await logs.json()) as Array<{ text: string }>).map((l) => l.text).join("")).toContain("Hello");
      expect((await s.api(`/stop/${id}?timeout=1`, { method: "POST" })).status).toBe(200);
    } finally {
      await s.stop();
      removeRoot(kroot);
      removeRootfs(kfs);
    }
  }, 150_000);
});
