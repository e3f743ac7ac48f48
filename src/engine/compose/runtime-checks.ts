/**
 * What runc or the kernel would refuse, refused when the project is loaded (issue #14): a value
 * that passes `config` must not fail at `up` with a raw runc error after a namespace was made.
 * Every check is pure and names the service key, so `config` reports it with file:line and a
 * hint. The limits are the kernel's and runc's, each cited where it is checked:
 * - ids: a rootless container's uid/gid must be mapped: 0 and the user's subordinate range
 *   (uid_map written by newuidmap); otherwise the kernel's limit, 2^32-2 (-1 is "no id")
 * - hostname: sethostname(2) takes at most HOST_NAME_MAX = 64 bytes
 * - tmpfs: the options mount(8)/tmpfs(5) and runc know, with values they parse
 * - ulimits: setrlimit(2) refuses a soft limit above the hard one (EINVAL)
 * - environment and arguments: execve(2) refuses one string above MAX_ARG_STRLEN (32 pages,
 *   128 KiB) and all of them above ARG_MAX (a quarter of the 8 MiB default stack: 2 MiB)
 * - working_dir: the OCI runtime spec requires an absolute cwd
 * - mounts: a mount on "/" replaces the rootfs (docker: "destination can't be '/'")
 */
import { isIP } from "node:net";
import { constants } from "node:os";
import { posix } from "node:path";
import type { Project, Service } from "./model.ts";
import { parseBytes } from "./units.ts";

export type Fail = (service: string, path: (string | number)[], message: string, hint?: string) => never;

export interface HostIds {
  /** the largest uid/gid the project's user namespace maps (0 = the user, 1..count = subuids) */
  maxUid: number;
  maxGid: number;
  /** where the limit comes from, for the hint */
  source: string;
}

/** the kernel's largest id: (uid_t)-1 means "no id" */
export const KERNEL_MAX_ID = 4294967294;
/** sethostname(2): HOST_NAME_MAX */
export const HOST_NAME_MAX = 64;
/** execve(2): MAX_ARG_STRLEN, one argument or environment string with its NUL */
export const MAX_ARG_STRLEN = 32 * 4096;
/** execve(2): ARG_MAX with the default 8 MiB stack (a quarter of it) */
export const ARG_MAX = 2 * 1024 * 1024;

const ULIMIT_NAMES = new Set(["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack", "as"]);

/** tmpfs(5) and mount(8) options runc passes through for a tmpfs; value options below */
const TMPFS_FLAGS = new Set([
  "ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "sync", "async", "atime", "noatime", "relatime", "norelatime",
  "strictatime", "nostrictatime", "diratime", "nodiratime", "mand", "nomand", "dirsync", "tmpcopyup", "notmpcopyup",
]);
const TMPFS_VALUES: Record<string, (v: string, ids: HostIds) => string | undefined> = {
  size: (v) => (/^\d+%$/.test(v) || parseBytes(v) !== undefined ? undefined : `size "${v}" is not a size (bytes, 64k, 64m, 1g or a percentage)`),
  nr_blocks: (v) => (/^\d+[kmg]?$/i.test(v) ? undefined : `nr_blocks "${v}" is not a number`),
  nr_inodes: (v) => (/^\d+[kmg]?$/i.test(v) ? undefined : `nr_inodes "${v}" is not a number`),
  mode: (v) => (/^[0-7]{1,4}$/.test(v) ? undefined : `mode "${v}" is not an octal mode like 1777`),
  uid: (v, ids) => (/^\d+$/.test(v) && Number(v) <= ids.maxUid ? undefined : `uid "${v}" is not a uid the container has (0-${ids.maxUid})`),
  gid: (v, ids) => (/^\d+$/.test(v) && Number(v) <= ids.maxGid ? undefined : `gid "${v}" is not a gid the container has (0-${ids.maxGid})`),
  mpol: (v) => (/^(default|prefer|bind|interleave|local)(:[\d,-]+)?$/.test(v) ? undefined : `mpol "${v}" is not a memory policy`),
  huge: (v) => (/^(never|always|within_size|advise)$/.test(v) ? undefined : `huge "${v}" is not never, always, within_size or advise`),
};

const HOSTNAME_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** Why a tmpfs entry (`/run:size=64m,mode=1777`) would be refused, or undefined. */
export function tmpfsProblem(entry: string, ids: HostIds): string | undefined {
  const colon = entry.indexOf(":");
  const target = colon < 0 ? entry : entry.slice(0, colon);
  const targetProblem = mountTargetProblem(target);
  if (targetProblem) return targetProblem;
  if (colon < 0) return undefined;
  for (const opt of entry.slice(colon + 1).split(",")) {
    if (opt === "") return "an option is empty (two commas?)";
    const eq = opt.indexOf("=");
    const key = eq < 0 ? opt : opt.slice(0, eq);
    if (eq < 0) {
      if (!TMPFS_FLAGS.has(key)) return `unknown tmpfs option "${key}"`;
      continue;
    }
    const check = TMPFS_VALUES[key];
    if (!check) return `unknown tmpfs option "${key}"`;
    const problem = check(opt.slice(eq + 1), ids);
    if (problem) return problem;
  }
  return undefined;
}

