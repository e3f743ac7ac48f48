/**
 * Which containers use which image, for `rmi` and `image prune`: a container's overlay lower
 * dirs are its image's layers, so the image (and with it its layers) must outlive the container.
 * The image engine takes the answer as plain data and a callback (src/engine/image/manage.ts);
 * the CLI wires them from here, so src/engine/image never imports the runtime.
 */
import { existsSync } from "node:fs";
import type { KittenPaths } from "../../core/paths.ts";
import { findNamespace, type NamespaceRecord } from "../../net/namespace/index.ts";
import type { ImageUser } from "../image/manage.ts";
import { openStateDb } from "../state/db.ts";
import { exitFile } from "./container-files.ts";
import { ContainerStore, type ContainerRecord } from "./store.ts";

export interface ImageUse {
  /** ids of the images any container was created from */
  inUse: Set<string>;
  /** the containers created from an image, and whether each may be running */
  usedBy(imageId: string): ImageUser[];
}

export function containerImageUse(paths: KittenPaths, findNs: (paths: KittenPaths, project: string) => NamespaceRecord | undefined = findNamespace): ImageUse {
  const records = new ContainerStore(openStateDb(paths)).list();
  const namespaces = new Map<string, NamespaceRecord | undefined>();
  const liveNamespace = (rec: ContainerRecord) => {
    if (!namespaces.has(rec.project)) namespaces.set(rec.project, findNs(paths, rec.project));
    return namespaces.get(rec.project)?.startedAt === rec.namespaceStartedAt;
  };
  return {
    inUse: new Set(records.map((r) => r.imageId)),
    usedBy: (imageId) => records.filter((r) => r.imageId === imageId).map((r) => ({ name: r.name, running: mayBeRunning(r, liveNamespace) })),
  };
}

/**
 * Read from the record, its exit file and the namespace's liveness, without asking the agent
 * (what `ps` does): rmi stays cheap and never starts a namespace. A container counts as running
 * when it was started, kitten recorded no exit code, conmon wrote no exit file (the agent removes
 * it on every create) and the namespace it was created in is still up. Either mistake is safe:
 * no image a container uses is ever deleted; the answer only decides whether `-f` may untag it.
 */
function mayBeRunning(rec: ContainerRecord, liveNamespace: (rec: ContainerRecord) => boolean): boolean {
  if (!rec.startedAt || rec.exitCode !== undefined) return false;
  if (existsSync(exitFile(rec.dir, rec.id))) return false;
  return liveNamespace(rec);
}
