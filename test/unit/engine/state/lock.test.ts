import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireProjectLock, projectLockPath, tryLock, withProjectLock } from "../../../../src/engine/state/lock.ts";
import type { KittenPaths } from "../../../../src/core/paths.ts";

let dir: string;
let paths: KittenPaths;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-lock-"));
  paths = { data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("project lock", () => {
  test("a second holder cannot take a held lock until it is released", () => {
    const path = projectLockPath(paths, "demo");
    const first = tryLock(path)!;
    expect(first).toBeDefined();
    expect(tryLock(path)).toBeUndefined();
    first.release();
    const second = tryLock(path);
    expect(second).toBeDefined();
    second!.release();
  });

  test("locks of different projects are independent", () => {
    const a = tryLock(projectLockPath(paths, "a"))!;
    const b = tryLock(projectLockPath(paths, "b"));
    expect(b).toBeDefined();
    a.release();
    b!.release();
  });

  test("concurrent critical sections of one project never overlap", async () => {
    let inside = 0;
    let overlapped = false;
    const order: number[] = [];
    const section = (i: number) =>
      withProjectLock(paths, "demo", async () => {
        inside++;
        if (inside > 1) overlapped = true;
        await Bun.sleep(5);
        order.push(i);
        inside--;
      }, { pollMs: 1 });
    await Promise.all([1, 2, 3, 4].map(section));
    expect(overlapped).toBe(false);
    expect(order.sort()).toEqual([1, 2, 3, 4]);
  });

  test("down's lock removes its file once the work succeeded, and keeps it when the work failed", async () => {
    const path = projectLockPath(paths, "demo");
    await expect(withProjectLock(paths, "demo", async () => { throw new Error("boom"); }, { removeAfter: true })).rejects.toThrow("boom");
    expect(existsSync(path)).toBe(true);
    await withProjectLock(paths, "demo", async () => {}, { removeAfter: true });
    expect(existsSync(path)).toBe(false);
  });

  test("gives up after the timeout naming the project and the holder's pid", async () => {
    const held = tryLock(projectLockPath(paths, "demo"))!;
    const err = await acquireProjectLock(paths, "demo", { timeoutMs: 20, pollMs: 5 }).catch((e: Error) => e);
    expect((err as Error).message).toBe(`project "demo" is locked by another kitten process (pid ${process.pid})`);
    held.release();
  });

  test("a lock held by a process that died is free again", async () => {
    const path = projectLockPath(paths, "demo");
    const script = `const {dlopen,FFIType}=require("bun:ffi");const fs=require("fs");const l=dlopen("libc.so.6",{flock:{args:[FFIType.i32,FFIType.i32],returns:FFIType.i32}});const fd=fs.openSync(${JSON.stringify(path)},"a+");l.symbols.flock(fd,2);console.log("held");setInterval(()=>{},1000);`;
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
    const reader = child.stdout.getReader();
    await reader.read();
    expect(tryLock(path)).toBeUndefined();
    child.kill("SIGKILL");
    await child.exited;
    const lock = tryLock(path);
    expect(lock).toBeDefined();
    lock!.release();
  });
});