/** Why a path in the container cannot be a mount point, or undefined. */
export function mountTargetProblem(target: string): string | undefined {
  if (target.includes("\0")) return "the container path has a NUL byte";
  if (!target.startsWith("/")) return `the container path "${target}" must be absolute`;
  if (target.split("/").includes("..")) return `the container path "${target}" must not contain ".."`;
  if (posix.normalize(target) === "/") return 'a mount on "/" would replace the container\'s root filesystem';
  return undefined;
}

/** Why `user: uid[:gid]` would be refused by the kernel's id map, or undefined (names resolve at up). */
export function userProblem(user: string, ids: HostIds): string | undefined {
  const parts = user.split(":");
  if (parts.length > 2 || parts.some((p) => p === "")) return `"${user}" is not user, user:group, uid or uid:gid`;
  if (/[\s\0/]/.test(user)) return `"${user}" has spaces, slashes or control characters`;
  const [u, g] = parts as [string, string | undefined];
  if (/^\d+$/.test(u) && Number(u) > ids.maxUid) return `uid ${u} is not mapped in the container's user namespace (0-${ids.maxUid})`;
  if (g !== undefined && /^\d+$/.test(g) && Number(g) > ids.maxGid) return `gid ${g} is not mapped in the container's user namespace (0-${ids.maxGid})`;
  return undefined;
}

export function hostnameProblem(hostname: string): string | undefined {
  if (Buffer.byteLength(hostname) > HOST_NAME_MAX) return `hostname is ${Buffer.byteLength(hostname)} bytes, more than the kernel's ${HOST_NAME_MAX}`;
  if (!HOSTNAME_RE.test(hostname)) return `hostname "${hostname}" has characters a host name cannot have`;
  return undefined;
}

/** `host:ip` as the loader stores extra_hosts (ip may be IPv6 or docker's host-gateway). */
export function extraHostProblem(entry: string): string | undefined {
  const colon = entry.indexOf(":");
  const host = entry.slice(0, colon);
  const ip = entry.slice(colon + 1).replace(/^\[(.*)\]$/, "$1");
  if (!HOSTNAME_RE.test(host) || Buffer.byteLength(host) > 253) return `"${host}" is not a host name`;
  if (ip !== "host-gateway" && isIP(ip) === 0) return `"${ip}" is not an IP address (or host-gateway)`;
  return undefined;
}

export function ulimitProblem(name: string, soft: number, hard: number): string | undefined {
  if (!ULIMIT_NAMES.has(name)) return `unknown ulimit "${name}"`;
  for (const [what, v] of [["soft", soft], ["hard", hard]] as const) {
    if (v < -1 || !Number.isSafeInteger(v)) return `the ${what} limit ${v} is out of range (-1 for unlimited, or 0 to ${Number.MAX_SAFE_INTEGER})`;
  }
  if (hard !== -1 && (soft === -1 || soft > hard)) return `the soft limit ${soft === -1 ? "unlimited" : soft} is above the hard limit ${hard}`;
  return undefined;
}

const SIGNAL_NAMES = new Set(Object.keys(constants.signals).map((s) => s.replace(/^SIG/, "")));

export function signalProblem(signal: string): string | undefined {
  if (/^\d+$/.test(signal)) return Number(signal) >= 1 && Number(signal) <= 64 ? undefined : `signal ${signal} is not between 1 and 64`;
  const name = signal.toUpperCase().replace(/^SIG/, "");
  if (SIGNAL_NAMES.has(name) || /^RTM(IN|AX)([+-]\d{1,2})?$/.test(name)) return undefined;
  return `"${signal}" is not a signal`;
}

