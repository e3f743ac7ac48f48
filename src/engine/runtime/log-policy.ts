/**
 * How much of a container's output is kept (issue #13: a chatty container must not fill the
 * disk). Docker's file drivers, as their documentation gives them: `local` keeps 5 files of
 * 20 MB by default; `json-file` keeps one file of unlimited size unless max-size is set (then
 * max-file defaults to 1). kitten caps json-file and k8s-file the way `local` does when no
 * max-size is given — an unbounded log is what filled 23 GB in 30 s — and honours max-size /
 * max-file as written.
 *
 * Kept as: `ctr.log` (written by conmon) and `ctr.log.1` … `ctr.log.<maxFile-1>` (older first
 * shifted out). The supervisor rotates at maxSize (log-rotation.ts); conmon's own
 * --log-size-max, above that, is the bound that holds when no supervisor runs (it truncates).
 */
import type { ContainerSpec } from "./types.ts";

export const DEFAULT_MAX_SIZE = 20 * 1024 * 1024;
export const DEFAULT_MAX_FILE = 5;

export interface LogPolicy {
  /** "none": nothing kept */
  keep: boolean;
  maxSize: number;
  maxFile: number;
}

export function logPolicy(logging: ContainerSpec["logging"]): LogPolicy {
  if (logging?.driver === "none") return { keep: false, maxSize: 0, maxFile: 0 };
  if (logging?.maxSize === undefined) return { keep: true, maxSize: DEFAULT_MAX_SIZE, maxFile: logging?.maxFile ?? DEFAULT_MAX_FILE };
  // docker's json-file: max-file defaults to 1 once max-size is set; local's to 5
  const maxFile = logging.maxFile ?? (logging.driver === "local" ? DEFAULT_MAX_FILE : 1);
  return { keep: true, maxSize: logging.maxSize, maxFile };
}

/**
 * conmon's --log-size-max: the hard cap of the current file when nobody rotates it (conmon then
 * truncates it). Well above max-size, so the supervisor's rotation (every 250 ms) gets there
 * first even for a container writing megabytes a second: conmon's truncation loses what the file
 * held, a rotation keeps it.
 */
export function monitorSizeCap(p: LogPolicy): number | undefined {
  return p.keep ? p.maxSize + Math.max(p.maxSize, 4 * 1024 * 1024) : undefined;
}

/** conmon's log settings for a container: the agent's create request `log` field. */
export function monitorLogSettings(logging: ContainerSpec["logging"]): { keep: boolean; sizeMax?: number } {
  const policy = logPolicy(logging);
  const cap = monitorSizeCap(policy);
  return { keep: policy.keep, ...(cap ? { sizeMax: cap } : {}) };
}

/** The log files of a container, oldest first: `ctr.log.<n>` … `ctr.log.1`, `ctr.log`. */
export function logFiles(logPath: string, maxFile: number): string[] {
  const out: string[] = [];
  for (let i = Math.max(0, maxFile - 1); i >= 1; i--) out.push(`${logPath}.${i}`);
  out.push(logPath);
  return out;
}
