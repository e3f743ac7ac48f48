/**
 * One lock for the image store, flock(2) on images/lock through bun:ffi (Bun has no flock):
 * pulls, loads and imports hold it shared — any number run at once, their safety comes from
 * verified renames and transactions (store.ts) — and garbage collection holds it exclusive, so
 * `image prune` or `rmi` never deletes a blob or layer that a running pull has put in place but
 * not yet recorded. The kernel drops the lock when its holder dies.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { flock, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from "../../core/flock.ts";

export type LockMode = "shared" | "exclusive";

/** Runs `fn` holding the lock at `path` in `mode`, waiting (without blocking the event loop) for it. */
export async function withStoreLock<T>(path: string, mode: LockMode, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const fd = openSync(path, "a+", 0o644);
  try {
    const op = (mode === "shared" ? LOCK_SH : LOCK_EX) | LOCK_NB;
    for (let wait = 5; flock(fd, op) !== 0; wait = Math.min(wait * 2, 100)) await Bun.sleep(wait);
    try {
      return await fn();
    } finally {
      flock(fd, LOCK_UN);
    }
  } finally {
    closeSync(fd);
  }
}
