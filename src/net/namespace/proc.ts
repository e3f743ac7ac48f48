/**
 * Process liveness as the kernel sees it. `kill -0` is not enough on this kind of host: PID 1
 * reaps orphans late, so a dead daemon stays a zombie for seconds (rootless-spike.md §0); a
 * process counts as alive only while /proc/<pid>/stat exists and its state is not Z or X.
 */
import { readdirSync, readFileSync } from "node:fs";

/** The fields of /proc/<pid>/stat from field 3 (state) on, or undefined when there is no such process. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name is in parentheses and may contain spaces: the state follows the last ')'
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

export function processState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** The process's start time in clock ticks after boot (field 22): with the pid, it names one process. */
export function processStartTime(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[22 - 3]) : undefined;
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  const state = processState(pid);
  return state !== undefined && state !== "Z" && state !== "X";
}

/**
 * Whether pid still names the process that had start time `start` (ticks since boot): a pid
 * alone may have been reused since it was recorded. Without a recorded start, liveness only.
 */
export function sameProcess(pid: number | undefined, start: number | undefined): boolean {
  if (!isAlive(pid)) return false;
  return start === undefined || processStartTime(pid!) === start;
}

/** The pids of pid's children, of every thread (a Go program such as rootlesskit forks from any). */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => {
      try {
        return readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(" ").filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** The command name (comm) of pid, or undefined. */
export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or times out. */
export async function waitUntil<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs = 2): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) return undefined;
    await Bun.sleep(intervalMs);
  }
}

/** Sends a signal, ignoring "no such process". */
export function signalProcess(pid: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