/** Strings execve(2) would refuse: one above MAX_ARG_STRLEN, or all of them above ARG_MAX. */
export function execProblems(service: Pick<Service, "environment" | "command" | "entrypoint">): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  let total = 0;
  for (const [k, v] of Object.entries(service.environment)) {
    if (k.includes("=") || k.includes("\0")) out.push({ path: ["environment", k], message: `environment variable name "${k}" has "=" or a NUL byte` });
    if (v === null) continue;
    const bytes = Buffer.byteLength(k) + 1 + Buffer.byteLength(v) + 1;
    total += bytes;
    if (v.includes("\0")) out.push({ path: ["environment", k], message: `the value of ${k} has a NUL byte` });
    if (bytes > MAX_ARG_STRLEN) out.push({ path: ["environment", k], message: `the value of ${k} is ${bytes} bytes, more than the kernel's ${MAX_ARG_STRLEN} for one variable` });
  }
  for (const key of ["command", "entrypoint"] as const) {
    (service[key] ?? []).forEach((arg, i) => {
      const bytes = Buffer.byteLength(arg) + 1;
      total += bytes;
      if (arg.includes("\0")) out.push({ path: [key, i], message: `${key} argument ${i} has a NUL byte` });
      if (bytes > MAX_ARG_STRLEN) out.push({ path: [key, i], message: `${key} argument ${i} is ${bytes} bytes, more than the kernel's ${MAX_ARG_STRLEN} for one argument` });
    });
  }
  if (out.length === 0 && total > ARG_MAX) out.push({ path: ["environment"], message: `the environment and command are ${total} bytes together, more than the kernel's ${ARG_MAX}` });
  return out;
}

/** Runs every check on every service; the first problem fails through `fail` with its key. */
export function checkRuntimeLimits(project: Project, fail: Fail, ids: HostIds): void {
  for (const [name, s] of Object.entries(project.services)) {
    const where = `service "${name}"`;
    if (s.user !== undefined) {
      const p = userProblem(s.user, ids);
      if (p) fail(name, ["user"], `${where}: user ${p}`, `use a uid between 0 and ${ids.maxUid} (${ids.source}), or a user name from the image`);
    }
    if (s.hostname !== undefined) {
      const p = hostnameProblem(s.hostname);
      if (p) fail(name, ["hostname"], `${where}: ${p}`, `use letters, digits, '.', '-' and '_', at most ${HOST_NAME_MAX} bytes`);
    }
    if (s.working_dir !== undefined && !s.working_dir.startsWith("/")) {
      fail(name, ["working_dir"], `${where}: working_dir "${s.working_dir}" must be an absolute path`, 'the OCI runtime needs an absolute directory, e.g. "/app"');
    }
    (s.tmpfs ?? []).forEach((t, i) => {
      const p = tmpfsProblem(t, ids);
      if (p) fail(name, ["tmpfs", i], `${where}: tmpfs "${t}": ${p}`, "write /path[:option,...] with options like size=64m, mode=1777, uid=1000, noexec");
    });
    (s.volumes ?? []).forEach((v, i) => {
      const p = mountTargetProblem(v.target);
      if (p) fail(name, ["volumes", i], `${where}: volume ${v.source ?? v.type} on ${v.target}: ${p}`, "mount on a directory of the container, e.g. /data");
      if (v.type === "bind" && v.source !== undefined && (v.source.includes("\0") || !v.source.startsWith("/"))) {
        fail(name, ["volumes", i], `${where}: bind source "${v.source}" must be an absolute host path without NUL bytes`, "use ./dir (relative to the project directory) or /abs/dir");
      }
    });
    (s.extra_hosts ?? []).forEach((h, i) => {
      const p = extraHostProblem(h);
      if (p) fail(name, ["extra_hosts", i], `${where}: extra host "${h}": ${p}`, 'write "hostname:ip" or "hostname=ip", e.g. "db.local:10.0.0.5"');
    });
    for (const [u, { soft, hard }] of Object.entries(s.ulimits ?? {})) {
      const p = ulimitProblem(u, soft, hard);
      if (p) fail(name, ["ulimits", u], `${where}: ulimit ${u}: ${p}`, "ulimits are nofile, nproc, core, memlock, stack, ... with soft <= hard; -1 means unlimited");
    }
    if (s.stop_signal !== undefined) {
      const p = signalProblem(s.stop_signal);
      if (p) fail(name, ["stop_signal"], `${where}: stop_signal ${p}`, "use a signal name like SIGTERM, SIGINT, SIGQUIT or a number from 1 to 64");
    }
    // docker refuses a memory limit below 6 MiB ("Minimum memory limit allowed is 6MB")
    for (const [mem, path] of [
      [s.deploy?.resources?.limits?.memory, ["deploy", "resources", "limits", "memory"]],
      [s.mem_limit, ["mem_limit"]],
    ] as const) {
      if (mem !== undefined && Number(mem) > 0 && Number(mem) < 6 * 1024 * 1024) {
        fail(name, [...path], `${where}: memory limit ${mem} bytes is below the 6 MiB a container needs`, 'use at least "6m"');
      }
    }
    for (const p of execProblems(s)) fail(name, p.path, `${where}: ${p.message}`, "pass large data in a file (a volume, a config) instead of the environment or the command line");
  }
}
