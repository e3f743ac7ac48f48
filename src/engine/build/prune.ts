/**
 * Showing and freeing the build cache (`kitten builder prune`, `kitten system df`): cache
 * entries, the layers only they keep, `RUN --mount=type=cache` dirs and leftovers of killed
 * builds. Files below the cache dirs may belong to subordinate ids, so they are removed through
 * the image store's namespaced remover, never by host root.
 */
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { KittenPaths } from "../../core/paths.ts";
import { ImageStore } from "../image/store.ts";
import { BuildCache } from "./cache.ts";

export interface CacheUsage {
  /** cache entries */
  entries: number;
  /** bytes of layers only the build cache keeps (no image uses them) */
  layerBytes: number;
  /** bytes of cached layers images use too (not reclaimable by a prune) */
  sharedBytes: number;
  /** RUN --mount=type=cache dirs */
  cacheMounts: number;
  cacheMountBytes: number;
}

/** Size of a tree as far as this user can see it (subordinate-id files in unreadable dirs are skipped). */
export function treeBytes(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    total += st.isDirectory() ? 0 : st.size;
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = readdirSync(p);
    } catch {
      return;
    }
    for (const n of names) walk(join(p, n));
  };
  walk(path);
  return total;
}

function mountsDir(paths: KittenPaths): string {
  return join(paths.data, "build", "cache-mounts");
}

export function buildCacheUsage(paths: KittenPaths): CacheUsage {
  const cache = new BuildCache(paths);
  const store = new ImageStore(paths);
  const inImages = new Set(store.list().flatMap((i) => i.layers.map((l) => l.diffId)));
  const sizes = new Map<string, number>();
  const entries = cache.list();
  for (const e of entries) if (e.diffId) sizes.set(e.diffId, e.size);
  let layerBytes = 0;
  let sharedBytes = 0;
  for (const [diffId, size] of sizes) {
    if (inImages.has(diffId)) sharedBytes += size;
    else layerBytes += size;
  }
  const dir = mountsDir(paths);
  const mounts = existsSync(dir) ? readdirSync(dir).filter((n) => !n.endsWith(".lock")) : [];
  return { entries: entries.length, layerBytes, sharedBytes, cacheMounts: mounts.length, cacheMountBytes: mounts.reduce((n, m) => n + treeBytes(join(dir, m)), 0) };
}

export interface PruneResult {
  entries: number;
  layers: number;
  cacheMounts: number;
  bytes: number;
}

/**
 * Removes build cache entries — those whose layer no image uses, or with `all` every one — then
 * the layers and blobs left without a user, the cache mount dirs, and what killed builds left in
 * the build's tmp dir (older than 10 minutes: a build running now may still use its dirs).
 */
export async function pruneBuildCache(paths: KittenPaths, options: { all?: boolean } = {}): Promise<PruneResult> {
  const cache = new BuildCache(paths);
  const store = new ImageStore(paths);
  const before = buildCacheUsage(paths);
  const inImages = new Set(store.list().flatMap((i) => i.layers.map((l) => l.diffId)));
  const gone = cache.list().filter((e) => options.all || !e.diffId || !inImages.has(e.diffId));
  for (const e of gone) cache.delete(e.key);
  const trees: string[] = [];
  const dir = mountsDir(paths);
  if (existsSync(dir)) for (const n of readdirSync(dir)) trees.push(join(dir, n));
  const tmp = join(paths.data, "build", "tmp");
  const cutoff = Date.now() - 10 * 60_000;
  if (existsSync(tmp)) for (const n of readdirSync(tmp)) if (lstatSync(join(tmp, n)).mtimeMs < cutoff) trees.push(join(tmp, n));
  await store.removeTrees(trees);
  const r = await store.prune({ dangling: false });
  return { entries: gone.length, layers: r.layers, cacheMounts: before.cacheMounts, bytes: r.bytes + before.layerBytes + before.cacheMountBytes };
}
