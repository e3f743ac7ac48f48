/**
 * Which containers use which volumes, from the runtime's container records (every project and
 * `kitten run`): what `volume rm` and `prune` must not touch, and what `volume ls` shows.
 * Records written before volumes were tracked by name are read from their mounts.
 */
import { basename } from "node:path";
import type { KittenPaths } from "../../core/paths.ts";
import { openStateDb } from "../state/db.ts";
import { ContainerStore, type ContainerRecord } from "../runtime/store.ts";

/** The names of the volumes a container mounts (named, anonymous, and through volumes_from). */
export function volumesOf(rec: ContainerRecord): string[] {
  if (rec.volumes) return rec.volumes;
  const named = (rec.spec.mounts ?? []).flatMap((m) => (m.type === "volume" && m.source ? [m.source] : []));
  return [...new Set([...named, ...(rec.anonymousVolumes ?? []).map((p) => basename(p))])];
}

/** volume name → names of the containers that mount it */
export function volumeUsers(paths: KittenPaths): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const rec of new ContainerStore(openStateDb(paths)).list()) {
    for (const v of volumesOf(rec)) users.set(v, [...(users.get(v) ?? []), rec.name]);
  }
  return users;
}
