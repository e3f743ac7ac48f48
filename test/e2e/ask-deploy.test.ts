/**
 * The "done when": `kitten ask --offline "deploy nginx on port 8080" --yes` leaves an
 * nginx service (from the local test registry, as docker.io through the mirror setting)
 * answering on 127.0.0.1:8080 — as root and as the unprivileged `kittest`, with real
 * rootlesskit, conmon and runc.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_USER, kitten, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { freePort } from "./run-fixtures.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";

requireBinary();

let registry: Registry;

/** Something accepts TCP connections on 127.0.0.1:port. */
async function portAnswers(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushBusyboxImage("nginx:alpine");
  await registry.pushBusyboxImage("python:3.12-slim");
}, 120_000);

afterAll(async () => {
  await registry.stop();
});

describe.each([["root", undefined], [TEST_USER, TEST_USER]] as const)("as %s", (_label, user) => {
  let root: string;
  let cwd: string;
  let env: Record<string, string>;

  beforeAll(() => {
    const owner = user ? userIds(user) : undefined;
    root = tempRoot(owner);
    cwd = mkdtempSync(join(tmpdir(), "kitten-ask-deploy-"));
    if (owner) chownSync(cwd, owner.uid, owner.gid);
    env = { ...registry.mirrorEnv, KITTEN_ROOT: root };
  });

  afterAll(async () => {
    const down = await kitten(["down", "-t", "1"], { cwd, env, user, timeoutMs: 60_000 });
    if (down.code !== 0) throw new Error(`down failed: ${down.stderr}`);
    // the next user publishes the same port: wait until it is released
    for (let i = 0; i < 100 && (await portAnswers(8080)); i++) await Bun.sleep(100);
    removeRoot(root);
    rmSync(cwd, { recursive: true, force: true });
  }, 90_000);

  test("deploys nginx on port 8080 from plain English, offline, with --yes", async () => {
    for (let i = 0; i < 300 && (await portAnswers(8080)); i++) await Bun.sleep(100);
    if (await portAnswers(8080)) throw new Error("host port 8080 is in use by another process: this test needs it free");
    const r = await kitten(["ask", "--offline", "deploy nginx on port 8080", "--yes", "-p", "askdeploy"], { cwd, env, user, timeoutMs: 180_000 });
    expect(r.stderr).not.toContain("error:");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("wrote compose.yaml");
    expect(readFileSync(join(cwd, "compose.yaml"), "utf8")).toContain('published: "8080"');
    const res = await fetch("http://127.0.0.1:8080/");
    expect(await res.text()).toContain("hello from kitten nginx fixture");
    const ps = await kitten(["ps", "-p", "askdeploy", "--format", "json"], { cwd, env, user });
    expect((JSON.parse(ps.stdout) as { service: string; status: string }[]).map((c) => [c.service, c.status])).toEqual([["nginx", "running"]]);
  }, 180_000);

  test("deploys two servers behind a load balancer whose mounted config lists both", async () => {
    const [a, b, lb] = [freePort(), freePort(), freePort()];
    const dir = join(cwd, "lb");
    const r = await kitten(["ask", "--offline", `two python http servers on ports ${a} and ${b} behind an nginx load balancer on ${lb}`, "--yes", "--out", "lb.yaml", "-p", "asklb"], { cwd, env, user, timeoutMs: 180_000 });
    expect(r.stderr).not.toContain("error:");
    expect(r.code).toBe(0);
    try {
      // each server on its own port (the python stand-in listens where it is told)
      for (const port of [a, b]) expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      const conf = await kitten(["exec", "asklb-lb-1", "cat", "/etc/nginx/conf.d/default.conf"], { cwd, env, user });
      expect(conf.stderr + conf.stdout).toContain(`server python-1:${a};`);
      expect(conf.stdout).toContain(`server python-2:${b};`);
      expect(await portAnswers(lb)).toBe(true);
    } finally {
      await kitten(["down", "-p", "asklb", "-t", "1"], { cwd, env, user, timeoutMs: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
