/**
 * The control channel's limits (issue #14): requests of many MB are written whole (a partial
 * socket write used to hang the client forever above ~214 KB), a request above the limit is
 * refused with a clear error before anything is sent, and a peer that says nothing is given up on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KittenPaths } from "../../../../src/core/paths.ts";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore } from "../../../../src/engine/state/project-store.ts";
import { requestSupervisor, supervisorSocketPath } from "../../../../src/engine/supervisor/client.ts";
import { LineSplitter, MAX_MESSAGE_BYTES, MessageTooLarge } from "../../../../src/engine/supervisor/protocol.ts";
import { SupervisorServer } from "../../../../src/engine/supervisor/server.ts";
import { FakeRuntime } from "../orchestrate/fake-runtime.ts";
import { FakeClock } from "./fake-clock.ts";

describe("LineSplitter", () => {
  test("joins lines split anywhere, even inside a multi-byte character", () => {
    const bytes = new TextEncoder().encode('{"a":"é€😀"}\n{"b":1}\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      const s = new LineSplitter();
      expect([...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))]).toEqual(['{"a":"é€😀"}', '{"b":1}']);
    }
  });

  test("a line longer than its limit throws, however it arrives", () => {
    const s = new LineSplitter(10);
    expect(s.push("12345")).toEqual([]);
    expect(() => s.push("678901")).toThrow(MessageTooLarge);
    expect(() => new LineSplitter(10).push("x".repeat(11))).toThrow(MessageTooLarge);
    expect(new LineSplitter(10).push(`${"x".repeat(10)}\n`)).toEqual(["x".repeat(10)]);
  });
});

describe("supervisor channel limits", () => {
  let dir: string;
  let paths: KittenPaths;
  let server: SupervisorServer;
  let runtime: FakeRuntime;
  let socket: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kitten-proto-"));
    paths = { data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") };
    const clock = new FakeClock();
    runtime = new FakeRuntime(clock);
    server = new SupervisorServer({ project: "demo", runtime, store: new ProjectStore(openStateDb(paths)), clock, keepaliveMs: 50 });
    await server.start();
    socket = supervisorSocketPath(paths, "demo");
    server.listen(socket);
  });

  afterAll(async () => {
    await server.close();
    closeStateDbs();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a 10 MB up request is written whole and answered", async () => {
    const big = "v".repeat(10 * 1024 * 1024);
    const project = { name: "demo", services: { web: { image: "web", labels: { big } } } };
    const result = (await requestSupervisor(socket, "demo", { op: "up", project })) as { containers: Array<{ name: string }> };
    expect(result.containers.map((c) => c.name)).toEqual(["demo-web-1"]);
    const status = (await requestSupervisor(socket, "demo", { op: "status" })) as { containers: unknown[] };
    expect(status.containers.length).toBe(1);
  });

  test("a request above the limit is refused before it is sent, with exit 2 and a hint", async () => {
    const project = { name: "demo", services: { web: { image: "web", labels: { big: "v".repeat(MAX_MESSAGE_BYTES + 1024 * 1024) } } } };
    const err = (await requestSupervisor(socket, "demo", { op: "up", project }).catch((e) => e)) as { message: string; exitCode: number; hint?: string };
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^the up request for project "demo" is 65\.0 MB, more than the 64\.0 MB the supervisor accepts$/);
    expect(err.hint).toBeDefined();
  });

  test("a slow request is kept alive by the supervisor's keepalives", async () => {
    await requestSupervisor(socket, "demo", { op: "up", project: { name: "demo", services: { job: { image: "job" } } } });
    const waiting = requestSupervisor(socket, "demo", { op: "wait", services: ["job"] }, () => {}, { idleTimeoutMs: 300 });
    await Bun.sleep(1000);
    runtime.crash("demo-job-1", 3);
    expect(await waiting).toEqual({ "demo-job-1": 3 });
  });

  test("a peer that accepts and never answers is given up on with a clear error", async () => {
    const mute = join(dir, "mute.sock");
    const listener = Bun.listen({ unix: mute, socket: { data() {} } });
    try {
      const t0 = performance.now();
      const err = (await requestSupervisor(mute, "demo", { op: "status" }, () => {}, { idleTimeoutMs: 300 }).catch((e) => e)) as { message: string; code: string; exitCode: number; hint?: string };
      expect(err.code).toBe("supervisor_timeout");
      expect(err.exitCode).toBe(1);
      expect(err.message).toBe('the supervisor of project "demo" stopped answering (nothing for 0.3 s)');
      expect(err.hint).toContain("kitten down -p demo");
      expect(performance.now() - t0).toBeLessThan(30_000);
    } finally {
      listener.stop(true);
    }
  });

  test("a raw request above the limit is answered with an error, not buffered", async () => {
    const conn = await new Promise<string>((resolve, reject) => {
      let got = "";
      const chunk = new Uint8Array(1024 * 1024).fill(120);
      let left = MAX_MESSAGE_BYTES / chunk.length + 2;
      const pump = (s: { write(d: Uint8Array): number }) => {
        while (left > 0) {
          if (s.write(chunk) < chunk.length) return;
          left--;
        }
      };
      Bun.connect({
        unix: socket,
        socket: { open: pump, drain: pump, data: (_s, d) => void (got += new TextDecoder().decode(d)), close: () => resolve(got), error: (_s, e) => reject(e) },
      }).catch(reject);
    });
    expect(conn).toContain('"code":"request_too_large"');
  });
});
