/**
 * Local image management behind `kitten images`, `image inspect`, `rmi` and `image prune`: each
 * returns data for the CLI (or the API) to render, with one stable JSON shape.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { familiarReference, parseReference } from "./reference.ts";
import { storedName } from "./pull.ts";
import { ImageStore, type ImageRecord } from "./store.ts";

/** One row of `kitten images --format json`. */
export interface ImageSummary {
  id: string;
  repository: string;
  tag: string;
  digest: string | null;
  /** normalized references naming this image */
  names: string[];
  created: string | null;
  size: number;
}

export function listImages(paths: KittenPaths = kittenPaths()): ImageSummary[] {
  const store = new ImageStore(paths);
  const rows: ImageSummary[] = [];
  for (const img of store.list()) {
    const names = [...img.tags, ...img.digests];
    const base = { id: img.id, digest: img.digests[0]?.split("@")[1] ?? null, names, created: img.created ?? null, size: img.size };
    if (img.tags.length === 0) rows.push({ ...base, repository: img.digests[0]?.split("@")[0] ?? "<none>", tag: "<none>" });
    for (const t of img.tags) {
      const colon = t.lastIndexOf(":");
      rows.push({ ...base, repository: t.slice(0, colon), tag: t.slice(colon + 1) });
    }
  }
  return rows;
}

/** Finds an image by reference (nginx, nginx:1, …@sha256:…) or by id / id prefix. */
export function findImage(store: ImageStore, ref: string): ImageRecord {
  let record: ImageRecord | undefined;
  try {
    record = store.find(storedName(parseReference(ref)));
  } catch (err) {
    if (!/^(sha256:)?[a-f0-9]{4,64}$/.test(ref)) throw err;
  }
  record ??= store.find(ref);
  if (!record) throw new InvalidInputError(`image ${ref} not found`, { code: "image_missing", hint: "`kitten images` lists the local images" });
  return record;
}

/** docker-like inspect output (a subset of `docker image inspect`), plus kitten's layer dirs. */
export function inspectImage(ref: string, paths: KittenPaths = kittenPaths()) {
  const store = new ImageStore(paths);
  const img = findImage(store, ref);
  return {
    Id: img.id,
    RepoTags: img.tags.map((t) => familiarReference(parseReference(t))),
    RepoDigests: img.digests,
    Created: img.created ?? null,
    Architecture: img.config.architecture ?? null,
    Variant: img.config.variant ?? null,
    Os: img.config.os ?? null,
    Size: img.size,
    Config: img.config.config ?? {},
    RootFS: { Type: "layers", Layers: img.layers.map((l) => l.diffId) },
    Layers: img.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size, mediaType: l.mediaType, path: store.layerPath(l.diffId) })),
  };
}

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

/** `rmi`: removes names; an image goes with its last tag, or entirely when named by id. Then frees unreferenced layers. */
export async function removeImages(refs: string[], paths: KittenPaths = kittenPaths()): Promise<RemoveResult> {
  const store = new ImageStore(paths);
  const result: RemoveResult = { untagged: [], deleted: [] };
  for (const ref of refs) {
    const img = findImage(store, ref);
    let name: string | undefined;
    try {
      name = storedName(parseReference(ref));
    } catch {}
    if (name && (img.tags.includes(name) || img.digests.includes(name))) {
      const out = store.untag(name)!;
      result.untagged.push(name);
      if (out.deleted) result.deleted.push(out.imageId);
    } else {
      result.untagged.push(...store.deleteImage(img.id).filter((n) => img.tags.includes(n)));
      result.deleted.push(img.id);
    }
  }
  if (result.deleted.length > 0) await store.prune({ tmpOlderThanMs: Number.POSITIVE_INFINITY, dangling: false });
  return result;
}

export async function pruneImages(paths: KittenPaths = kittenPaths()) {
  return new ImageStore(paths).prune();
}
