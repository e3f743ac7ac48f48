/**
 * The per-project lock (STYLE.md §8: one lock per project for mutations), so two concurrent
 * `kitten up` of one project run one after the other and end consistent. It is flock(2) on a
 * file under the runtime dir, called through bun:ffi (Bun has no flock): the kernel drops the
 * lock when its holder dies, so a crashed kitten never leaves a stale lock behind, and no pid
 * liveness guessing is needed.
 */
import { closeSync, openSync, rmSync, writeSync, ftruncateSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../core/errors.ts";
import { flock, LOCK_EX, LOCK_NB, LOCK_UN } from "../../core/flock.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import { systemClock, type Clock } from "../supervisor/clock.ts";
import { checkProjectName } from "../../core/names.ts";

export interface Lock {
  readonly path: string;
  /** unlinks the file (while still holding the lock) when `remove` is set: for a project that is gone */
  release(options?: { remove?: boolean }): void;
}

export function projectLockPath(paths: KittenPaths, project: string): string {
  return join(ensureDir(join(paths.runtime, "locks")), `${checkProjectName(project)}.lock`);
}

/** Takes the lock without waiting; undefined when another process (or open file) holds it. */
export function tryLock(path: string): Lock | undefined {
  const fd = openSync(path, "a+", 0o600);
  if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd);
    return undefined;
  }
  // the holder's pid, for the message another waiter prints
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  let held = true;
  return {
    path,
    release(options) {
      if (!held) return;
      held = false;
      if (options?.remove) rmSync(path, { force: true });
      flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}

export interface LockOptions {
  /** give up after this long (default 5 minutes: an `up` can take a while) */
  timeoutMs?: number;
  pollMs?: number;
  clock?: Clock;
  /** called once when the lock is busy and we start waiting */
  onWait?: (holderPid: string) => void;
  signal?: AbortSignal;
}

export async function acquireProjectLock(paths: KittenPaths, project: string, o: LockOptions = {}): Promise<Lock> {
  const path = projectLockPath(paths, project);
  const clock = o.clock ?? systemClock;
  const deadline = clock.now() + (o.timeoutMs ?? 300_000);
  let told = false;
  for (;;) {
    const lock = tryLock(path);
    if (lock) return lock;
    const holder = (await Bun.file(path).text().catch(() => "")).trim() || "unknown";
    if (!told) {
      told = true;
      o.onWait?.(holder);
    }
    if (clock.now() >= deadline) {
      throw new RuntimeFailure(`project "${project}" is locked by another kitten process (pid ${holder})`, {
        code: "project_locked",
        hint: "wait for that command to finish, or stop it",
      });
    }
    await clock.sleep(o.pollMs ?? 50, o.signal);
  }
}

/**
 * Runs fn while holding the project's lock. With `removeAfter` (down) the lock file goes too once
 * fn succeeded, so a project that is down leaves no runtime file; a command that was waiting on
 * the old file then takes a lock nobody else holds, which only matters if two commands race a
 * down — they would have run one after the other anyway.
 */
export async function withProjectLock<T>(
  paths: KittenPaths,
  project: string,
  fn: () => Promise<T>,
  o: LockOptions & { removeAfter?: boolean } = {},
): Promise<T> {
  const lock = await acquireProjectLock(paths, project, o);
  let ok = false;
  try {
    const result = await fn();
    ok = true;
    return result;
  } finally {
    lock.release({ remove: ok && o.removeAfter === true });
  }
}
