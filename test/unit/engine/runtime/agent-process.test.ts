/**
 * ensureAgent against a fake agent on a unix socket: a live agent that is slow to answer (busy
 * with hundreds of creates on a loaded machine) is kept, not ended — ending it failed every
 * request it was serving with ECONNRESET (`up` of 200 containers: 0 of 3 before the fix).
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { agentFiles, ensureAgent } from "../../../../src/engine/runtime/agent-process.ts";
import { buildIdentity, type NamespaceRecord } from "../../../../src/net/namespace/index.ts";
import { processStartTime, sameProcess } from "../../../../src/net/namespace/proc.ts";

let root: string;
let server: Server<undefined> | undefined;
let stand: ReturnType<typeof Bun.spawn> | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kitten-agent-process-"));
});

afterEach(() => {
  server?.stop(true);
  stand?.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

function namespace(runtimeDir: string): NamespaceRecord {
  // ensureAgent gives up on a namespace whose child is gone: this process stands in for it
  return {
    project: "p", driver: "rootlesskit", pid: process.pid, childPid: process.pid, apiSocket: join(root, "api.sock"), hostLoopback: false,
    runtimeDir, agentSocket: join(runtimeDir, "agent.sock"), startedAt: "2026-12-06T00:00:00.000Z", holder: true,
  } as NamespaceRecord;
}

test("a live agent that answers a ping only after 3 s is kept, and no other is started", async () => {
  const runtimeDir = join(root, "run/projects/p");
  mkdirSync(runtimeDir, { recursive: true });
  const files = agentFiles(runtimeDir);
  let pings = 0;
  server = Bun.serve({
    unix: files.socket,
    async fetch() {
      pings++;
      await Bun.sleep(3_000);
      return Response.json({ pid: 2, build: buildIdentity() });
    },
  });
  // the recorded agent process: alive (a sleep standing in for it)
  stand = Bun.spawn(["sleep", "60"]);
  await Bun.sleep(50);
  writeFileSync(files.record, JSON.stringify({ pid: stand.pid, start: processStartTime(stand.pid) ?? 0, build: buildIdentity() }));
  const result = await ensureAgent(namespace(runtimeDir), { sameBuild: true });
  expect(result).toEqual({ started: false });
  expect(sameProcess(stand.pid, processStartTime(stand.pid) ?? 0)).toBe(true);
  expect(pings).toBeGreaterThanOrEqual(2);
}, 20_000);
