/**
 * The build cache: which layer a filesystem step produced, by the step's key (cache-key.ts).
 * Shared by every build and project of a kitten root (one table in the state db, component
 * "build"); a row is written only after its layer was renamed into the image store, so a killed
 * build leaves no half entry — at most a layer no row names, which `kitten builder prune` and
 * `kitten image prune` remove. The image config is never cached: it is recomputed every build.
 */
import type { Database } from "bun:sqlite";
import { migrate, openStateDb } from "../state/db.ts";
import type { KittenPaths } from "../../core/paths.ts";

const MIGRATIONS = [
  `CREATE TABLE build_cache (
     key TEXT PRIMARY KEY,
     diff_id TEXT,
     size INTEGER NOT NULL DEFAULT 0,
     created TEXT NOT NULL,
     last_used TEXT NOT NULL
   );
   CREATE INDEX build_cache_by_layer ON build_cache(diff_id);`,
];

export interface CacheEntry {
  key: string;
  /** undefined: the step changed nothing (no layer) */
  diffId?: string;
  size: number;
  created: string;
  lastUsed: string;
}

export class BuildCache {
  private readonly db: Database;

  constructor(paths: KittenPaths) {
    this.db = openStateDb(paths);
    migrate(this.db, "build", MIGRATIONS);
  }

  get(key: string): CacheEntry | undefined {
    const row = this.db.query<{ key: string; diff_id: string | null; size: number; created: string; last_used: string }, [string]>("SELECT * FROM build_cache WHERE key = ?").get(key);
    if (!row) return undefined;
    return { key: row.key, diffId: row.diff_id ?? undefined, size: row.size, created: row.created, lastUsed: row.last_used };
  }

  touch(key: string): void {
    this.db.query("UPDATE build_cache SET last_used = ? WHERE key = ?").run(new Date().toISOString(), key);
  }

  put(key: string, layer: { diffId: string; size: number } | undefined, created: string): CacheEntry {
    const now = new Date().toISOString();
    this.db
      .query("INSERT INTO build_cache (key, diff_id, size, created, last_used) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET diff_id = excluded.diff_id, size = excluded.size, created = excluded.created, last_used = excluded.last_used")
      .run(key, layer?.diffId ?? null, layer?.size ?? 0, created, now);
    return { key, diffId: layer?.diffId, size: layer?.size ?? 0, created, lastUsed: now };
  }

  delete(key: string): void {
    this.db.query("DELETE FROM build_cache WHERE key = ?").run(key);
  }

  list(): CacheEntry[] {
    return this.db
      .query<{ key: string; diff_id: string | null; size: number; created: string; last_used: string }, []>("SELECT * FROM build_cache ORDER BY last_used DESC")
      .all()
      .map((r) => ({ key: r.key, diffId: r.diff_id ?? undefined, size: r.size, created: r.created, lastUsed: r.last_used }));
  }

  /** Removes entries (all, or those last used before `before`); returns what went. */
  remove(before?: string): CacheEntry[] {
    const gone = this.list().filter((e) => before === undefined || e.lastUsed < before);
    this.db.transaction(() => {
      const del = this.db.query("DELETE FROM build_cache WHERE key = ?");
      for (const e of gone) del.run(e.key);
    }).immediate();
    return gone;
  }
}

/** Layers the build cache refers to (the image store keeps them when it prunes). */
export function cachedLayers(db: Database): Set<string> {
  try {
    return new Set(db.query<{ diff_id: string }, []>("SELECT DISTINCT diff_id FROM build_cache WHERE diff_id IS NOT NULL").all().map((r) => r.diff_id));
  } catch {
    return new Set();
  }
}
