/** rlimits: compose `ulimits` names → RLIMIT_*, clamped to the host's hard limits (a rootless
 * process cannot raise a hard limit, and runc fails the whole start when one is too high). */
import { InvalidInputError } from "../../../core/errors.ts";

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

/** /proc/self/limits row names → RLIMIT_* */
const PROC_NAMES: Record<string, string> = {
  "Max cpu time": "RLIMIT_CPU",
  "Max file size": "RLIMIT_FSIZE",
  "Max data size": "RLIMIT_DATA",
  "Max stack size": "RLIMIT_STACK",
  "Max core file size": "RLIMIT_CORE",
  "Max resident set": "RLIMIT_RSS",
  "Max processes": "RLIMIT_NPROC",
  "Max open files": "RLIMIT_NOFILE",
  "Max locked memory": "RLIMIT_MEMLOCK",
  "Max address space": "RLIMIT_AS",
  "Max file locks": "RLIMIT_LOCKS",
  "Max pending signals": "RLIMIT_SIGPENDING",
  "Max msgqueue size": "RLIMIT_MSGQUEUE",
  "Max nice priority": "RLIMIT_NICE",
  "Max realtime priority": "RLIMIT_RTPRIO",
  "Max realtime timeout": "RLIMIT_RTTIME",
};

/** Unlimited is reported as this value (2^64-1 does not fit a JS number exactly; runc takes uint64). */
export const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** Hard limits per RLIMIT_* from the text of /proc/self/limits. */
export function parseProcLimits(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n").slice(1)) {
    const name = Object.keys(PROC_NAMES).find((n) => line.startsWith(n));
    if (!name) continue;
    const cols = line.slice(name.length).trim().split(/\s+/);
    const hard = cols[1];
    if (hard === undefined) continue;
    out[PROC_NAMES[name]!] = hard === "unlimited" ? UNLIMITED : Number(hard);
  }
  return out;
}

export function rlimitType(name: string): string {
  const type = `RLIMIT_${name.replace(/^rlimit_/i, "").toUpperCase()}`;
  if (!Object.values(PROC_NAMES).includes(type)) throw new InvalidInputError(`unknown ulimit "${name}"`);
  return type;
}

/** The container's rlimits: docker's nofile default (1048576) plus the requested ones, clamped. */
export function buildRlimits(ulimits: Record<string, { soft: number; hard: number }> = {}, hostHard: Record<string, number> = {}): Rlimit[] {
  const wanted = new Map<string, { soft: number; hard: number }>([["RLIMIT_NOFILE", { soft: 1048576, hard: 1048576 }]]);
  for (const [name, v] of Object.entries(ulimits)) wanted.set(rlimitType(name), v);
  return [...wanted].map(([type, v]) => {
    const max = hostHard[type] ?? UNLIMITED;
    const hard = Math.min(v.hard < 0 ? UNLIMITED : v.hard, max);
    const soft = Math.min(v.soft < 0 ? UNLIMITED : v.soft, hard);
    return { type, soft, hard };
  });
}
