/**
 * `kitten images` of a project (docker compose images): the image each of its containers was
 * created from, with its repository, tag, id and size as the image store knows them. A rootfs
 * directory used as an image is listed by its path.
 */
import type { KittenPaths } from "../../core/paths.ts";
import { listImages } from "../image/manage.ts";
import { ContainerStore } from "../runtime/store.ts";
import { openStateDb } from "../state/db.ts";
import { ProjectStore } from "../state/project-store.ts";
import { isOneOff, oneOffService } from "./one-off.ts";

export interface ProjectImage {
  container: string;
  service: string;
  repository: string;
  tag: string;
  /** sha256:… */
  id: string;
  size: number;
  created: string | null;
}

export function projectImages(o: { project: string; services?: string[] }, deps: { paths: KittenPaths }): ProjectImage[] {
  const db = openStateDb(deps.paths);
  const runtime = new ContainerStore(db);
  const byId = new Map(listImages(deps.paths).map((i) => [i.id, i]));
  const rows: ProjectImage[] = [];
  const records = runtime.list({ project: o.project }).filter((r) => r.service !== undefined || isOneOff(r));
  const known = new Set(new ProjectStore(db).listContainers(o.project).map((c) => c.name));
  for (const r of records) {
    const service = r.service ?? oneOffService(r);
    if (o.services?.length && !o.services.includes(service)) continue;
    if (!known.has(r.name) && !isOneOff(r)) continue;
    const img = byId.get(r.imageId);
    const colon = r.image.lastIndexOf(":");
    const tagged = colon > r.image.lastIndexOf("/") && !r.image.startsWith("/");
    rows.push({
      container: r.name,
      service,
      repository: img?.repository ?? (tagged ? r.image.slice(0, colon) : r.image),
      tag: img?.tag ?? (tagged ? r.image.slice(colon + 1) : r.image.startsWith("/") ? "" : "latest"),
      id: r.imageId,
      size: img?.size ?? 0,
      created: img?.created ?? null,
    });
  }
  return rows.sort((a, b) => a.container.localeCompare(b.container));
}
