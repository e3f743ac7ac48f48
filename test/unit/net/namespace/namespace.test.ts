import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseDriver, findNamespace, namespaceLayout, parseNamespaceRecord } from "../../../../src/net/namespace/index.ts";
import { childrenOf, isAlive, processStartTime, processState, sameProcess, waitUntil } from "../../../../src/net/namespace/proc.ts";
import { agentSocketPath } from "../../../../src/net/namespace/layout.ts";

const good = {
  project: "shop",
  driver: "rootlesskit",
  pid: 10,
  childPid: 11,
  apiSocket: "/r/ns/shop/api.sock",
  hostLoopback: false,
  runtimeDir: "/r/projects/shop",
  agentSocket: "/r/projects/shop/agent.sock",
  startedAt: "2026-11-23T20:00:00.000Z",
};

test("accepts a namespace record and refuses broken ones", () => {
  expect(parseNamespaceRecord(good)).toEqual(good as never);
  expect(parseNamespaceRecord({ ...good, driver: "docker" })).toBeUndefined();
  expect(parseNamespaceRecord({ ...good, pid: "10" })).toBeUndefined();
  expect(parseNamespaceRecord({ ...good, slirpPid: 1.5 })).toBeUndefined();
  expect(parseNamespaceRecord(null)).toBeUndefined();
});

test("accepts a record of a namespace with a holder, with the start times that name its processes", () => {
  const held = { ...good, holder: true, pidStart: 5, childStart: 6, slirpPid: 12, slirpStart: 7, slirpSocket: "/r/projects/shop/slirp.sock" };
  expect(parseNamespaceRecord(held)).toEqual(held as never);
  expect(parseNamespaceRecord({ ...held, holder: "yes" })).toBeUndefined();
  expect(parseNamespaceRecord({ ...held, childStart: "6" })).toBeUndefined();
});

test("names a process by pid and start time, so a reused pid is not taken for it", async () => {
  const start = processStartTime(process.pid)!;
  expect(sameProcess(process.pid, start)).toBe(true);
  expect(sameProcess(process.pid, start + 1)).toBe(false);
  expect(sameProcess(process.pid, undefined)).toBe(true);
  const child = Bun.spawn(["sleep", "5"]);
  expect(await waitUntil(() => (childrenOf(process.pid).includes(child.pid) ? true : undefined), 2000)).toBe(true);
  child.kill("SIGKILL");
  await child.exited;
  expect(sameProcess(child.pid, undefined)).toBe(false);
});

test("keeps rootlesskit's state dir apart from the per-project runtime dir it would delete", () => {
  const l = namespaceLayout({ data: "/d", runtime: "/r", config: "/c" }, "shop");
  expect(l).toEqual({
    record: "/r/ns/shop.json",
    stateDir: "/r/ns/shop",
    runtimeDir: "/r/projects/shop",
    agentSocket: "/r/projects/shop/agent.sock",
    slirpSocket: "/r/projects/shop/slirp.sock",
    agentLog: "/r/projects/shop/agent.log",
    driverLog: "/r/ns/shop.log",
  });
});

test("a project name too long for unix sockets gets short hashed socket paths that both ends agree on", () => {
  const name = `p${"x".repeat(120)}`;
  const l = namespaceLayout({ data: "/d", runtime: "/run/user/1000/kitten", config: "/c" }, name);
  expect(l.runtimeDir).toBe(`/run/user/1000/kitten/projects/${name}`);
  for (const sock of [l.agentSocket, l.slirpSocket, `${l.stateDir}/api.sock`]) {
    expect(sock).toStartWith("/run/user/1000/kitten/s/");
    expect(Buffer.byteLength(sock)).toBeLessThanOrEqual(107);
  }
  expect(new Set([l.agentSocket, l.slirpSocket, l.stateDir]).size).toBe(3);
  expect(agentSocketPath(l.runtimeDir)).toBe(l.agentSocket);
  expect(namespaceLayout({ data: "/d", runtime: "/run/user/1000/kitten", config: "/c" }, `${name}y`).agentSocket).not.toBe(l.agentSocket);
});

const envBefore = process.env.KITTEN_NS_DRIVER;
afterEach(() => {
  if (envBefore === undefined) delete process.env.KITTEN_NS_DRIVER;
  else process.env.KITTEN_NS_DRIVER = envBefore;
});

test("chooses the driver from the argument, then KITTEN_NS_DRIVER, and refuses an unknown one", () => {
  process.env.KITTEN_NS_DRIVER = "unshare";
  expect(chooseDriver()).toBe("unshare");
  expect(chooseDriver("rootlesskit")).toBe("rootlesskit");
  process.env.KITTEN_NS_DRIVER = "pasta";
  expect(() => chooseDriver()).toThrow("KITTEN_NS_DRIVER must be rootlesskit or unshare");
});

test("finds no namespace when its processes are gone, and removes the stale record", () => {
  const root = mkdtempSync(join(tmpdir(), "kitten-ns-"));
  try {
    const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
    const l = namespaceLayout(paths, "shop");
    mkdirSync(join(root, "run/ns"), { recursive: true });
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(l.record, JSON.stringify({ ...good, pid: dead, childPid: dead, runtimeDir: l.runtimeDir }));
    expect(findNamespace(paths, "shop")).toBeUndefined();
    expect(Bun.file(l.record).size).toBe(0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("tells a live process from a dead or zombie one", async () => {
  expect(isAlive(process.pid)).toBe(true);
  expect(processState(process.pid)).toMatch(/^[RS]$/);
  const child = Bun.spawn(["true"]);
  await child.exited;
  expect(isAlive(child.pid)).toBe(false);
  expect(isAlive(undefined)).toBe(false);
});

test("waits until a check gives a value, or gives up after the timeout", async () => {
  let n = 0;
  expect(await waitUntil(() => (++n >= 3 ? n : undefined), 1000, 1)).toBe(3);
  expect(await waitUntil(() => undefined, 20, 1)).toBeUndefined();
});
