/**
 * The content-addressed image store under $data/images (DESIGN.md "Paths"):
 *
 *   blobs/sha256/<hex>     manifests, configs and compressed layers, by digest
 *   layers/<diff-id hex>/  each layer unpacked once per diff_id, shared by every image (overlay lower dirs)
 *   tmp/                   downloads in progress (temp file + rename into blobs/)
 *
 * Image metadata lives in bun:sqlite (component "images"). Crash and concurrency safety come from
 * the order of operations: a blob is renamed into place only after its digest is verified; a layer
 * is unpacked into layers/.tmp-* and renamed into place only when complete (a concurrent pull that
 * loses the rename race just drops its copy); the database rows are written last, in one
 * transaction. So an interrupted pull leaves at most garbage that `image prune` removes.
 */
import type { Database } from "bun:sqlite";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { migrate, openStateDb } from "../state/db.ts";
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { OciImageConfig } from "./types.ts";
import { runInNamespace } from "./unpack/host.ts";
import { withStoreLock, type LockMode } from "./store-lock.ts";
import { flock, LOCK_EX, LOCK_NB, LOCK_UN } from "../../core/flock.ts";
import { cachedLayers } from "../build/cache.ts";

export interface LayerRecord {
  /** digest of the blob as stored (compressed) */
  digest: string;
  diffId: string;
  size: number;
  mediaType: string;
}

export interface ImageRecord {
  id: string;
  /** every name this image has: normalized references */
  tags: string[];
  /** registry digests it was pulled by: docker.io/library/nginx@sha256:… */
  digests: string[];
  layers: LayerRecord[];
  /** digests of the manifest (and index) blobs it was installed from */
  manifests: string[];
  config: { architecture?: string; os?: string; variant?: string; created?: string; config?: OciImageConfig; [k: string]: unknown };
  size: number;
  created?: string;
  pulledAt: string;
}

const MIGRATIONS = [
  `CREATE TABLE images (
     id TEXT PRIMARY KEY,
     config_json TEXT NOT NULL,
     layers_json TEXT NOT NULL,
     manifests_json TEXT NOT NULL DEFAULT '[]',
     size INTEGER NOT NULL,
     created TEXT,
     pulled_at TEXT NOT NULL
   );
   CREATE TABLE image_names (
     name TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('tag', 'digest')),
     image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
   );
   CREATE INDEX image_names_by_image ON image_names(image_id);`,
];

export interface PruneOptions {
  /** leftovers of interrupted pulls younger than this stay (default 10 minutes: a pull may still be writing them) */
  tmpOlderThanMs?: number;
  /** false: keep dangling images (the cleanup after `rmi` frees only what rmi deleted) */
  dangling?: boolean;
  /** image ids containers use: never deleted, dangling or not, so their layers and blobs stay */
  inUse?: ReadonlySet<string>;
}

export const sha256Pattern = /^sha256:[a-f0-9]{64}$/;

export function hexOf(digest: string): string {
  if (!sha256Pattern.test(digest)) throw new InvalidInputError(`unsupported digest "${digest}"`, { code: "bad_digest", hint: "only sha256 digests are supported" });
  return digest.slice(7);
}

export class ImageStore {
  readonly root: string;
  readonly blobsDir: string;
  readonly layersDir: string;
  readonly tmpDir: string;
  private dbHandle?: Database;

  constructor(readonly paths: KittenPaths = kittenPaths()) {
    this.root = join(paths.data, "images");
    this.blobsDir = join(this.root, "blobs", "sha256");
    this.layersDir = join(this.root, "layers");
    this.tmpDir = join(this.root, "tmp");
  }

  get db(): Database {
    if (!this.dbHandle) {
      this.dbHandle = openStateDb(this.paths);
      migrate(this.dbHandle, "images", MIGRATIONS);
    }
    return this.dbHandle;
  }

