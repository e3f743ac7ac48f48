/**
 * kitten's TCP port forwarder, for real: host sockets bound by startForwarder, the `__portfwd`
 * role as a process (run in this test's own network namespace: no nsenter), real backends on
 * 127.0.0.1. The namespace path (nsenter into a rootless namespace) is covered by the e2e
 * port and network tests.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selfCommand } from "../../../../src/core/self.ts";
import { startForwarder, stopForwarder, type ForwarderRef } from "../../../../src/net/forward/host.ts";
import { listenTcp, sockaddr } from "../../../../src/net/forward/sockets.ts";
import { libc } from "../../../../src/net/forward/libc.ts";
import { isAlive, waitUntil } from "../../../../src/net/namespace/proc.ts";
import { parseStat } from "../../../../src/engine/orchestrate/proc-stats.ts";

let dir: string;
let servers: Server[];
let refs: ForwarderRef[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-fwd-"));
  servers = [];
  refs = [];
});

afterEach(async () => {
  for (const ref of refs) await stopForwarder(ref);
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A backend on 127.0.0.1 with the given connection handler; resolves with its port. */
async function backend(onConnection: (s: Socket) => void): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

const echo = (s: Socket) => s.pipe(s);

/** Connects to port, writes data, half-closes, and collects everything until the end. */
function exchange(port: number, data: Buffer | string, host = "127.0.0.1"): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(port, host, () => s.end(data));
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => resolve(Buffer.concat(chunks)));
    s.on("error", reject);
  });
}

async function forward(ports: Array<{ hostPort?: number; childPort: number; hostIp?: string }>, extra: { releaseFile?: string; containerDir?: string } = {}) {
  // startForwarder binds the ports itself: pick free ones first for port 0
  const chosen = ports.map((p) => p.hostPort || freePort(p.hostIp));
  const ref = await startForwarder({
    ports: ports.map((p, i) => ({ hostIp: p.hostIp ?? "127.0.0.1", hostPort: chosen[i]!, childIp: "127.0.0.1", childPort: p.childPort })),
    logFile: join(dir, "portfwd.log"),
    ...extra,
  });
  refs.push(ref);
  return { ref, ports: chosen };
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A port on ip nothing listens on now (bound, then released). */
function freePort(ip = "127.0.0.1"): number {
  const l = listenTcp(ip, 0);
  libc().close(l.fd);
  return l.port;
}

/** Binds port on 127.0.0.1 and releases it again; throws when it is still taken. */
function bindAndRelease(port: number): void {
  libc().close(listenTcp("127.0.0.1", port).fd);
}

/** CPU time a process has used, in clock ticks (utime + stime). */
const cpuTicks = (pid: number) => parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"))!.cpuTicks;

test("carries 8 MiB both ways unchanged and passes the client's half-close to the backend", async () => {
  const { ports } = await forward([{ childPort: await backend(echo) }]);
  const payload = randomBytes(8 << 20);
  const back = await exchange(ports[0]!, payload);
  expect(back.length).toBe(payload.length);
  expect(sha(back)).toBe(sha(payload));
});

test("lets the backend answer after the client finished sending", async () => {
  const port = await backend((s) => {
    let got = "";
    s.on("data", (c) => (got += c));
    s.on("end", () => s.end(`pong:${got}`));
  });
  const { ports } = await forward([{ childPort: port }]);
  expect((await exchange(ports[0]!, "ping")).toString()).toBe("pong:ping");
});

test("serves many connections at once, each to its own backend connection", async () => {
  const { ports } = await forward([{ childPort: await backend(echo) }]);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => exchange(ports[0]!, `hello ${i} `.repeat(1000))));
  answers.forEach((a, i) => expect(a.toString()).toBe(`hello ${i} `.repeat(1000)));
});

test("forwards several host ports to their own container ports", async () => {
  const a = await backend((s) => s.end("a"));
  const b = await backend((s) => s.end("b"));
  const { ports } = await forward([{ childPort: a }, { childPort: b }]);
  expect((await exchange(ports[0]!, "")).toString()).toBe("a");
  expect((await exchange(ports[1]!, "")).toString()).toBe("b");
});

test("closes the client's connection when nothing listens on the container port, and keeps serving", async () => {
  const { ports } = await forward([{ childPort: freePort() }, { childPort: await backend(echo) }]);
  const refused = await exchange(ports[0]!, "anyone?").catch((err: Error) => Buffer.from(`error ${(err as { code?: string }).code}`));
  expect(["", "error ECONNRESET"]).toContain(refused.toString());
  expect((await exchange(ports[1]!, "still here")).toString()).toBe("still here");
});

test("closes the client's connection when the backend resets it, and keeps serving", async () => {
  const port = await backend((s) => s.once("data", () => s.resetAndDestroy()));
  const { ports } = await forward([{ childPort: port }, { childPort: await backend(echo) }]);
  const closed = await new Promise<string>((resolve) => {
    const s = connect(ports[0]!, "127.0.0.1", () => s.write("hello"));
    s.on("error", (err: Error & { code?: string }) => resolve(err.code ?? err.message));
    s.on("close", () => resolve("closed"));
  });
  expect(["ECONNRESET", "closed"]).toContain(closed);
  expect((await exchange(ports[1]!, "still here")).toString()).toBe("still here");
});

test("uses no CPU while a half-closed connection waits for the backend's answer", async () => {
  let answer: (() => void) | undefined;
  const port = await backend((s) => {
    s.on("data", () => {});
    s.on("end", () => (answer = () => s.end("late answer")));
  });
  const { ref, ports } = await forward([{ childPort: port }]);
  const reply = exchange(ports[0]!, "question");
  await waitUntil(() => answer, 2_000, 10);
  const before = cpuTicks(ref.pid);
  await Bun.sleep(1_000);
  const used = cpuTicks(ref.pid) - before;
  answer!();
  expect((await reply).toString()).toBe("late answer");
  // a spinning poll loop would burn ~100 ticks in that second
  expect(used).toBeLessThan(10);
});

