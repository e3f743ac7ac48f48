/**
 * The host facts spec/extras.ts needs for one container, found before it is created (so a
 * refused container leaves nothing behind): the device nodes it may have, the namespaces and
 * /dev/shm of a container it joins, the mounts of containers it takes volumes from, and the
 * secret and config files the agent copies in.
 */
import { accessSync, constants, lstatSync, readdirSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { currentUser } from "../../core/user.ts";
import { secretFilePath } from "./secret-files.ts";
import type { Bind, ExtrasInput } from "./spec/extras.ts";
import type { ContainerRecord } from "./store.ts";
import type { ContainerSpec } from "./types.ts";

/** Devices every container has already (runc binds them rootless): privileged does not add them again. */
const DEFAULT_DEVICES = new Set(["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/console", "/dev/ptmx"]);
/** kernel-managed dirs of /dev that are not device nodes a container could use */
const SKIP_DIRS = new Set(["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/hugepages", "/dev/fd", "/dev/disk", "/dev/block", "/dev/char"]);

export interface HostExtras {
  extras: Omit<ExtrasInput, "name" | "group">;
  files: Array<{ source: string; dest: string; uid: number; gid: number; mode: number }>;
  shm?: { path: string; size: number };
  /** volumes mounted through volumes_from */
  volumes: string[];
}

export interface HostContext {
  paths: KittenPaths;
  /** the new container's dir */
  dir: string;
  find(name: string): ContainerRecord | undefined;
  /** init pid of a running container, inside the namespace's pid namespace */
  runningPid(rec: ContainerRecord): Promise<number | undefined>;
}

function canOpen(path: string, write: boolean): boolean {
  try {
    accessSync(path, constants.R_OK | (write ? constants.W_OK : 0));
    return true;
  } catch {
    return false;
  }
}

/** The host's device nodes (to two levels) the caller may read and write: what privileged binds in. */
export function hostDevices(root = "/dev", depth = 2): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const p = posix.join(root, n);
    if (SKIP_DIRS.has(p) || DEFAULT_DEVICES.has(p)) continue;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory() && depth > 1) out.push(...hostDevices(p, depth - 1));
    else if ((st.isCharacterDevice() || st.isBlockDevice()) && canOpen(p, true)) out.push(p);
  }
  return out;
}

/** `devices:` entries checked against the host: they must exist and be open to the caller. */
export function deviceBinds(name: string, devices: NonNullable<ContainerSpec["devices"]>): Bind[] {
  return devices.map((d) => {
    let st;
    try {
      st = statSync(d.source);
    } catch {
      throw new InvalidInputError(`container "${name}": device ${d.source} does not exist on this host`, { code: "bad_device", hint: "remove it from devices:, or plug it in" });
    }
    if (!st.isCharacterDevice() && !st.isBlockDevice() && !st.isDirectory()) {
      throw new InvalidInputError(`container "${name}": ${d.source} is not a device`, { code: "bad_device", hint: "devices: takes device nodes such as /dev/ttyUSB0 (bind other files with volumes:)" });
    }
    const write = d.permissions.includes("w");
    if (!canOpen(d.source, write)) {
      // rootless: the container can open what the user running kitten can, nothing more
      throw new InvalidInputError(`container "${name}": device ${d.source}: permission denied for user ${currentUser().name}`, {
        code: "bad_device",
        hint: `give ${currentUser().name} access to it (e.g. its group, or a udev rule), or drop the "w" permission if it only reads`,
      });
    }
    return { source: d.source, target: d.target, readOnly: !write };
  });
}

function joined(ctx: HostContext, spec: ContainerSpec, mode: string, what: "pid" | "ipc"): ContainerRecord {
  const target = mode.slice("container:".length);
  const rec = ctx.find(target);
  if (!rec || rec.project !== spec.project) throw new InvalidInputError(`container "${spec.name}": ${what} ${mode}: no such container`, { hint: `create "${target}" first` });
  return rec;
}

async function nsPath(ctx: HostContext, spec: ContainerSpec, rec: ContainerRecord, what: "pid" | "ipc"): Promise<string> {
  const pid = await ctx.runningPid(rec);
  if (!pid) throw new InvalidInputError(`container "${spec.name}": ${what} container:${rec.name}: that container is not running`, { hint: `start ${rec.name} first` });
  return `/proc/${pid}/ns/${what}`;
}

export async function resolveHostExtras(spec: ContainerSpec, ctx: HostContext): Promise<HostExtras> {
  const x: HostExtras["extras"] = {
    sysctls: spec.sysctls,
    domainname: spec.domainname,
    shmSize: spec.shmSize,
    ipcMode: spec.ipcMode,
    pidMode: spec.pidMode,
    privileged: spec.privileged,
    groupAdd: spec.groupAdd,
  };
  const out: HostExtras = { extras: x, files: [], volumes: [] };
  const shmSize = spec.shmSize ?? 64 * 1024 * 1024;
  if (spec.ipcMode === "shareable") {
    out.shm = { path: join(ctx.dir, "shm"), size: shmSize };
    x.shmDir = out.shm.path;
  } else if (spec.ipcMode?.startsWith("container:")) {
    const rec = joined(ctx, spec, spec.ipcMode, "ipc");
    if (rec.spec.ipcMode !== "shareable") {
      // docker refuses the same: only a shareable IPC namespace can be joined
      throw new InvalidInputError(`container "${spec.name}": ipc ${spec.ipcMode}: its IPC is not shareable`, { hint: `set ipc: shareable on ${rec.service ? `service "${rec.service}"` : `container "${rec.name}"`}` });
    }
    x.ipcPath = await nsPath(ctx, spec, rec, "ipc");
    x.shmDir = join(rec.dir, "shm");
  }
  if (spec.pidMode?.startsWith("container:")) x.pidPath = await nsPath(ctx, spec, joined(ctx, spec, spec.pidMode, "pid"), "pid");

  const devices = [...(spec.privileged ? hostDevices().map((d) => ({ source: d, target: d })) : []), ...deviceBinds(spec.name, spec.devices ?? [])];
  // a device named in devices: wins over the same path from privileged
  const byTarget = new Map(devices.map((d) => [d.target, d]));
  x.deviceBinds = [...byTarget.values()];

  x.fileBinds = (spec.files ?? []).map((f, i) => {
    const source = secretFilePath(ctx.paths, spec.project, f.kind, f.key);
    try {
      statSync(source);
    } catch {
      throw new InvalidInputError(`container "${spec.name}": ${f.kind} "${f.key}" has not been prepared`, { hint: "secrets and configs are written by `kitten up`; run it again" });
    }
    const dest = join(ctx.dir, "files", `${i}-${f.kind}-${f.key}`);
    out.files.push({ source, dest, uid: f.uid, gid: f.gid, mode: f.mode });
    return { source: dest, target: f.target };
  });

  const inherited: Bind[] = [];
  for (const from of spec.volumesFrom ?? []) {
    const rec = ctx.find(from.container);
    if (!rec) throw new InvalidInputError(`container "${spec.name}": volumes_from ${from.container}: no such container`, { hint: `create "${from.container}" first` });
    if (!rec.mountBinds) throw new InvalidInputError(`container "${spec.name}": volumes_from ${from.container}: it was made by an earlier kitten that did not record its mounts`, { hint: `recreate it (kitten up --force-recreate)` });
    for (const b of rec.mountBinds) inherited.push({ source: b.source, target: b.target, readOnly: from.readOnly || b.readOnly });
    out.volumes.push(...(rec.volumes ?? []));
  }
  if (inherited.length) x.inheritedBinds = inherited;
  return out;
}
