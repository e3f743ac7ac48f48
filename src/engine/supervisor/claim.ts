/**
 * Who applies a project's restart policies right now: whoever holds the supervisor lock
 * (`<runtime>/sup/<project>.lock`, flock). A supervisor holds it for its whole life; when none
 * runs, conmon's exit command (`kitten __exited`, ./exit-policy.ts) takes it for the moment of
 * one decision. The holder writes who it is into the file, so a waiter knows whether to wait (an
 * exit command holds it for milliseconds) or to leave things to the supervisor that holds it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tryFileLock, type HeldLock } from "../../core/file-lock.ts";
import type { Clock } from "./clock.ts";
import { isAlive } from "../../net/namespace/proc.ts";

export type Claimant = "supervisor" | "exit";

/** "supervisor" when the file names a live supervisor (a stale name of a killed one does not count). */
function holder(lockPath: string): string {
  try {
    const [who, pid] = readFileSync(lockPath, "utf8").trim().split(" ");
    return who === "supervisor" && !isAlive(Number(pid)) ? "" : (who ?? "");
  } catch {
    return "";
  }
}

/**
 * The lock, or undefined when a supervisor holds it (it handles things) or it stayed busy for
 * timeoutMs.
 */
export async function claimSupervision(lockPath: string, who: Claimant, clock: Clock, timeoutMs = 10_000): Promise<HeldLock | undefined> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const lock = tryFileLock(lockPath);
    if (lock) {
      writeFileSync(lockPath, `${who} ${process.pid}\n`);
      return lock;
    }
    if (holder(lockPath) === "supervisor") return undefined;
    if (clock.now() > deadline) return undefined;
    await clock.sleep(20);
  }
}

/** Whether a supervisor holds the lock right now (starting or serving). */
export function supervisorRuns(lockPath: string): boolean {
  // no lock file, no supervisor (and asking makes none: doctor and ps change nothing)
  if (!existsSync(lockPath)) return false;
  const lock = tryFileLock(lockPath);
  if (lock) {
    lock.release();
    return false;
  }
  return holder(lockPath) === "supervisor";
}

/** Whether something accepts connections on the unix socket (a live supervisor): connect, then close. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    Bun.connect({
      unix: path,
      socket: {
        open: (s) => {
          s.end();
          done(true);
        },
        data: () => {},
        connectError: () => done(false),
        error: () => done(false),
      },
    }).catch(() => done(false));
  });
}