test("forwards from an IPv6 host address", async () => {
  const { ports } = await forward([{ hostIp: "::1", childPort: await backend(echo) }]);
  expect((await exchange(ports[0]!, "over v6", "::1")).toString()).toBe("over v6");
});

test("names a host port that is already taken, and leaves no forwarder behind", async () => {
  const taken = await backend(echo);
  const free = freePort();
  const err = await forward([{ hostPort: free, childPort: 1 }, { hostPort: taken, childPort: 1 }]).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toBe(`127.0.0.1:${taken}/tcp is already in use on the host`);
  // the first port was bound before the second failed: it is released again
  bindAndRelease(free);
});

test("ends by itself when the container's ports are released, freeing them, and not when it merely exits", async () => {
  mkdirSync(join(dir, "exit"));
  const releaseFile = join(dir, "ports-released");
  const { ref, ports } = await forward([{ childPort: await backend(echo) }], { releaseFile });
  expect((await exchange(ports[0]!, "up")).toString()).toBe("up");
  // a container that exits to be restarted by its policy keeps its forwarder
  writeFileSync(join(dir, "exit", "c1"), "0");
  await Bun.sleep(600);
  expect(isAlive(ref.pid)).toBe(true);
  writeFileSync(releaseFile, "");
  expect(await waitUntil(() => (isAlive(ref.pid) ? undefined : true), 3_000, 20)).toBe(true);
  // as the runtime does before publishing again: waits until all its threads are gone
  await stopForwarder(ref);
  bindAndRelease(ports[0]!);
});

test("ends by itself when the container's dir is removed", async () => {
  const containerDir = join(dir, "ctr");
  mkdirSync(containerDir);
  const { ref } = await forward([{ childPort: await backend(echo) }], { containerDir });
  rmSync(containerDir, { recursive: true });
  expect(await waitUntil(() => (isAlive(ref.pid) ? undefined : true), 3_000, 20)).toBe(true);
});

test("ends by itself when the process it watches (the namespace) ends", async () => {
  const sleeper = spawn("sleep", ["30"]);
  const l = listenTcp("127.0.0.1", 0);
  const [cmd, ...args] = selfCommand();
  const config = { listeners: [{ fd: 3, childIp: "127.0.0.1", childPort: 1 }], watchPid: sleeper.pid };
  const fwd = spawn(cmd!, [...args, "__portfwd", JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit", l.fd] });
  libc().close(l.fd);
  await new Promise((resolve) => fwd.stdout!.once("data", resolve));
  const exited = new Promise((resolve) => fwd.once("exit", resolve));
  sleeper.kill();
  expect(await Promise.race([exited.then(() => "exited"), Bun.sleep(3_000).then(() => "still running")])).toBe("exited");
});

test("out of descriptors, it does not spin on the connections it cannot take, and takes them once descriptors are free", async () => {
  const l = listenTcp("127.0.0.1", 0);
  const [cmd, ...args] = selfCommand();
  const config = { listeners: [{ fd: 3, childIp: "127.0.0.1", childPort: await backend(echo) }] };
  const fwd = spawn(cmd!, [...args, "__portfwd", JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit", l.fd] });
  libc().close(l.fd);
  try {
    await new Promise((resolve) => fwd.stdout!.once("data", resolve));
    // room for exactly three connections (six descriptors each: two sockets, two pipes), so the
    // fourth accept(2) fails with EMFILE
    const inUse = readdirSync(`/proc/${fwd.pid}/fd`).length;
    expect(Bun.spawnSync(["prlimit", `--pid=${fwd.pid}`, `--nofile=${inUse + 18}:${inUse + 18}`]).exitCode).toBe(0);
    const held = Array.from({ length: 3 }, () => connect(l.port, "127.0.0.1").on("error", () => {}));
    await Bun.sleep(300);
    expect(readdirSync(`/proc/${fwd.pid}/fd`).length).toBe(inUse + 18);
    const waiting = exchange(l.port, "served later");
    await Bun.sleep(300);
    const before = cpuTicks(fwd.pid!);
    await Bun.sleep(1_000);
    expect(cpuTicks(fwd.pid!) - before).toBeLessThan(10);
    held[0]!.destroy();
    expect((await waiting).toString()).toBe("served later");
  } finally {
    fwd.kill();
  }
});

test("stopForwarder ends it at once, and never signals a pid whose start time differs", async () => {
  const { ref, ports } = await forward([{ childPort: await backend(echo) }]);
  const sleeper = spawn("sleep", ["30"]);
  await stopForwarder({ pid: sleeper.pid!, start: 1 });
  expect(isAlive(sleeper.pid)).toBe(true);
  sleeper.kill();
  await stopForwarder(ref);
  expect(isAlive(ref.pid)).toBe(false);
  bindAndRelease(ports[0]!);
});

test.each([
  ["127.0.0.1", 80, "02000050" + "7f000001" + "0".repeat(16)],
  ["::1", 443, "0a0001bb" + "00000000" + "0".repeat(30) + "01" + "00000000"],
  ["::ffff:10.1.2.3", 8080, "0a001f90" + "00000000" + "0".repeat(20) + "ffff" + "0a010203" + "00000000"],
  ["fd00:1::2", 1, "0a000001" + "00000000" + "fd000001" + "0".repeat(20) + "0002" + "00000000"],
])("encodes %s port %d as a C socket address", (ip, port, hex) => {
  expect(Buffer.from(sockaddr(ip, port)).toString("hex")).toBe(hex);
});
