/** A container spec's mounts resolved to host paths (binds, named and anonymous volumes, tmpfs),
 * and the warning for resource limits that cannot be enforced here. */
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { join, posix } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { isWithin, joinLocal } from "../../core/safe-path.ts";
import { mountTargetProblem } from "../compose/runtime-checks.ts";
import type { VolumeMount } from "../compose/model.ts";
import type { ContainerSpec } from "./types.ts";
import { cgroupSupport, unenforced, type CgroupSupport } from "./cgroups.ts";
import { anonymousVolumeName, volumeDataDir, volumeDir } from "../volume/names.ts";

export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * A bind mount may not reach into kitten's own state (#14): the state database, every project's
 * volumes and containers, the image store, the runtime sockets and the registry credentials in
 * the config dir would be one container's to read and rewrite (its root is the user here). Only
 * the files kitten itself prepared for this project's binds (kube play's configmaps) are allowed.
 */
export function checkBindSource(source: string, paths: KittenPaths, project: string): void {
  const allowed = [join(paths.data, "kube-play", project)];
  if (allowed.some((a) => isWithin(a, source))) return;
  const owned = [paths.data, paths.runtime, paths.config].flatMap((p) => [p, existsSync(p) ? realpathSync(p) : p]);
  // a bind of a directory that holds kitten's root ($HOME, /) is the user's choice, as with docker
  const hit = owned.find((root) => isWithin(root, source));
  if (hit === undefined) return;
  throw new InvalidInputError(`bind mount of ${source}: it is inside kitten's own state (${hit})`, {
    code: "bind_into_state",
    hint: "bind a directory of your own; kitten's volumes are mounted with type: volume",
  });
}

export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The one warning about resource limits this host will not let kitten enforce (cgroups.ts), with
 * the reason and root's fix; nothing when they are enforced or none were asked for.
 */
export function resourceWarning(spec: Pick<ContainerSpec, "name" | "resources">, support: CgroupSupport = cgroupSupport()): string | undefined {
  if (support.usable) return undefined;
  const asked = unenforced(spec.resources);
  if (asked.length === 0) return undefined;
  return `container "${spec.name}": ${asked.join(", ")} not enforced: ${support.reason}${support.fix ? `; to enforce them, as root: ${support.fix}` : ""} (kitten doctor)`;
}

/** A volume the runtime makes or reuses for a container, to be registered once the spec is valid. */
export interface VolumeUse {
  name: string;
  target: string;
  anonymous: boolean;
}

/**
 * The spec's mounts plus the image's declared VOLUMEs that no mount covers, which get an
 * anonymous volume each, filled from the image, as docker does. An anonymous volume the spec
 * inherits (`inheritVolumes`: the previous container's, by target — compose's recreate) is
 * reused when it still exists; otherwise a new one is named (64 hex digits, as docker).
 * `volumes` lists every volume the container mounts, for the volume store and in-use checks.
 */
export function resolveMounts(spec: ContainerSpec, paths: KittenPaths, imageVolumes: string[] = [], exists: (name: string) => boolean = () => false) {
  for (const v of imageVolumes) {
    const problem = mountTargetProblem(v);
    if (problem) throw new InvalidInputError(`image ${spec.image}: VOLUME ${JSON.stringify(v)}: ${problem}`, { code: "bad_image_volume", hint: "the image declares a volume no container can have; rebuild it without that VOLUME" });
  }
  const taken = new Set([...(spec.mounts ?? []).map((m) => posix.normalize(m.target)), ...(spec.tmpfs ?? []).map((t) => posix.normalize(t.split(":")[0]!))]);
  const mounts: VolumeMount[] = [...(spec.mounts ?? []), ...imageVolumes.filter((v) => !taken.has(posix.normalize(v))).map((target): VolumeMount => ({ type: "volume", target }))];
  const anonymous: string[] = [];
  const binds: Array<{ source: string; target: string; readOnly?: boolean }> = [];
  const tmpfs: string[] = [];
  const volumes: Array<{ path: string; copyFrom?: string; subpath?: string }> = [];
  const uses: VolumeUse[] = [];
  for (const m of mounts) {
    if (m.type === "tmpfs") {
      const opts = [m.tmpfs?.size !== undefined && `size=${m.tmpfs.size}`, m.tmpfs?.mode !== undefined && `mode=${m.tmpfs.mode.toString(8)}`].filter(Boolean);
      tmpfs.push(`${m.target}${opts.length ? `:${opts.join(",")}` : ""}`);
    } else if (m.type === "bind") {
      if (!m.source?.startsWith("/")) throw new InvalidInputError(`mount "${m.source}:${m.target}": the host path must be absolute`);
      checkBindSource(m.source, paths, spec.project);
      // docker -v creates a missing host directory; the long syntax does so when asked
      if (!existsSync(m.source)) {
        if (m.bind?.create_host_path === false) throw new InvalidInputError(`mount "${m.source}": no such file or directory`, { hint: "create it, or drop create_host_path: false" });
        try {
          mkdirSync(m.source, { recursive: true });
        } catch (err) {
          // a dangling symlink, a file in the way, no permission: the user's path, not a bug
          throw new InvalidInputError(`mount "${m.source}": cannot create the host directory (${(err as NodeJS.ErrnoException).code ?? "error"})`, { code: "bind_source", hint: "create the directory yourself, or fix the path" });
        }
      }
      // again with symlinks resolved: a link in the path may lead into kitten's state too
      checkBindSource(realpathSync(m.source), paths, spec.project);
      binds.push({ source: m.source, target: m.target, readOnly: m.read_only });
    } else {
      const inherited = m.source ? undefined : spec.inheritVolumes?.[posix.normalize(m.target)];
      const name = m.source || (inherited && exists(inherited) ? inherited : anonymousVolumeName());
      if (!NAME_RE.test(name)) throw new InvalidInputError(`invalid volume name "${name}"`, { hint: "a volume name is letters, digits, '_', '.' and '-', starting with a letter or digit" });
      if (!m.source) anonymous.push(volumeDir(paths, name));
      uses.push({ name, target: posix.normalize(m.target), anonymous: !m.source });
      const data = volumeDataDir(paths, name);
      const subpath = m.volume?.subpath;
      const source = subpath === undefined ? data : joinLocal(data, subpath);
      if (source === undefined) throw new InvalidInputError(`mount "${name}:${m.target}": invalid subpath ${JSON.stringify(subpath)}: it must be a relative path inside the volume`, { code: "bad_subpath" });
      volumes.push({ path: data, copyFrom: m.volume?.nocopy ? undefined : m.target, ...(subpath === undefined ? {} : { subpath: source }) });
      binds.push({ source, target: m.target, readOnly: m.read_only });
    }
  }
  return { binds, tmpfs, volumes, anonymous, uses };
}
