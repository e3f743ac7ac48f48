import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withStoreLock } from "../../../../src/engine/image/store-lock.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("image store lock", () => {
  test("lets shared holders in together and makes the exclusive one wait for them all", async () => {
    dir = mkdtempSync(join(tmpdir(), "kitten-lock-"));
    const lock = join(dir, "images/lock");
    const log: string[] = [];
    const releaseA = deferred();
    const releaseB = deferred();
    const a = withStoreLock(lock, "shared", async () => {
      log.push("a in");
      await releaseA.promise;
      log.push("a out");
    });
    const b = withStoreLock(lock, "shared", async () => {
      log.push("b in");
      await releaseB.promise;
      log.push("b out");
    });
    await Bun.sleep(20);
    const gc = withStoreLock(lock, "exclusive", async () => {
      log.push("gc");
    });
    await Bun.sleep(50);
    expect(log).toEqual(["a in", "b in"]);
    releaseA.resolve();
    await a;
    await Bun.sleep(50);
    expect(log).toEqual(["a in", "b in", "a out"]);
    releaseB.resolve();
    await Promise.all([b, gc]);
    expect(log).toEqual(["a in", "b in", "a out", "b out", "gc"]);
  });

  test("releases the lock when the function throws", async () => {
    dir = mkdtempSync(join(tmpdir(), "kitten-lock-"));
    const lock = join(dir, "lock");
    await expect(withStoreLock(lock, "exclusive", async () => {
      throw new Error("boom");
    })).rejects.toThrow("boom");
    expect(await withStoreLock(lock, "exclusive", async () => "again")).toBe("again");
  });
});