  ensureDirs(): void {
    for (const d of [this.blobsDir, this.layersDir, this.tmpDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  }

  /** Holds the store lock: shared for pulls, loads and imports; exclusive for garbage collection. */
  locked<T>(mode: LockMode, fn: () => Promise<T>): Promise<T> {
    // a writer starts by removing what dead writers left (#14); prune (exclusive) does more
    return withStoreLock(join(this.root, "lock"), mode, async () => {
      if (mode === "shared") await this.cleanLeftovers().catch(() => {});
      return fn();
    });
  }

  blobPath(digest: string): string {
    return join(this.blobsDir, hexOf(digest));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  readBlob(digest: string): Uint8Array {
    return readFileSync(this.blobPath(digest));
  }

  layerPath(diffId: string): string {
    return join(this.layersDir, hexOf(diffId));
  }

  hasLayer(diffId: string): boolean {
    return existsSync(this.layerPath(diffId));
  }

  /** A unique temp path under tmp/ (same filesystem as blobs/, so renames are atomic). */
  tempPath(label: string): string {
    this.ensureDirs();
    return join(this.tmpDir, `${label}.${process.pid}.${Math.random().toString(36).slice(2, 10)}`);
  }

  /** Moves a verified temp file into blobs/; a concurrent writer of the same digest wrote the same bytes. */
  commitBlob(tempFile: string, digest: string): string {
    const dest = this.blobPath(digest);
    renameSync(tempFile, dest);
    return dest;
  }

  /**
   * Runs `download` into tmp/ingest-<hex>, then moves the verified file into blobs/. The ingest
   * file outlives an interrupted pull — a lost connection, Ctrl-C, even kill -9 — so the next pull
   * of the blob continues it (downloadBlob resumes after the bytes it finds, as containerd keeps
   * its ingests); content that failed its digest is dropped. A flock on the ingest file keeps two
   * pulls of one blob from writing it at once: the second waits, then finds the blob there.
   */
  async fetchBlob(digest: string, download: (ingestFile: string) => Promise<void>): Promise<void> {
    this.ensureDirs();
    const ingest = join(this.tmpDir, `ingest-${hexOf(digest)}`);
    const fd = openSync(ingest, "a", 0o644); // created if missing, never truncated
    try {
      while (flock(fd, LOCK_EX | LOCK_NB) !== 0) await Bun.sleep(50);
      if (this.hasBlob(digest)) {
        // another pull committed it; a file at the ingest path that is still ours is a stray one
        if (sameFile(fd, ingest)) rmSync(ingest, { force: true });
        return;
      }
      try {
        await download(ingest);
      } catch (err) {
        if ((err as { code?: string }).code === "digest_mismatch") rmSync(ingest, { force: true });
        throw err;
      }
      this.commitBlob(ingest, digest);
    } finally {
      closeSync(fd); // and with it the lock
    }
  }

  /** Writes bytes whose digest the caller computed (manifests, configs). */
  async putBlob(data: Uint8Array, digest: string): Promise<void> {
    if (this.hasBlob(digest)) return;
    const tmp = this.tempPath("blob");
    await Bun.write(tmp, data);
    this.commitBlob(tmp, digest);
  }

  /**
   * Unpacks a blob into layers/<diffId> unless it is there; returns the diff id the content has.
   * With no expected diff id (imports) the unpacker computes it.
   */
  async unpackLayer(blobFile: string, options: { diffId?: string; name: string; reporter?: Reporter }): Promise<string> {
    this.ensureDirs();
    if (options.diffId && this.hasLayer(options.diffId)) return options.diffId;
    const temp = join(this.layersDir, `.tmp-${options.diffId ? hexOf(options.diffId).slice(0, 12) : "import"}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    const [done] = await runInNamespace([{ op: "unpack", source: blobFile, dest: temp, name: options.name, diffId: options.diffId }], options.reporter);
    const diffId = done && done.type === "done" ? done.diffId : options.diffId;
    if (!diffId) throw new RuntimeFailure(`layer ${options.name}: the unpacker reported no diff id`);
    try {
      // same parent: a directory whose mode forbids writing can still be renamed
      renameSync(temp, this.layerPath(diffId));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      await this.removeTrees([temp]); // a concurrent pull put the same layer in place first
    }
    return diffId;
  }

  /** Removes trees that may hold files owned by subordinate ids (only the namespace can). */
  async removeTrees(paths: string[]): Promise<void> {
    const existing = paths.filter((p) => existsSync(p));
    if (existing.length === 0) return;
    await runInNamespace([{ op: "remove", paths: existing }]);
  }

  /** Records an image and its names in one transaction; names move from any image that had them. */
  saveImage(image: { id: string; config: ImageRecord["config"]; layers: LayerRecord[]; manifests: string[]; tags: string[]; digests: string[] }): void {
    const size = image.layers.reduce((n, l) => n + l.size, 0);
    const db = this.db;
    db.transaction(() => {
      db.query(
        `INSERT INTO images (id, config_json, layers_json, manifests_json, size, created, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET pulled_at = excluded.pulled_at, manifests_json = excluded.manifests_json`,
      ).run(image.id, JSON.stringify(image.config), JSON.stringify(image.layers), JSON.stringify(image.manifests), size, (image.config.created as string | undefined) ?? null, new Date().toISOString());
      const put = db.query("INSERT INTO image_names (name, kind, image_id) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, kind = excluded.kind");
      for (const t of image.tags) put.run(t, "tag", image.id);
      for (const d of image.digests) put.run(d, "digest", image.id);
    }).immediate();
  }

  private toRecord(row: { id: string; config_json: string; layers_json: string; manifests_json: string; size: number; created: string | null; pulled_at: string }): ImageRecord {
    const names = this.db.query<{ name: string; kind: string }, [string]>("SELECT name, kind FROM image_names WHERE image_id = ? ORDER BY name").all(row.id);
    return {
      id: row.id,
      tags: names.filter((n) => n.kind === "tag").map((n) => n.name),
      digests: names.filter((n) => n.kind === "digest").map((n) => n.name),
      layers: JSON.parse(row.layers_json) as LayerRecord[],
      manifests: JSON.parse(row.manifests_json) as string[],
      config: JSON.parse(row.config_json) as ImageRecord["config"],
      size: row.size,
      created: row.created ?? undefined,
      pulledAt: row.pulled_at,
    };
  }

  list(): ImageRecord[] {
    type Row = Parameters<ImageStore["toRecord"]>[0];
    return this.db.query<Row, []>("SELECT * FROM images ORDER BY pulled_at DESC").all().map((r) => this.toRecord(r));
  }

  /** An image by normalized name (tag or digest reference) or by id / unique id prefix. */
  find(nameOrId: string): ImageRecord | undefined {
    type Row = Parameters<ImageStore["toRecord"]>[0];
    const byName = this.db.query<Row, [string]>("SELECT images.* FROM images JOIN image_names ON image_names.image_id = images.id WHERE image_names.name = ?").get(nameOrId);
    if (byName) return this.toRecord(byName);
    const id = nameOrId.startsWith("sha256:") ? nameOrId : `sha256:${nameOrId}`;
    if (!/^sha256:[a-f0-9]{4,64}$/.test(id)) return undefined;
    const rows = this.db.query<Row, [string]>("SELECT * FROM images WHERE id LIKE ? || '%'").all(id);
    if (rows.length > 1) throw new InvalidInputError(`image id prefix "${nameOrId}" is ambiguous`, { code: "ambiguous_image", hint: "give more characters of the id" });
    return rows[0] ? this.toRecord(rows[0]) : undefined;
  }

  /** Removes one name; the image row goes with its last name. Returns whether the image itself was deleted. */
  untag(name: string): { imageId: string; deleted: boolean } | undefined {
    const db = this.db;
    return db.transaction(() => {
      const row = db.query<{ image_id: string }, [string]>("SELECT image_id FROM image_names WHERE name = ?").get(name);
      if (!row) return undefined;
      db.query("DELETE FROM image_names WHERE name = ?").run(name);
      const left = db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM image_names WHERE image_id = ? AND kind = 'tag'").get(row.image_id)!.n;
      if (left === 0) {
        db.query("DELETE FROM images WHERE id = ?").run(row.image_id);
        return { imageId: row.image_id, deleted: true };
      }
      return { imageId: row.image_id, deleted: false };
    }).immediate();
  }

  /**
   * Removes names and keeps their images, even one left with no name: `rmi -f` of an image a
   * stopped container still mounts (docker leaves it dangling too; `image prune` skips it while used).
   */
  removeNames(names: string[]): void {
    const db = this.db;
    db.transaction(() => {
      const del = db.query("DELETE FROM image_names WHERE name = ?");
      for (const n of names) del.run(n);
    }).immediate();
  }

  /**
   * Gives an image more names — `kitten tag`, and the `<repo>@<digest>` a push produced, as docker
   * records RepoDigests — moving each from any image that had it (docker moves a tag too).
   */
  addNames(id: string, names: { tags?: string[]; digests?: string[] }): void {
    const db = this.db;
    db.transaction(() => {
      const put = db.query("INSERT INTO image_names (name, kind, image_id) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, kind = excluded.kind");
      for (const t of names.tags ?? []) put.run(t, "tag", id);
      for (const d of names.digests ?? []) put.run(d, "digest", id);
    }).immediate();
  }

  deleteImage(id: string): string[] {
    const db = this.db;
    return db.transaction(() => {
      const names = db.query<{ name: string }, [string]>("SELECT name FROM image_names WHERE image_id = ?").all(id).map((r) => r.name);
      db.query("DELETE FROM images WHERE id = ?").run(id);
      return names;
    }).immediate();
  }

  /**
   * Deletes dangling images (no name left: a re-pulled tag moved to a newer image) except those in
   * `inUse` (ids of images containers were created from: their layers are the containers' overlay
   * lower dirs), then the blobs, layers and leftovers of interrupted pulls that no image references.
   */
  async prune(options: PruneOptions = {}): Promise<{ images: number; blobs: number; layers: number; bytes: number }> {
    return this.locked("exclusive", () => this.collect(options));
  }

  private async collect(options: PruneOptions): Promise<{ images: number; blobs: number; layers: number; bytes: number }> {
    this.ensureDirs();
    let images = 0;
    if (options.dangling !== false) {
      const db = this.db;
      const inUse = options.inUse ?? new Set<string>();
      images = db.transaction(() => {
        const dangling = db.query<{ id: string }, []>("SELECT id FROM images WHERE id NOT IN (SELECT image_id FROM image_names)").all();
        const del = db.query("DELETE FROM images WHERE id = ?");
        let n = 0;
        for (const { id } of dangling) if (!inUse.has(id)) n += del.run(id).changes;
        return n;
      }).immediate();
    }
    const keepBlobs = new Set<string>();
    const keepLayers = new Set<string>();
    // layers the build cache refers to stay, with their uncompressed blobs: the next build reuses them (src/engine/build/cache.ts)
    for (const diffId of cachedLayers(this.db)) {
      keepLayers.add(hexOf(diffId));
      keepBlobs.add(hexOf(diffId));
    }
    for (const img of this.list()) {
      keepBlobs.add(hexOf(img.id));
      for (const l of img.layers) {
        keepBlobs.add(hexOf(l.digest));
        keepLayers.add(hexOf(l.diffId));
      }
      for (const m of img.manifests) keepBlobs.add(hexOf(m));
    }
    let blobs = 0;
    let bytes = 0;
    for (const hex of readdirSync(this.blobsDir)) {
      if (keepBlobs.has(hex)) continue;
      const p = join(this.blobsDir, hex);
      bytes += statSync(p).size;
      unlinkSync(p);
      blobs++;
    }
    const cutoff = Date.now() - (options.tmpOlderThanMs ?? 10 * 60_000);
    const trees: string[] = [];
    let layers = 0;
    for (const name of readdirSync(this.layersDir)) {
      const p = join(this.layersDir, name);
      if (name.startsWith(".tmp-")) continue; // leftovers() below
      if (!keepLayers.has(name)) {
        trees.push(p);
        layers++;
      }
    }
    // every ingest no pull holds is freed: prune is asked to give the disk back
    const stale = this.leftovers({ cutoff, ingests: "unheld" });
    for (const f of stale.files) bytes += sizeOf(f);
    for (const f of stale.files) rmSync(f, { recursive: true, force: true });
    await this.removeTrees([...trees, ...stale.trees]);
    return { images, blobs, layers, bytes };
  }

  /**
   * What writers of the store left behind when they died (#14: a killed `image import` left
   * 590 MB that neither a re-import nor `image prune` removed): temp files and unpack dirs name
   * their process (`<label>.<pid>.<rand>`, `.tmp-<what>-<pid>-<rand>`), so those of a process
   * that is gone are stale at any age, those of a live one never. Ingests (resumable downloads)
   * are flocked while written: an unheld one is stale for prune ("unheld"), and for the next pull
   * once a day old ("old"), so a download broken a minute ago still resumes. Anything without
   * an owner is stale after `cutoff`.
   */
  leftovers(o: { cutoff?: number; ingests: "unheld" | "old" }): { files: string[]; trees: string[] } {
    const cutoff = o.cutoff ?? Date.now() - 10 * 60_000;
    const files: string[] = [];
    const trees: string[] = [];
    const mtime = (p: string) => {
      try {
        return statSync(p).mtimeMs;
      } catch {
        return Date.now();
      }
    };
    if (existsSync(this.tmpDir)) {
      for (const name of readdirSync(this.tmpDir)) {
        const p = join(this.tmpDir, name);
        if (name.startsWith("ingest-")) {
          if ((o.ingests === "unheld" || mtime(p) < Date.now() - 24 * 3600_000) && unheld(p)) files.push(p);
          continue;
        }
        const owner = /^[a-z]+\.(\d+)\.[a-z0-9]+$/.exec(name)?.[1];
        if (owner !== undefined ? !processAlive(Number(owner)) : mtime(p) < cutoff) files.push(p);
      }
    }
    if (existsSync(this.layersDir)) {
      for (const name of readdirSync(this.layersDir)) {
        if (!name.startsWith(".tmp-")) continue;
        const p = join(this.layersDir, name);
        const owner = /^\.tmp-[a-z0-9]+-(\d+)-[a-z0-9]+$/.exec(name)?.[1];
        if (owner !== undefined ? !processAlive(Number(owner)) : mtime(p) < cutoff) trees.push(p);
      }
    }
    return { files, trees };
  }

  /** Removes the leftovers of dead writers; every pull, load and import starts with it. */
  async cleanLeftovers(): Promise<void> {
    const { files, trees } = this.leftovers({ ingests: "old" });
    for (const f of files) rmSync(f, { recursive: true, force: true });
    if (trees.length > 0) await this.removeTrees(trees);
  }
}

/** Whether process `pid` exists (EPERM: it does, as another user's). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether no process holds the flock of an ingest file (a download in progress does). */
function unheld(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    if (flock(fd, LOCK_EX | LOCK_NB) !== 0) return false;
    flock(fd, LOCK_UN);
    return true;
  } finally {
    closeSync(fd);
  }
}

function sizeOf(path: string): number {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

/** Whether the open descriptor and the path are the same file (not renamed away, not replaced). */
function sameFile(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = statSync(path);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}
