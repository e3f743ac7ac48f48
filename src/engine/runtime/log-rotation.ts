/**
 * Rotating a container's log (issue #13) the way docker's file drivers keep max-file files of
 * max-size bytes, with the conmon we have (2.1.6: its only own bound, --log-size-max, truncates
 * the file to nothing). When `ctr.log` reached max-size: `ctr.log.<n-1>` → `ctr.log.<n>` … and
 * `ctr.log` → `ctr.log.1` are renamed, then conmon is asked to reopen its log through its control
 * fifo (`<bundle>/ctl`, message "2 0 0": REOPEN_LOGS_EVENT in conmon's src/ctrl.c), and starts a
 * new `ctr.log`. What it writes between the rename and the reopen lands in `ctr.log.1` (the same
 * file, renamed): nothing is lost. Readers follow it (log-reader.ts).
 *
 * Run by the supervisor every 250 ms; without one, conmon's --log-size-max (max-size plus at least
 * 4 MiB, log-policy.ts) keeps the file bounded by starting it over. A writer faster than that cap
 * per 250 ms (`yes`) reaches the cap between two rotations: what it wrote since the last one is
 * then dropped by conmon, and a rotated file can be smaller than max-size. The bound holds.
 */
import { closeSync, constants, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { LogPolicy } from "./log-policy.ts";

/** conmon's REOPEN_LOGS_EVENT on its terminal control fifo */
const REOPEN = "2 0 0\n";

/** Rotates when the log reached maxSize; true when it did. */
export function rotateIfFull(logPath: string, bundleDir: string, policy: LogPolicy): boolean {
  if (!policy.keep) return false;
  let size: number;
  try {
    size = statSync(logPath).size;
  } catch {
    return false;
  }
  if (size < policy.maxSize) return false;
  if (policy.maxFile <= 1) {
    // docker's max-file 1: the full file goes (conmon writes on into it until it reopens)
    rmSync(logPath, { force: true });
  } else {
    rmSync(`${logPath}.${policy.maxFile - 1}`, { force: true });
    for (let i = policy.maxFile - 2; i >= 1; i--) {
      try {
        renameSync(`${logPath}.${i}`, `${logPath}.${i + 1}`);
      } catch {}
    }
    renameSync(logPath, `${logPath}.1`);
  }
  askReopen(bundleDir);
  return true;
}

/** Asks the container's conmon to reopen its log file; false when no conmon listens (it is gone). */
export function askReopen(bundleDir: string): boolean {
  let fd: number;
  try {
    // non-blocking: a fifo nobody reads (conmon gone) fails with ENXIO instead of hanging
    fd = openSync(join(bundleDir, "ctl"), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    writeSync(fd, REOPEN);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
