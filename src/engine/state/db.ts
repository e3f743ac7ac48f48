/**
 * kitten's state database: one bun:sqlite file ($data/state.db) in WAL mode, shared by every
 * component. Each component owns its tables and registers its own ordered migrations under its
 * own name, so images, containers and projects evolve their schemas independently.
 * Multi-row writes go through `db.transaction(...)` (STYLE.md §8).
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";

export type Migration = string | ((db: Database) => void);

const opened = new Map<string, Database>();

export function openStateDb(paths: KittenPaths): Database {
  const file = join(ensureDir(paths.data), "state.db");
  let db = opened.get(file);
  if (db) return db;
  db = new Database(file, { create: true, strict: true });
  // busy_timeout first: switching a fresh file to WAL takes a lock a concurrent process may hold
  db.exec("PRAGMA busy_timeout = 10000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (component, version))");
  opened.set(file, db);
  return db;
}

/** Applies the component's migrations that have not run yet, each in its own transaction. */
export function migrate(db: Database, component: string, migrations: Migration[]): void {
  const done = new Set(
    db
      .query<{ version: number }, [string]>("SELECT version FROM schema_migrations WHERE component = ?")
      .all(component)
      .map((r) => r.version),
  );
  migrations.forEach((m, i) => {
    const version = i + 1;
    if (done.has(version)) return;
    db.transaction(() => {
      // another process may have applied it between our read and the write lock
      const again = db.query("SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?").get(component, version);
      if (again) return;
      if (typeof m === "string") db.exec(m);
      else m(db);
      db.query("INSERT INTO schema_migrations (component, version) VALUES (?, ?)").run(component, version);
    }).immediate();
  });
}

export function closeStateDbs(): void {
  for (const db of opened.values()) db.close();
  opened.clear();
}
