/**
 * Resource limits and pause through cgroups where the host lets kitten manage them (issue #13).
 *
 * cgroup v1 (this host: hybrid, every controller on v1): a subtree per user in each controller
 * kitten needs — `/sys/fs/cgroup/<memory|cpu|pids|freezer>/kitten/<uid>/` — with one cgroup per
 * project below it and one per container below that. runc, running as root of the project's
 * user namespace, creates the container's cgroup and joins it before the container's process
 * execs (`linux.cgroupsPath`, `linux.resources` in config.json), so the limits hold from the
 * first instruction. Running as root, kitten makes the subtree itself (root of the namespace is
 * the host's root); an unprivileged user needs it made and handed over once by root — the fix
 * `kitten doctor` prints (the same delegation systemd's Delegate= gives on v2).
 *
 * Not enforced (one warning, naming what and the fix): cgroup v2 hosts (TODO(#13): delegation
 * through a systemd scope, as podman does, is not done yet), and v1 without the subtree.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseBytes } from "../compose/units.ts";
import type { ContainerSpec } from "./types.ts";

/** The controllers limits and pause need, and what each gives. */
export const NEEDED = { memory: "memory limit", cpu: "cpus", pids: "pids limit", freezer: "pause" } as const;
export type Controller = keyof typeof NEEDED;

/** podman's default pids limit: a fork bomb in one container cannot take the host's pid space. */
export const DEFAULT_PIDS_LIMIT = 2048;

export interface CgroupSupport {
  usable: boolean;
  /** cgroup path below each controller's mount: `/kitten/<uid>` */
  base: string;
  /** mount point of each needed v1 controller */
  mounts: Partial<Record<Controller, string>>;
  /** why not, and the command (as root) that makes it usable */
  reason?: string;
  fix?: string;
}

export interface CgroupHost {
  mountinfo: string;
  uid: number;
  gid: number;
  exists(path: string): boolean;
  owner(path: string): number | undefined;
}

export const realHost = (): CgroupHost => ({
  mountinfo: readFileSync("/proc/self/mountinfo", "utf8"),
  uid: process.getuid?.() ?? 0,
  gid: process.getgid?.() ?? 0,
  exists: existsSync,
  owner: (p) => {
    try {
      return statSync(p).uid;
    } catch {
      return undefined;
    }
  },
});

/** Mount points of cgroup v1 controllers (`cgroup` mounts, from mountinfo's super options). */
export function v1Mounts(mountinfo: string): Partial<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const [fstype, , superOpts] = line.slice(sep + 3).split(" ");
    if (fstype !== "cgroup") continue;
    const mountPoint = line.slice(0, sep).split(" ")[4]!;
    for (const opt of (superOpts ?? "").split(",")) if (!(opt in out)) out[opt] = mountPoint;
  }
  return out;
}

export function cgroupSupport(host: CgroupHost = realHost()): CgroupSupport {
  const all = v1Mounts(host.mountinfo);
  const mounts: Partial<Record<Controller, string>> = {};
  for (const c of Object.keys(NEEDED) as Controller[]) if (all[c]) mounts[c] = all[c];
  const base = `/kitten/${host.uid}`;
  const missing = (Object.keys(NEEDED) as Controller[]).filter((c) => !mounts[c]);
  if (missing.length === Object.keys(NEEDED).length) {
    return { usable: false, base, mounts, reason: "this host has no cgroup v1 controllers (limits through cgroup v2 are not supported yet)" };
  }
  if (missing.length > 0) return { usable: false, base, mounts, reason: `cgroup v1 controllers ${missing.join(", ")} are not mounted` };
  if (host.uid === 0) return { usable: true, base, mounts };
  // runc makes the container's cgroup in every hierarchy (cpuset, devices, the named and unified
  // ones too) and stops at the first it may not: the whole subtree must be the user's
  const roots = cgroupRoots(host.mountinfo);
  const notOurs = roots.filter((r) => host.owner(join(r, base)) !== host.uid);
  if (notOurs.length > 0) {
    return { usable: false, base, mounts, reason: `cgroup v1 without a subtree handed to this user (${notOurs.map((r) => join(r, base)).join(", ")})`, fix: delegationFix(roots, all.cpuset, host) };
  }
  return { usable: true, base, mounts };
}

/**
 * The commands root runs once to hand a user `kitten/<uid>` in every hierarchy: made, a cpuset
 * one given the host's cpus and memory nodes (a new cpuset is empty, and runc would have to fill
 * its parents, which are root's), and chowned.
 */
export function delegationFix(roots: string[], cpuset: string | undefined, who: { uid: number; gid: number }): string {
  const dirs = roots.map((r) => join(r, "kitten", String(who.uid)));
  const parts = [`mkdir -p ${dirs.join(" ")}`];
  if (cpuset) {
    for (const f of ["cpus", "mems"]) {
      parts.push(`cat ${cpuset}/cpuset.${f} > ${cpuset}/kitten/cpuset.${f}`, `cat ${cpuset}/cpuset.${f} > ${cpuset}/kitten/${who.uid}/cpuset.${f}`);
    }
  }
  parts.push(`chown -R ${who.uid}:${who.gid} ${dirs.join(" ")}`);
  return parts.join(" && ");
}

