/**
 * Volume names and where a volume lives: `<data>/volumes/<name>/_data`, docker's layout. A name
 * becomes a path segment, so it is checked against docker's rule (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`,
 * daemon/names) wherever it enters — the compose file, `-v`, `kitten volume` — and again by the
 * path builder here, which also joins it through safe-path (issue #14: never a path out of the root).
 */
import { join } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { checkName, RESTRICTED_NAME_RE } from "../../core/names.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { joinLocal } from "../../core/safe-path.ts";

/** docker's RestrictedNameChars (core/names.ts); the 255-byte limit is checked by checkVolumeName */
export const VOLUME_NAME_RE = RESTRICTED_NAME_RE;

/** docker's labels: compose and `docker volume ls --filter label=…` users know these */
export const VOLUME_LABELS = {
  project: "io.kitten.project",
  /** the key of the volume in the compose file */
  volume: "io.kitten.volume",
  /** the service whose container made an anonymous volume */
  service: "io.kitten.service",
  /** moby's label of anonymous volumes (volume prune without -a removes only these) */
  anonymous: "com.docker.volume.anonymous",
} as const;

export function checkVolumeName(name: string): string {
  return checkName("volume", name);
}

export function volumesDir(paths: KittenPaths): string {
  return join(paths.data, "volumes");
}

/** `<data>/volumes/<name>`: the name is checked before it is joined. */
export function volumeDir(paths: KittenPaths, name: string): string {
  const dir = joinLocal(volumesDir(paths), checkVolumeName(name));
  if (dir === undefined) throw new InvalidInputError(`invalid volume name ${JSON.stringify(name)}`, { code: "bad_volume_name" });
  return dir;
}

/** The directory a container mounts: `<data>/volumes/<name>/_data`. */
export function volumeDataDir(paths: KittenPaths, name: string): string {
  return join(volumeDir(paths, name), "_data");
}

/** A new anonymous volume's name: 64 hex digits, as docker names them. */
export function anonymousVolumeName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
