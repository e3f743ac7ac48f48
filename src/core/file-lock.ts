/**
 * Exclusive flock(2) locks on files, for the short critical sections of kitten's helpers
 * (starting the agent, restarting slirp4netns, a restart decision of conmon's exit command).
 * The kernel drops a flock when its holder dies, so a process killed with -9 never leaves a
 * stale lock behind (the property the project lock in engine/state/lock.ts relies on too).
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { flock, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from "./flock.ts";

export interface HeldLock {
  release(): void;
}

/**
 * Takes the lock at once, or returns undefined when another open file description holds it.
 * `shared`: one of many holders (LOCK_SH), which an exclusive taker waits out.
 */
export function tryFileLock(path: string, shared = false): HeldLock | undefined {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "a", 0o600);
  if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) !== 0) {
    closeSync(fd);
    return undefined;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}

/** Waits for the lock (polling: flock without LOCK_NB would block Bun's only thread). */
export async function fileLock(path: string, timeoutMs: number, pollMs = 10, shared = false): Promise<HeldLock | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const lock = tryFileLock(path, shared);
    if (lock) return lock;
    if (performance.now() > deadline) return undefined;
    await Bun.sleep(pollMs);
  }
}
