/**
 * `kitten volume create|ls|inspect|rm|prune` as an engine library (docker's volume verbs):
 * the CLI turns flags into these options and renders what they return.
 */
import { readdirSync, lstatSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError, RuntimeFailure, type KittenError } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { anonymousVolumeName, checkVolumeName, VOLUME_LABELS, volumeDataDir, volumeDir, volumesDir, VOLUME_NAME_RE } from "./names.ts";
import { removeTrees, type TreeRemover } from "./remove-tree.ts";
import { VolumeStore, type VolumeRecord } from "./store.ts";
import { volumeUsers } from "./usage.ts";

/** One volume as `volume ls --format json` prints it (docs/json-output.md). */
export interface VolumeSummary {
  name: string;
  driver: "local";
  scope: "local";
  mountpoint: string;
  labels: Record<string, string>;
  createdAt: string;
  anonymous: boolean;
  /** the project that made it (label io.kitten.project), or null */
  project: string | null;
  /** containers that mount it (any state) */
  containers: string[];
}

/** `docker volume inspect`'s shape, field for field. */
export interface VolumeInspect {
  CreatedAt: string;
  Driver: "local";
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string>;
  Scope: "local";
}

export interface VolumeFilters {
  /** dangling=true: used by no container; false: used by one */
  dangling?: boolean;
  driver?: string[];
  /** `key` or `key=value`; every one must match */
  label?: string[];
  /** substring of the name (docker's name filter) */
  name?: string[];
}

export interface CreateVolumeOptions {
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  /** driver options (`-o type=… device=…`): refused, kitten volumes are plain directories */
  options?: Record<string, string>;
}

function checkDriver(driver: string | undefined): void {
  if (driver !== undefined && driver !== "local") {
    throw new InvalidInputError(`volume driver "${driver}" is not supported`, { code: "bad_volume_driver", hint: "kitten has the local driver only (a directory under its data dir)" });
  }
}

/** `docker volume create`: an existing volume is not an error (docker returns it as it is). */
export function createVolume(paths: KittenPaths, o: CreateVolumeOptions = {}): { name: string; created: boolean } {
  checkDriver(o.driver);
  const opts = Object.keys(o.options ?? {});
  if (opts.length > 0) {
    throw new InvalidInputError(`volume options are not supported: ${opts.join(", ")}`, {
      code: "bad_volume_option",
      hint: "kitten volumes are directories; to mount a host path use a bind mount (-v /host/path:/in/container)",
    });
  }
  const name = o.name === undefined ? anonymousVolumeName() : checkVolumeName(o.name);
  cleanupAliases(paths);
  const { created } = new VolumeStore(paths).create(name, o.labels ?? {});
  return { name, created };
}

function summary(paths: KittenPaths, v: VolumeRecord, users: Map<string, string[]>): VolumeSummary {
  return {
    name: v.name,
    driver: v.driver,
    scope: "local",
    mountpoint: volumeDataDir(paths, v.name),
    labels: v.labels,
    createdAt: v.createdAt,
    anonymous: Object.hasOwn(v.labels, VOLUME_LABELS.anonymous),
    project: v.labels[VOLUME_LABELS.project] ?? null,
    containers: users.get(v.name) ?? [],
  };
}

export function matches(v: VolumeSummary, f: VolumeFilters): boolean {
  if (f.dangling !== undefined && (v.containers.length === 0) !== f.dangling) return false;
  if (f.driver?.length && !f.driver.includes(v.driver)) return false;
  if (f.name?.length && !f.name.some((n) => v.name.includes(n))) return false;
  for (const l of f.label ?? []) {
    const eq = l.indexOf("=");
    const key = eq < 0 ? l : l.slice(0, eq);
    if (!Object.hasOwn(v.labels, key)) return false;
    if (eq >= 0 && v.labels[key] !== l.slice(eq + 1)) return false;
  }
  return true;
}

/** `docker volume ls`: sorted by name. */
export function listVolumes(paths: KittenPaths, filters: VolumeFilters = {}): VolumeSummary[] {
  cleanupAliases(paths);
  const users = volumeUsers(paths);
  return new VolumeStore(paths)
    .list()
    .map((v) => summary(paths, v, users))
    .filter((v) => matches(v, filters));
}

export function noSuchVolume(name: string): InvalidInputError {
  return new InvalidInputError(`no such volume: ${name}`, { code: "no_such_volume", hint: "`kitten volume ls` lists the volumes" });
}

