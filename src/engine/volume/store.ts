/**
 * Volumes: a volume IS its directory `<data>/volumes/<name>` (with the data in `_data`, docker's
 * layout); the state db (component "volumes") adds what a directory cannot say — labels, the
 * driver, when it was made. A directory without a row is a volume too: one an earlier kitten
 * made (before volumes had rows) or one made by hand; it lists with no labels. A row without a
 * directory is stale and is dropped when seen.
 */
import type { Database } from "bun:sqlite";
import { lstatSync, mkdirSync, readdirSync } from "node:fs";
import type { KittenPaths } from "../../core/paths.ts";
import { migrate, openStateDb } from "../state/db.ts";
import { VOLUME_NAME_RE, volumeDataDir, volumeDir, volumesDir } from "./names.ts";

export interface VolumeRecord {
  name: string;
  driver: "local";
  labels: Record<string, string>;
  /** driver options (none are supported yet: kept for the docker shape) */
  options: Record<string, string>;
  createdAt: string;
  /** false for a directory without a row (an earlier kitten's volume, or one made by hand) */
  registered: boolean;
}

const MIGRATIONS = [
  `CREATE TABLE volumes (
     name TEXT PRIMARY KEY,
     driver TEXT NOT NULL,
     labels TEXT NOT NULL,
     options TEXT NOT NULL,
     created_at TEXT NOT NULL
   )`,
];

type Row = { name: string; driver: string; labels: string; options: string; created_at: string };

/** Whether the path is a real directory (a symlink is not a volume). */
function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

export class VolumeStore {
  private readonly db: Database;

  constructor(readonly paths: KittenPaths) {
    this.db = openStateDb(paths);
    migrate(this.db, "volumes", MIGRATIONS);
  }

  exists(name: string): boolean {
    return isDir(volumeDir(this.paths, name));
  }

  get(name: string): VolumeRecord | undefined {
    const dir = volumeDir(this.paths, name);
    const row = this.db.query<Row, [string]>("SELECT * FROM volumes WHERE name = ?").get(name);
    if (!isDir(dir)) {
      if (row) this.delete(name);
      return undefined;
    }
    return row ? toRecord(row) : unregistered(name, dir);
  }

  list(): VolumeRecord[] {
    let names: string[] = [];
    try {
      names = readdirSync(volumesDir(this.paths)).filter((n) => VOLUME_NAME_RE.test(n)).sort();
    } catch {}
    const rows = new Map(this.db.query<Row, []>("SELECT * FROM volumes").all().map((r) => [r.name, r]));
    const out: VolumeRecord[] = [];
    for (const name of names) {
      const dir = volumeDir(this.paths, name);
      if (!isDir(dir)) continue;
      const row = rows.get(name);
      rows.delete(name);
      out.push(row ? toRecord(row) : unregistered(name, dir));
    }
    for (const stale of rows.keys()) this.delete(stale);
    return out;
  }

  /**
   * Makes the volume (its dir and `_data`, owned by the caller: root of the user namespace, as the
   * agent would make it) and its row. An existing volume is left as it is: `created` says which.
   */
  create(name: string, labels: Record<string, string> = {}, now = new Date().toISOString()): { record: VolumeRecord; created: boolean } {
    const existing = this.get(name);
    if (existing) return { record: existing, created: false };
    mkdirSync(volumeDataDir(this.paths, name), { recursive: true, mode: 0o755 });
    this.register(name, labels, now);
    return { record: this.get(name)!, created: true };
  }

  /** Gives an existing directory its row (adoption), or replaces the labels of one. */
  register(name: string, labels: Record<string, string>, now = new Date().toISOString()): void {
    this.db
      .query("INSERT INTO volumes (name, driver, labels, options, created_at) VALUES (?, 'local', ?, '{}', ?) ON CONFLICT (name) DO UPDATE SET labels = excluded.labels")
      .run(name, JSON.stringify(labels), now);
  }

  /** Forgets the row; the caller removes the directory (its files may belong to subordinate ids). */
  delete(name: string): void {
    this.db.query("DELETE FROM volumes WHERE name = ?").run(name);
  }
}

function toRecord(r: Row): VolumeRecord {
  return { name: r.name, driver: "local", labels: JSON.parse(r.labels), options: JSON.parse(r.options), createdAt: r.created_at, registered: true };
}

function unregistered(name: string, dir: string): VolumeRecord {
  return { name, driver: "local", labels: {}, options: {}, createdAt: lstatSync(dir).mtime.toISOString(), registered: false };
}
