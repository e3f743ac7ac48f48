/**
 * Service volumes, short and long syntax, to compose's canonical mounts. Short syntax is
 * `[source:]target[:mode]`: a source starting with ".", "/" or "~" is a bind mount (resolved to
 * an absolute path against the project directory, "~" against $HOME, with create_host_path like
 * compose), anything else a named volume; a lone target is an anonymous volume.
 */
import { isAbsolute, posix, resolve } from "node:path";
import { isLocalPath } from "../../core/safe-path.ts";
import type { VolumeMount } from "./model.ts";
import { VOLUME_MOUNT_SPEC_KEYS, VOLUME_MOUNT_SUPPORTED } from "./spec-keys.ts";
import type { FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";
import { parseBytes } from "./units.ts";

const PROPAGATION = new Set(["shared", "rshared", "slave", "rslave", "private", "rprivate"]);
const CONSISTENCY = new Set(["consistent", "cached", "delegated"]);

export function expandHome(p: string, home: string | undefined): string {
  if (p === "~" || p.startsWith("~/")) return `${home ?? "~"}${p.slice(1)}`;
  return p;
}

export function readVolumes(r: FileReader, value: unknown, path: KeyPath, home: string | undefined): { mounts: VolumeMount[]; ignored: string[] } {
  const ignored = new Set<string>();
  const mounts = r.list(value, path).map((item, i) => {
    const p = [...path, i];
    if (typeof item === "string") return shortVolume(r, item, p, home);
    const m = r.map(item, p);
    for (const k of r.checkKeys(m, p, VOLUME_MOUNT_SUPPORTED, VOLUME_MOUNT_SPEC_KEYS)) ignored.add(`volumes.${k}`);
    return longVolume(r, m, p, home);
  });
  return { mounts, ignored: [...ignored] };
}

function bindSource(r: FileReader, source: string, home: string | undefined): string {
  const expanded = expandHome(source, home);
  return isAbsolute(expanded) ? resolve(expanded) : resolve(r.baseDir, expanded);
}

/** The container path, cleaned like compose-go does (path.Clean: "/data/" → "/data"). */
function checkTarget(r: FileReader, target: string, path: KeyPath, spec?: string): string {
  if (!target.startsWith("/")) {
    r.fail(path, spec ? `invalid volume "${spec}": the container path "${target}" must be absolute` : `the container path "${target}" must be absolute`);
  }
  const clean = posix.normalize(target);
  return clean.length > 1 && clean.endsWith("/") ? clean.slice(0, -1) : clean;
}

function shortVolume(r: FileReader, spec: string, path: KeyPath, home: string | undefined): VolumeMount {
  const parts = spec.split(":");
  if (parts.length > 3 || parts.some((p) => p === "")) {
    r.fail(path, `invalid volume "${spec}"`, 'use "[source:]target[:ro]", e.g. "./data:/data:ro" or "dbdata:/var/lib/postgresql/data"');
  }
  if (parts.length === 1) return { type: "volume", target: checkTarget(r, parts[0]!, path, spec), volume: {} };
  const [source, written, mode] = parts as [string, string, string | undefined];
  const target = checkTarget(r, written, path, spec);
  const isBind = source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
  const mount: VolumeMount = isBind
    ? { type: "bind", source: bindSource(r, source, home), target, bind: { create_host_path: true } }
    : { type: "volume", source, target, volume: {} };
  if (!isBind) r.name("volume", source, path);
  for (const opt of mode ? mode.split(",") : []) {
    if (opt === "ro") mount.read_only = true;
    else if (opt === "rw") mount.read_only = undefined;
    else if (opt === "nocopy" && !isBind) mount.volume = { ...mount.volume, nocopy: true };
    else if ((opt === "z" || opt === "Z") && isBind) mount.bind = { ...mount.bind, selinux: opt };
    else if (PROPAGATION.has(opt) && isBind) mount.bind = { ...mount.bind, propagation: opt };
    else if (CONSISTENCY.has(opt)) continue;
    else r.fail(path, `invalid volume "${spec}": unknown mode "${opt}"`, "modes are ro, rw, z, Z, nocopy and the bind propagations (rshared, rslave, ...)");
  }
  if (mount.read_only === undefined) delete mount.read_only;
  return mount;
}

function longVolume(r: FileReader, m: Record<string, unknown>, path: KeyPath, home: string | undefined): VolumeMount {
  if (m.type === undefined) r.fail(path, `a volume needs a "type" (bind, volume or tmpfs)`);
  const type = r.str(m.type, [...path, "type"]);
  if (type !== "bind" && type !== "volume" && type !== "tmpfs") {
    r.fail([...path, "type"], `volume type "${type}" is not supported: use bind, volume or tmpfs`);
  }
  if (m.target === undefined) r.fail(path, `a volume needs a "target" (the path in the container)`);
  const target = checkTarget(r, r.str(m.target, [...path, "target"]), [...path, "target"]);
  const mount: VolumeMount = { type, target };
  if (m.source !== undefined && m.source !== null && m.source !== "") {
    const source = r.str(m.source, [...path, "source"]);
    if (type === "tmpfs") r.fail([...path, "source"], "a tmpfs mount has no source");
    if (type === "volume") r.name("volume", source, [...path, "source"]);
    mount.source = type === "bind" ? bindSource(r, source, home) : source;
  } else if (type === "bind") {
    r.fail(path, `a bind mount needs a "source" (the host path)`);
  }
  if (m.read_only !== undefined) {
    const ro = r.bool(m.read_only, [...path, "read_only"]);
    if (ro) mount.read_only = true;
  }
  if (type === "bind") {
    const b = r.optMap(m.bind, [...path, "bind"]);
    r.checkKeys(b, [...path, "bind"], new Set(["propagation", "create_host_path", "selinux"]));
    mount.bind = { create_host_path: b.create_host_path === undefined ? true : r.bool(b.create_host_path, [...path, "bind", "create_host_path"]) };
    if (b.propagation !== undefined) mount.bind.propagation = r.str(b.propagation, [...path, "bind", "propagation"]);
    if (b.selinux !== undefined) mount.bind.selinux = r.str(b.selinux, [...path, "bind", "selinux"]);
  } else if (m.bind !== undefined) {
    r.fail([...path, "bind"], `"bind" options only apply to type bind`);
  }
  if (type === "volume") {
    const v = r.optMap(m.volume, [...path, "volume"]);
    r.checkKeys(v, [...path, "volume"], new Set(["nocopy", "subpath"]));
    mount.volume = {};
    if (v.nocopy !== undefined) mount.volume.nocopy = r.bool(v.nocopy, [...path, "volume", "nocopy"]);
    if (v.subpath !== undefined) {
      const subpath = r.str(v.subpath, [...path, "volume", "subpath"]);
      // docker refuses a subpath that is absolute or climbs out of the volume; so do we, here
      // and again where it is mounted (symlinks resolved inside the volume)
      if (!isLocalPath(subpath)) r.fail([...path, "volume", "subpath"], `invalid subpath ${JSON.stringify(subpath)}: it must be a relative path inside the volume, without ".."`);
      mount.volume.subpath = subpath;
    }
  } else if (m.volume !== undefined) {
    r.fail([...path, "volume"], `"volume" options only apply to type volume`);
  }
  if (type === "tmpfs") {
    const t = r.optMap(m.tmpfs, [...path, "tmpfs"]);
    r.checkKeys(t, [...path, "tmpfs"], new Set(["size", "mode"]));
    mount.tmpfs = {};
    if (t.size !== undefined) {
      const size = typeof t.size === "number" || typeof t.size === "string" ? parseBytes(t.size) : undefined;
      if (size === undefined) r.fail([...path, "tmpfs", "size"], `invalid size ${JSON.stringify(t.size)}: use bytes or a size like "64m"`);
      mount.tmpfs.size = size;
    }
    if (t.mode !== undefined) {
      const mode = typeof t.mode === "string" && /^0?[0-7]{3,4}$/.test(t.mode) ? parseInt(t.mode, 8) : r.int(t.mode, [...path, "tmpfs", "mode"], 0);
      mount.tmpfs.mode = mode;
    }
  } else if (m.tmpfs !== undefined) {
    r.fail([...path, "tmpfs"], `"tmpfs" options only apply to type tmpfs`);
  }
  return mount;
}
