/**
 * Who applies a project's restart policies right now: whoever holds the supervisor lock
 * (`<runtime>/sup/<project>.lock`, flock). A supervisor holds it for its whole life; when none
 * runs, conmon's exit command (`kitten __exited`, ./exit-policy.ts) takes it for the moment of
 * one decision. Both wait a little for the other: an exit command holds it only briefly, and a
 * supervisor that answers on its socket is the one to leave things to.
 */
import { tryFileLock, type HeldLock } from "../../core/file-lock.ts";
import type { Clock } from "./clock.ts";

/**
 * The lock, or undefined when a running supervisor answers (it handles things) or it stayed
 * busy for timeoutMs. `answers` asks the supervisor's socket.
 */
export async function claimSupervision(lockPath: string, answers: () => Promise<boolean>, clock: Clock, timeoutMs = 10_000): Promise<HeldLock | undefined> {
  const deadline = clock.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const lock = tryFileLock(lockPath);
    if (lock) return lock;
    // every few rounds: a busy lock held by a serving supervisor will stay busy
    if (round % 5 === 0 && (await answers())) return undefined;
    if (clock.now() > deadline) return undefined;
    await clock.sleep(20);
  }
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
