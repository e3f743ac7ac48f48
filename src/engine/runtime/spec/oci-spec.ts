/**
 * The OCI runtime config (config.json) of one container, built as a pure function of the image
 * config, the container spec and a few host facts. It targets runc running as root of the
 * project's user namespace (rootless-spike.md §4): namespaces pid/ipc/uts/mount (+ network by
 * path), no user namespace entry, no cgroup mount, no linux.resources.
 */
import { posix } from "node:path";
import { InvalidInputError } from "../../../core/errors.ts";
import type { OciImageConfig } from "../../image/types.ts";
import { effectiveCaps } from "./capabilities.ts";
import { mergeEnv, resolveArgs, resolveCwd } from "./process.ts";
import { buildRlimits } from "./rlimits.ts";
import { defaultSeccomp, type OciSeccomp } from "./seccomp.ts";
import { resolveUser } from "./user.ts";

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<"bounding" | "effective" | "permitted", string[]>;
    rlimits: Array<{ type: string; soft: number; hard: number }>;
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: OciSeccomp;
    sysctl?: Record<string, string>;
  };
  annotations?: Record<string, string>;
  hooks?: Partial<Record<"createContainer" | "startContainer" | "poststart" | "poststop", Array<{ path: string; args?: string[]; env?: string[]; timeout?: number }>>>;
}

/** What the builder needs besides the image config: everything already resolved to paths. */
export interface SpecInput {
  name: string;
  /** container-specific inputs (a subset of ContainerSpec) */
  entrypoint?: string[] | null;
  command?: string[] | null;
  env?: Record<string, string>;
  workingDir?: string;
  user?: string;
  hostname?: string;
  tty?: boolean;
  init?: boolean;
  readOnly?: boolean;
  noNewPrivileges?: boolean;
  /** "unconfined": no seccomp filter (`--security-opt seccomp=unconfined`) */
  seccomp?: "default" | "unconfined";
  capAdd?: string[];
  capDrop?: string[];
  ulimits?: Record<string, { soft: number; hard: number }>;
  /** `/run:size=64m,mode=755` entries */
  tmpfs?: string[];
  /** bind mounts with host sources (bind and named volumes alike) */
  binds?: Array<{ source: string; target: string; readOnly?: boolean }>;
  /** merged overlay dir */
  rootfs: string;
  /** files the container's /etc/hosts, /etc/hostname, /etc/resolv.conf are bound from */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  /** network namespace file; undefined shares the project namespace's network */
  netnsPath?: string;
  /** host path of catatonit, bound at /dev/init when init is on */
  initBinary?: string;
  /** texts of the image's /etc/passwd and /etc/group (empty when absent) */
  passwd?: string;
  group?: string;
  /** hard limits of the host, per RLIMIT_* */
  hostHardLimits?: Record<string, number>;
}

/** moby/oci/defaults.go */
export const MASKED_PATHS = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];
export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export const INIT_PATH = "/dev/init";

function defaultMounts(): OciMount[] {
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
  ];
}

/** `/run:size=64m,mode=755` → a tmpfs mount (docker's defaults: noexec, nosuid, nodev). */
export function tmpfsMount(entry: string): OciMount {
  const [dest = "", opts = ""] = entry.split(":", 2);
  if (!dest.startsWith("/")) throw new InvalidInputError(`tmpfs "${entry}": the mount point must be absolute`);
  const extra = opts.split(",").filter(Boolean);
  const base = ["nosuid", "nodev", "noexec"].filter((o) => !extra.includes(o.replace(/^no/, "")));
  return { destination: posix.normalize(dest), type: "tmpfs", source: "tmpfs", options: [...base, ...extra] };
}

export function buildOciSpec(image: OciImageConfig, input: SpecInput): OciSpec {
  const hostname = input.hostname || input.name.slice(0, 63);
  const user = resolveUser(input.user ?? image.User, input.passwd, input.group);
  const tty = input.tty ?? false;
  let args = resolveArgs(image, input.entrypoint, input.command, input.name);
  const caps = effectiveCaps(input.capAdd, input.capDrop);

  const mounts = defaultMounts();
  if (input.init) {
    if (!input.initBinary) throw new InvalidInputError(`container "${input.name}": --init needs catatonit on the host`, { hint: "apt-get install catatonit" });
    mounts.push({ destination: INIT_PATH, type: "bind", source: input.initBinary, options: ["bind", "ro", "nosuid", "nodev"] });
    args = [INIT_PATH, "--", ...args];
  }
  const etcOpts = ["rbind", "rprivate", ...(input.readOnly ? ["ro"] : [])];
  mounts.push(
    { destination: "/etc/resolv.conf", type: "bind", source: input.etcFiles.resolvConf, options: etcOpts },
    { destination: "/etc/hostname", type: "bind", source: input.etcFiles.hostname, options: etcOpts },
    { destination: "/etc/hosts", type: "bind", source: input.etcFiles.hosts, options: etcOpts },
  );
  const userMounts: OciMount[] = [
    ...(input.tmpfs ?? []).map(tmpfsMount),
    ...(input.binds ?? []).map((b) => {
      if (!b.target.startsWith("/")) throw new InvalidInputError(`mount "${b.source}:${b.target}": the container path must be absolute`);
      return { destination: posix.normalize(b.target), type: "bind", source: b.source, options: ["rbind", "rprivate", b.readOnly ? "ro" : "rw"] };
    }),
  ];
  // a user mount replaces a default one at the same place; parents are mounted before children
  const taken = new Set(userMounts.map((m) => m.destination));
  const all = [...mounts.filter((m) => !taken.has(m.destination)), ...sortByDepth(userMounts)];

  const namespaces: Array<{ type: string; path?: string }> = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  if (input.netnsPath) namespaces.push({ type: "network", path: input.netnsPath });

  return {
    ociVersion: "1.0.2-dev",
    process: {
      terminal: tty,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args,
      env: mergeEnv(image.Env, input.env, { hostname, home: user.home, tty }),
      cwd: resolveCwd(image, input.workingDir, input.name),
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: buildRlimits(input.ulimits, input.hostHardLimits),
      noNewPrivileges: input.noNewPrivileges ?? false,
    },
    root: { path: input.rootfs, readonly: input.readOnly ?? false },
    hostname,
    mounts: all,
    linux: {
      namespaces,
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      ...(input.seccomp === "unconfined" ? {} : { seccomp: defaultSeccomp(caps) }),
    },
  };
}

function sortByDepth(mounts: OciMount[]): OciMount[] {
  const depth = (m: OciMount) => m.destination.split("/").filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}

/** /etc/hosts of a container: localhost entries, its own name, then extra_hosts (`host:ip`). */
export function hostsFile(hostname: string, ip: string | undefined, extraHosts: string[] = []): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  lines.push(`${ip ?? "127.0.1.1"}\t${hostname}`);
  for (const entry of extraHosts) {
    const i = entry.lastIndexOf(":") > entry.indexOf(":") && entry.includes("=") ? -1 : entry.indexOf(":");
    const [host, addr] = entry.includes("=") ? entry.split("=", 2) : [entry.slice(0, i), entry.slice(i + 1)];
    if (host && addr) lines.push(`${addr}\t${host}`);
  }
  return `${lines.join("\n")}\n`;
}
