/**
 * The channels between kitten's processes under hostile sizes and dead peers (issue #14):
 * - a project name as long as kitten accepts comes up and goes down (its sockets would not fit
 *   in sun_path: they get short hashed paths, removed again by `down`), as root and as kittest;
 * - a 10 MB project goes CLI → supervisor → containers (a partial socket write hung above ~214 KB);
 * - the in-namespace agent (the real `kitten __agent` process) takes a 10 MB request, refuses one
 *   above its limit with a clear error, and a call it does not answer in time says so.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentClient, AGENT_MAX_BODY_BYTES } from "../../src/engine/runtime/agent-client.ts";
import { KITTEN, TEST_USER, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

const LONG = `p${"x".repeat(127)}`; // the longest project name kitten accepts (128 bytes)

for (const who of [{ label: "root" }, { label: TEST_USER, user: TEST_USER }]) {
  describe(`long names (${who.label})`, () => {
    let r: Runner;
    let rootfs: string;
    let dir: string;
    const owner = who.user ? userIds(who.user) : undefined;

    beforeAll(() => {
      r = runner(who.label, tempRoot(owner), who.user);
      rootfs = buildRootfs(who.user);
      dir = mkdtempSync(join(tmpdir(), "kitten-proto-"));
      chmodSync(dir, 0o755);
      if (owner) chownSync(dir, owner.uid, owner.gid);
    });

    afterAll(async () => {
      await r.k(["down", "-p", LONG, "-t", "0"]);
      removeRoot(r.root);
      removeRootfs(rootfs);
      rmSync(dir, { recursive: true, force: true });
    });

    test("a 128-character project name comes up, is listed and goes down, leaving no socket", async () => {
      const file = join(dir, "long.json");
      writeFileSync(file, JSON.stringify({ services: { web: { image: rootfs, command: ["sleep", "300"], stop_signal: "KILL" } } }));
      const up = await r.k(["up", "-d", "-p", LONG, "-f", file]);
      expect({ code: up.code, stderr: up.stderr.includes("error:") ? up.stderr : "" }).toEqual({ code: 0, stderr: "" });
      const ps = await r.k(["ps", "-p", LONG, "--format", "json"]);
      expect(ps.code).toBe(0);
      expect((JSON.parse(ps.stdout) as Array<{ Name?: string; name?: string; State?: string; state?: string }>).length).toBe(1);
      const down = await r.k(["down", "-p", LONG, "-t", "1"]);
      expect(down.code).toBe(0);
      const short = join(r.root, "run", "s");
      expect(existsSync(short) ? readdirSync(short) : []).toEqual([]);
      expect(readdirSync(join(r.root, "run", "sup")).filter((f) => f.startsWith("p"))).toEqual([]);
    });
  });
}

describe("a 10 MB project through the supervisor (root)", () => {
  let r: Runner;
  let rootfs: string;
  let dir: string;
  beforeAll(() => {
    r = runner("root", tempRoot());
    rootfs = buildRootfs();
    dir = mkdtempSync(join(tmpdir(), "kitten-proto-"));
  });
  afterAll(async () => {
    await r.k(["down", "-p", "big", "-t", "0"]);
    removeRoot(r.root);
    removeRootfs(rootfs);
    rmSync(dir, { recursive: true, force: true });
  });

  test("up -d of a service with a 10 MB label succeeds and down removes it", async () => {
    const file = join(dir, "big.json");
    writeFileSync(file, JSON.stringify({ name: "big", services: { web: { image: rootfs, command: ["sleep", "300"], stop_signal: "KILL", labels: { big: "v".repeat(10 * 1024 * 1024) } } } }));
    const up = await r.k(["up", "-d", "-f", file], {}, 60_000);
    expect({ code: up.code, stderr: up.stderr.includes("error:") ? up.stderr : "" }).toEqual({ code: 0, stderr: "" });
    const down = await r.k(["down", "-p", "big", "-t", "1"]);
    expect(down.code).toBe(0);
  });
});

describe("the agent's channel (root)", () => {
  let dir: string;
  let agent: ReturnType<typeof Bun.spawn>;
  let socket: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kitten-agent-"));
    const runtimeDir = join(dir, "projects", "demo");
    socket = join(runtimeDir, "agent.sock");
    agent = Bun.spawn([KITTEN, "__agent", runtimeDir], { stdout: "ignore", stderr: "ignore" });
    for (let i = 0; i < 200 && !existsSync(socket); i++) await Bun.sleep(25);
  });
  afterAll(() => {
    agent.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("a 10 MB request is taken whole and answered", async () => {
    const stdin = "x".repeat(10 * 1024 * 1024);
    const res = await agentClient(socket, "demo").call("spawn", { argv: ["wc", "-c"], stdin });
    expect(res.stdout.trim()).toBe(String(stdin.length));
  });

  test("a request above the limit is refused with exit 2 before it is sent", async () => {
    const err = (await agentClient(socket, "demo").call("spawn", { argv: ["true"], stdin: "x".repeat(AGENT_MAX_BODY_BYTES) }).catch((e) => e)) as { message: string; exitCode: number };
    expect(err.exitCode).toBe(2);
    expect(err.message).toStartWith('namespace "demo": the agent\'s spawn request is 64.0 MB, more than the 64.0 MB it accepts');
  });

  test("the agent itself refuses a body above its limit", async () => {
    const res = await fetch("http://agent/v1/ping", { unix: socket, method: "POST", body: new Uint8Array(AGENT_MAX_BODY_BYTES + 1) });
    expect(res.status).toBe(413);
  });

  test("an answer that does not come in time is reported as a timeout of the agent", async () => {
    const err = (await agentClient(socket, "demo").call("spawn", { argv: ["sleep", "5"] }, 500).catch((e) => e)) as { message: string; code: string; hint?: string };
    expect(err.code).toBe("agent_timeout");
    expect(err.message).toBe('namespace "demo": the agent did not answer spawn within 0.5 s');
    expect(err.hint).toContain("agent.log");
  });
});