/** `docker volume inspect`: every name must exist. */
export function inspectVolumes(paths: KittenPaths, names: string[]): VolumeInspect[] {
  const store = new VolumeStore(paths);
  return names.map((name) => {
    const v = VOLUME_NAME_RE.test(name) ? store.get(name) : undefined;
    if (!v) throw noSuchVolume(name);
    return { CreatedAt: v.createdAt, Driver: v.driver, Labels: v.labels, Mountpoint: volumeDataDir(paths, v.name), Name: v.name, Options: v.options, Scope: "local" };
  });
}

function inUse(name: string, containers: string[]): InvalidInputError {
  return new InvalidInputError(`volume "${name}" is in use by ${containers.length === 1 ? "container" : "containers"} ${containers.join(", ")}`, {
    code: "volume_in_use",
    hint: `remove ${containers.length === 1 ? "that container" : "those containers"} first (kitten rm -f ${containers.join(" ")}, or kitten down for a project)`,
  });
}

export interface RemoveResult {
  removed: string[];
  /** one error per volume that could not be removed, in order */
  errors: KittenError[];
}

/**
 * `docker volume rm [-f]`: a volume a container uses is never removed (with -f neither, as
 * docker); -f makes a missing volume no error. Each volume succeeds or fails on its own.
 */
export async function removeVolumes(paths: KittenPaths, names: string[], o: { force?: boolean; remover?: TreeRemover } = {}): Promise<RemoveResult> {
  const store = new VolumeStore(paths);
  const users = volumeUsers(paths);
  const out: RemoveResult = { removed: [], errors: [] };
  for (const name of names) {
    if (!VOLUME_NAME_RE.test(name) || !store.exists(name)) {
      if (!o.force) out.errors.push(noSuchVolume(name));
      continue;
    }
    const using = users.get(name) ?? [];
    if (using.length > 0) {
      out.errors.push(inUse(name, using));
      continue;
    }
    try {
      await dropVolume(paths, store, name, o.remover);
      out.removed.push(name);
    } catch (err) {
      out.errors.push(err instanceof RuntimeFailure ? err : new RuntimeFailure(`volume "${name}": cannot remove it: ${String(err)}`));
    }
  }
  return out;
}

/** The row first, then the directory: a half-removed volume lists as unregistered, never as a ghost. */
export async function dropVolume(paths: KittenPaths, store: VolumeStore, name: string, remover: TreeRemover = removeTrees): Promise<void> {
  store.delete(name);
  await remover([volumeDir(paths, name)]);
}

/**
 * `docker volume prune`: volumes no container uses — only anonymous ones unless `all` (docker
 * 23+), narrowed by label filters. Returns the names removed and the bytes they held.
 */
export async function pruneVolumes(paths: KittenPaths, o: { all?: boolean; label?: string[]; remover?: TreeRemover } = {}): Promise<{ removed: string[]; bytes: number }> {
  const store = new VolumeStore(paths);
  const unused = listVolumes(paths, { dangling: true, label: o.label }).filter((v) => o.all || v.anonymous);
  const removed: string[] = [];
  let bytes = 0;
  for (const v of unused) {
    const size = treeSize(volumeDir(paths, v.name));
    await dropVolume(paths, store, v.name, o.remover);
    removed.push(v.name);
    bytes += size;
  }
  return { removed, bytes };
}

/** Bytes of the files under a dir, as far as the caller can read it (subuid-owned 0700 dirs are skipped). */
export function treeSize(dir: string): number {
  let total = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      const st = lstatSync(p);
      total += st.isDirectory() ? treeSize(p) : st.size;
    } catch {}
  }
  return total;
}

/**
 * A volume adopted from an earlier kitten's bare-key layout leaves a symlink under its old name
 * while containers made before the upgrade still mount that path (bare-key.ts); once no container
 * record names it, the link goes.
 */
export function cleanupAliases(paths: KittenPaths): void {
  let names: string[];
  try {
    names = readdirSync(volumesDir(paths));
  } catch {
    return;
  }
  const links = names.filter((n) => {
    try {
      return VOLUME_NAME_RE.test(n) && lstatSync(join(volumesDir(paths), n)).isSymbolicLink();
    } catch {
      return false;
    }
  });
  if (links.length === 0) return;
  const users = volumeUsers(paths);
  for (const n of links) if (!users.has(n)) unlinkSync(join(volumesDir(paths), n));
}