/** A project's cgroup below the base: its name and a hash of its runtime dir (two KITTEN_ROOTs never share one). */
export function projectCgroup(support: Pick<CgroupSupport, "base">, project: string, runtimeDir: string): string {
  const hash = createHash("sha256").update(runtimeDir).digest("hex").slice(0, 8);
  return `${support.base}/${project}-${hash}`;
}

export interface OciResources {
  memory?: { limit?: number; reservation?: number };
  cpu?: { quota: number; period: number };
  pids?: { limit: number };
}

/**
 * linux.resources of a container: its memory limit (and reservation), cpus as a CFS quota over
 * a 100 ms period (docker's --cpus), its pids limit or the default one (-1: none, as compose).
 */
export function ociResources(r: ContainerSpec["resources"]): OciResources {
  const out: OciResources = {};
  const limit = r?.memory === undefined ? undefined : parseBytes(r.memory);
  const reservation = r?.memoryReservation === undefined ? undefined : parseBytes(r.memoryReservation);
  if (limit || reservation) out.memory = { ...(limit ? { limit } : {}), ...(reservation ? { reservation } : {}) };
  const cpus = r?.cpus === undefined ? undefined : Number(r.cpus);
  if (cpus && cpus > 0) out.cpu = { quota: Math.round(cpus * 100_000), period: 100_000 };
  const pids = r?.pids ?? DEFAULT_PIDS_LIMIT;
  if (pids > 0) out.pids = { limit: pids };
  return out;
}

/** What of a container's resources cannot be enforced here, for the warning; undefined when nothing was asked. */
export function unenforced(r: ContainerSpec["resources"]): string[] {
  const asked: string[] = [];
  if (r?.memory) asked.push(`memory=${r.memory}`);
  if (r?.cpus) asked.push(`cpus=${r.cpus}`);
  if (r?.pids !== undefined && r.pids > 0) asked.push(`pids=${r.pids}`);
  if (r?.memoryReservation) asked.push(`memory reservation=${r.memoryReservation}`);
  return asked;
}

/** Makes the base subtree (root does; for a user it was handed over). */
export function ensureBase(support: CgroupSupport): void {
  for (const mount of Object.values(support.mounts)) mkdirSync(join(mount!, support.base), { recursive: true });
}

/**
 * Removes a project's cgroups in every hierarchy (down), deepest first; a cgroup with processes
 * still in it stays (rmdir refuses it) and is reported.
 */
export function removeProjectCgroups(mountinfo: string, cgroupPath: string): string[] {
  const left: string[] = [];
  for (const root of cgroupRoots(mountinfo)) {
    const dir = join(root, cgroupPath);
    if (!existsSync(dir)) continue;
    const remove = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) remove(join(d, e.name));
      try {
        rmdirSync(d);
      } catch {
        left.push(d);
      }
    };
    remove(dir);
  }
  return left;
}

/** Every cgroup hierarchy's mount point (v1 controllers, named ones like systemd, and cgroup2). */
export function cgroupRoots(mountinfo: string): string[] {
  const out = new Set<string>();
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(" ")[0];
    if (fstype === "cgroup" || fstype === "cgroup2") out.add(line.slice(0, sep).split(" ")[4]!);
  }
  return [...out];
}

/** Reads a file of a container's cgroup (host or namespace: the same paths), or undefined. */
function cgroupFile(mountinfo: string, controller: string, cgroupsPath: string, file: string): string | undefined {
  const mount = v1Mounts(mountinfo)[controller];
  if (!mount) return undefined;
  try {
    return readFileSync(join(mount, cgroupsPath, file), "utf8");
  } catch {
    return undefined;
  }
}

export function isFrozen(mountinfo: string, cgroupsPath: string): boolean {
  const state = cgroupFile(mountinfo, "freezer", cgroupsPath, "freezer.state")?.trim();
  return state === "FROZEN" || state === "FREEZING";
}

/** Whether the kernel's OOM killer killed a process in the cgroup (v1 memory.oom_control, oom_kill). */
export function oomKilled(mountinfo: string, cgroupsPath: string): boolean {
  const text = cgroupFile(mountinfo, "memory", cgroupsPath, "memory.oom_control");
  const n = text ? /^oom_kill (\d+)$/m.exec(text)?.[1] : undefined;
  return n !== undefined && Number(n) > 0;
}

/** Removes a container's (empty) cgroup in every hierarchy. */
export function removeContainerCgroup(mountinfo: string, cgroupsPath: string): void {
  for (const root of cgroupRoots(mountinfo)) {
    try {
      rmdirSync(join(root, cgroupsPath));
    } catch {}
  }
}

let ownMountinfo: string | undefined;
/** This process's mountinfo, read once (cgroup mounts do not move while kitten runs). */
export function mountinfo(): string {
  ownMountinfo ??= readFileSync("/proc/self/mountinfo", "utf8");
  return ownMountinfo;
}
