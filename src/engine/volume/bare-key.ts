/**
 * Existing users lose nothing (issue #12): kitten before 0.x stored a compose volume under its
 * bare key (`<data>/volumes/pgdata`) instead of its name (`shop_pgdata`), so two projects with a
 * volume `pgdata` shared one directory. Such a directory has no row in the volume store. When a
 * project needs `shop_pgdata`, which does not exist yet, and a bare `pgdata` directory without a
 * row does, the state db says who else used it:
 * - the saved configs of other projects that mount the key and have no volume of their own yet
 *   (whose name is the bare key, or whose own directory does not exist);
 * - container records of other projects (or `kitten run`) that mount the bare name.
 * Nobody else → the project adopts it (renamed, given its row; a symlink under the old name keeps
 * containers made before the upgrade working until they are gone) and says so once. Somebody
 * else → neither gets it silently: `up` stops and says how to choose.
 */
import { renameSync, symlinkSync } from "node:fs";
import { RuntimeFailure } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { openStateDb } from "../state/db.ts";
import { ProjectStore } from "../state/project-store.ts";
import { ContainerStore } from "../runtime/store.ts";
import { VOLUME_NAME_RE, volumeDir } from "./names.ts";
import type { VolumeStore } from "./store.ts";
import { volumeUsers } from "./usage.ts";

interface SavedProject {
  services?: Record<string, { volumes?: Array<{ type?: string; source?: string }> }>;
  volumes?: Record<string, { name?: string; external?: boolean }>;
}

/** Who, besides `project`, used the bare directory `key` — by the state db's records. */
export function bareKeyClaimants(paths: KittenPaths, store: VolumeStore, project: string, key: string): string[] {
  const claimants = new Set<string>();
  const projects = new ProjectStore(openStateDb(paths));
  for (const p of projects.listProjects()) {
    if (p.name === project) continue;
    const config = projects.getProject(p.name)?.config as SavedProject | undefined;
    const mounts = Object.values(config?.services ?? {}).some((s) => (s.volumes ?? []).some((m) => m.type === "volume" && m.source === key));
    if (!mounts) continue;
    const own = config?.volumes?.[key]?.name ?? `${p.name}_${key}`;
    // a project whose own volume exists no longer needs the bare directory
    if (own === key || !VOLUME_NAME_RE.test(own) || !store.exists(own)) claimants.add(`project "${p.name}"`);
  }
  for (const rec of new ContainerStore(openStateDb(paths)).list()) {
    if (rec.project === project) continue;
    if ((rec.spec.mounts ?? []).some((m) => m.type === "volume" && m.source === key)) {
      claimants.add(rec.service ? `project "${rec.project}"` : `container "${rec.name}"`);
    }
  }
  return [...claimants].sort();
}

export type BareKeyOutcome = { kind: "none" } | { kind: "adopted"; notice: string } | { kind: "other-owner" };

/**
 * For volume `key` of `project`, to be named `name`: adopts the bare directory when only this
 * project used it; refuses with how to choose when others did too.
 */
export function adoptBareKey(paths: KittenPaths, store: VolumeStore, project: string, key: string, name: string, labels: Record<string, string>): BareKeyOutcome {
  if (name === key || !VOLUME_NAME_RE.test(key) || !store.exists(key)) return { kind: "none" };
  if (store.get(key)?.registered) return { kind: "none" };
  const others = bareKeyClaimants(paths, store, project, key);
  const ownRecords = new ContainerStore(openStateDb(paths)).list().some((r) => r.project === project && (r.spec.mounts ?? []).some((m) => m.type === "volume" && m.source === key));
  const savedOwn = new ProjectStore(openStateDb(paths)).getProject(project) !== undefined;
  if (others.length > 0) {
    // a project that never ran before the upgrade has no claim: it starts empty, the others keep theirs
    if (!ownRecords && !savedOwn) return { kind: "other-owner" };
    throw new RuntimeFailure(
      `volume "${key}": an earlier kitten kept this project's data under the bare name "${key}", and ${others.join(", ")} used the same directory, so it is not given to either silently`,
      {
        code: "volume_shared",
        hint: `choose: in the file of the project that keeps the data, set \`name: ${key}\` under volumes.${key} (it then uses ${volumeDir(paths, key)} as it is); or run \`kitten volume create ${name}\` to start "${project}" with an empty volume`,
      },
    );
  }
  renameSync(volumeDir(paths, key), volumeDir(paths, name));
  store.register(name, labels);
  // containers made before the upgrade mount the old path; it points at the new one until they are gone
  if (volumeUsers(paths).has(key)) symlinkSync(name, volumeDir(paths, key));
  return { kind: "adopted", notice: `volume "${name}": adopted the data an earlier kitten kept under the bare name "${key}" (volumes are now named <project>_<key>; this happens once)` };
}
