/**
 * Images from local files: `docker-archive:<tar>` (docker save), `oci:<layout-dir>[:tag]`,
 * `oci-archive:<tar>[:tag]`, `kitten image load` (either archive kind, detected) and
 * `kitten image import <rootfs.tar|dir> <name:tag>`. Archives are read with the same tar reader
 * as layers, but only their regular files are staged — by number, never by their own names — so
 * an archive cannot write anywhere but the store's temp dir. Blobs are verified against their
 * digests, layers go through the namespaced unpacker like pulled ones.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, isAbsolute, join, resolve as resolvePath } from "node:path";
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { InvalidInputError, RuntimeFailure, errorText } from "../../core/errors.ts";
import { silentReporter, type Reporter } from "../../core/reporter.ts";
import { decompressedStream, fileCompression, LAYER_MEDIA_TYPE } from "./decompress.ts";
import { hostPlatform, parseManifest, parsePlatform, selectPlatform, type Descriptor } from "./manifest.ts";
import { formatReference, parseReference } from "./reference.ts";
import { shortId } from "./pull.ts";
import { hexOf, ImageStore, type ImageRecord, type LayerRecord } from "./store.ts";
import { TarReader, type TarHeader } from "./unpack/tar-reader.ts";

export const LOCAL_PREFIXES = ["docker-archive:", "oci-archive:", "oci:"] as const;

export function isLocalSource(ref: string): boolean {
  return LOCAL_PREFIXES.some((p) => ref.startsWith(p));
}

interface LoadOptions {
  store: ImageStore;
  reporter?: Reporter;
  platform?: string;
  cwd?: string;
}

interface StagedFile {
  path: string;
  digest: string;
  size: number;
}

const sha256File = async (path: string): Promise<string> => {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return `sha256:${hasher.digest("hex")}`;
};

function absolute(path: string, cwd?: string): string {
  return isAbsolute(path) ? path : resolvePath(cwd ?? process.cwd(), path);
}

/** Splits `path[:tag]` where the path may itself contain colons: the longest existing prefix wins. */
function splitPathTag(spec: string, cwd?: string): { path: string; tag?: string } {
  if (existsSync(absolute(spec, cwd))) return { path: absolute(spec, cwd) };
  const colon = spec.lastIndexOf(":");
  if (colon > 0 && existsSync(absolute(spec.slice(0, colon), cwd))) return { path: absolute(spec.slice(0, colon), cwd), tag: spec.slice(colon + 1) };
  throw new InvalidInputError(`${spec}: no such file or directory`, { code: "image_missing", hint: "check the path" });
}

/** Stages every regular file of a (possibly compressed) tar archive; returns them by normalized name. */
async function stageArchive(archive: string, dir: string): Promise<Map<string, StagedFile>> {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, StagedFile>();
  let current: { fd: number; hasher: Bun.CryptoHasher; name: string; path: string; size: number } | undefined;
  let counter = 0;
  const reader = new TarReader({
    entry(h: TarHeader) {
      if (h.type !== "file") return;
      const path = join(dir, String(counter++));
      current = { fd: openSync(path, "wx", 0o600), hasher: new Bun.CryptoHasher("sha256"), name: h.path.replace(/^(\.\/)+/, "").replace(/^\/+/, ""), path, size: 0 };
    },
    data(chunk) {
      if (!current) return;
      current.hasher.update(chunk);
      let off = 0;
      while (off < chunk.length) off += writeSync(current.fd, chunk, off, chunk.length - off);
      current.size += chunk.length;
    },
    end() {
      if (!current) return;
      closeSync(current.fd);
      files.set(current.name, { path: current.path, digest: `sha256:${current.hasher.digest("hex")}`, size: current.size });
      current = undefined;
    },
  });
  try {
    for await (const chunk of decompressedStream(archive)) if (!reader.finished) reader.write(chunk as Uint8Array);
    reader.close();
  } catch (err) {
    throw new InvalidInputError(`${archive}: not a readable tar archive: ${errorText(err)}`, { code: "bad_archive" });
  }
  return files;
}

/** Where blobs of an image come from while loading it. */
interface BlobSource {
  /** a path holding the blob's bytes, verified against the digest before use */
  file(digest: string): string;
}

async function commitVerified(store: ImageStore, source: string, digest: string, move: boolean): Promise<void> {
  if (store.hasBlob(digest)) return;
  const actual = await sha256File(source);
  if (actual !== digest) throw new InvalidInputError(`blob ${digest} does not match its content (${actual})`, { code: "digest_mismatch", hint: "the archive or layout is corrupt" });
  if (move) store.commitBlob(source, digest);
  else {
    const tmp = store.tempPath("blob");
    copyFileSync(source, tmp);
    store.commitBlob(tmp, digest);
  }
}

/** Installs an image whose config and layer blobs `blobs` provides; records it under `tags`. */
async function install(
  store: ImageStore,
  blobs: BlobSource,
  image: { config: Descriptor; layers: Descriptor[]; manifests: { digest: string; bytes: Uint8Array }[]; tags: string[] },
  reporter: Reporter,
  move: boolean,
): Promise<ImageRecord> {
  await commitVerified(store, blobs.file(image.config.digest), image.config.digest, move);
  const config = JSON.parse(new TextDecoder().decode(store.readBlob(image.config.digest))) as ImageRecord["config"] & { rootfs?: { diff_ids?: string[] } };
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== image.layers.length) {
    throw new InvalidInputError(`image config ${shortId(image.config.digest)} lists ${diffIds.length} layers, the manifest ${image.layers.length}`, { code: "bad_manifest" });
  }
  const layers: LayerRecord[] = [];
  for (const [i, desc] of image.layers.entries()) {
    const diffId = diffIds[i]!;
    const id = shortId(desc.digest);
    layers.push({ digest: desc.digest, diffId, size: desc.size, mediaType: desc.mediaType });
    if (store.hasLayer(diffId)) {
      reporter.emit({ type: "progress", id, action: "already exists", done: true });
      continue;
    }
    await commitVerified(store, blobs.file(desc.digest), desc.digest, move);
    reporter.emit({ type: "progress", id, action: "extracting" });
    await store.unpackLayer(store.blobPath(desc.digest), { diffId, name: id, reporter });
    reporter.emit({ type: "progress", id, action: "loaded", done: true });
  }
  for (const m of image.manifests) await store.putBlob(m.bytes, m.digest);
  store.saveImage({ id: image.config.digest, config, layers, manifests: image.manifests.map((m) => m.digest), tags: image.tags, digests: [] });
  return store.find(image.config.digest)!;
}

function normalizeTag(name: string): string | undefined {
  try {
    const r = parseReference(name);
    return r.digest ? undefined : formatReference(r);
  } catch {
    return undefined;
  }
}

/** docker save output: manifest.json lists each image's config, RepoTags and layer files. */
async function loadDockerArchive(store: ImageStore, files: Map<string, StagedFile>, reporter: Reporter, what: string): Promise<ImageRecord[]> {
  const manifestFile = files.get("manifest.json");
  if (!manifestFile) throw new InvalidInputError(`${what}: not a docker archive (no manifest.json)`, { code: "bad_archive" });
  const entries = JSON.parse(readFileSync(manifestFile.path, "utf8")) as { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
  const records: ImageRecord[] = [];
  for (const entry of entries) {
    const byName = (name: string): StagedFile => {
      const f = files.get(name.replace(/^(\.\/)+/, ""));
      if (!f) throw new InvalidInputError(`${what}: manifest.json refers to "${name}", which is not in the archive`, { code: "bad_archive" });
      return f;
    };
    const config = byName(entry.Config);
    const layers: Descriptor[] = entry.Layers.map((l) => {
      const f = byName(l);
      return { digest: f.digest, size: f.size, mediaType: LAYER_MEDIA_TYPE[fileCompression(f.path)] };
    });
    const staged = new Map([config, ...entry.Layers.map(byName)].map((f) => [f.digest, f.path]));
    const tags = (entry.RepoTags ?? []).map(normalizeTag).filter((t): t is string => Boolean(t));
    records.push(
      await install(
        store,
        { file: (d) => staged.get(d)! },
        { config: { digest: config.digest, size: config.size, mediaType: "application/vnd.docker.container.image.v1+json" }, layers, manifests: [], tags },
        reporter,
        false,
      ),
    );
  }
  return records;
}

const REF_NAME = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME = "io.containerd.image.name";

/** An OCI image layout's index.json entries. */
function layoutIndex(read: (path: string) => string | undefined, what: string): Descriptor[] {
  const indexPath = read("index.json");
  if (!indexPath) throw new InvalidInputError(`${what}: not an OCI image layout (no index.json)`, { code: "bad_archive" });
  return (JSON.parse(readFileSync(indexPath, "utf8")) as { manifests?: Descriptor[] }).manifests ?? [];
}

/** An OCI image layout (a directory, or staged from an archive): the image tagged `tag`, or the only one. */
async function loadOciLayout(store: ImageStore, read: (path: string) => string | undefined, tag: string | undefined, what: string, options: LoadOptions, move: boolean): Promise<ImageRecord> {
  const all = layoutIndex(read, what);
  let chosen: Descriptor | undefined;
  if (tag) chosen = all.find((d) => d.annotations?.[REF_NAME] === tag || d.annotations?.[CONTAINERD_NAME] === tag);
  else if (all.length === 1) chosen = all[0];
  if (!chosen) {
    const names = all.map((d) => d.annotations?.[REF_NAME]).filter(Boolean);
    throw new InvalidInputError(`${what}: ${tag ? `no image tagged "${tag}"` : "several images and no tag given"}`, {
      code: "image_missing",
      hint: names.length > 0 ? `tags in the layout: ${names.join(", ")}` : undefined,
    });
  }
  return installLayoutImage(store, read, chosen, what, options, move);
}

/** Every image an OCI archive's index names (`kitten image load`, as `docker load` loads them all). */
async function loadWholeLayout(store: ImageStore, read: (path: string) => string | undefined, what: string, options: LoadOptions, move: boolean): Promise<ImageRecord[]> {
  const all = layoutIndex(read, what);
  if (all.length === 0) throw new InvalidInputError(`${what}: the archive holds no image`, { code: "bad_archive" });
  const records: ImageRecord[] = [];
  for (const desc of all) records.push(await installLayoutImage(store, read, desc, what, options, move));
  // one image under several names is one record: the last install has them all
  return records.filter((r, i) => records.findLastIndex((o) => o.id === r.id) === i).map((r) => store.find(r.id) ?? r);
}

/** Installs the image an index entry names (through nested indexes, by platform) under the name its annotations give. */
async function installLayoutImage(store: ImageStore, read: (path: string) => string | undefined, chosen: Descriptor, what: string, options: LoadOptions, move: boolean): Promise<ImageRecord> {
  const reporter = options.reporter ?? silentReporter;
  const blobFile = (digest: string): string => {
    const p = read(`blobs/sha256/${hexOf(digest)}`);
    if (!p) throw new InvalidInputError(`${what}: blob ${digest} is missing`, { code: "bad_archive" });
    return p;
  };
  const manifests: { digest: string; bytes: Uint8Array }[] = [];
  let desc = chosen;
  for (let depth = 0; depth < 3; depth++) {
    const bytes = new Uint8Array(readFileSync(blobFile(desc.digest)));
    const digest = `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
    if (digest !== desc.digest) throw new InvalidInputError(`${what}: manifest ${desc.digest} does not match its content`, { code: "digest_mismatch" });
    manifests.push({ digest, bytes });
    const doc = parseManifest(bytes, desc.mediaType, what);
    if (doc.kind === "index") {
      desc = selectPlatform(doc, options.platform ? parsePlatform(options.platform) : hostPlatform(), what);
      continue;
    }
    const name = chosen.annotations?.[CONTAINERD_NAME] ?? chosen.annotations?.[REF_NAME];
    const tags = [name && (name.includes(":") || name.includes("/")) ? normalizeTag(name) : undefined].filter((t): t is string => Boolean(t));
    return install(store, { file: blobFile }, { config: doc.config, layers: doc.layers, manifests, tags }, reporter, move);
  }
  throw new InvalidInputError(`${what}: indexes nested too deeply`, { code: "bad_manifest" });
}

async function withStaging<T>(store: ImageStore, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = store.tempPath("staging");
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads `docker-archive:…`, `oci:…` or `oci-archive:…` into the store. */
export function loadLocalSource(ref: string, options: LoadOptions): Promise<ImageRecord> {
  return options.store.locked("shared", () => loadLocal(ref, options));
}

async function loadLocal(ref: string, options: LoadOptions): Promise<ImageRecord> {
  const { store } = options;
  const reporter = options.reporter ?? silentReporter;
  if (ref.startsWith("oci:")) {
    const { path, tag } = splitPathTag(ref.slice(4), options.cwd);
    return loadOciLayout(store, (p) => (existsSync(join(path, p)) ? join(path, p) : undefined), tag, ref, options, false);
  }
  if (ref.startsWith("oci-archive:")) {
    const { path, tag } = splitPathTag(ref.slice(12), options.cwd);
    return withStaging(store, async (dir) => {
      const files = await stageArchive(path, dir);
      return loadOciLayout(store, (p) => files.get(p)?.path, tag, ref, options, true);
    });
  }
  const { path } = splitPathTag(ref.slice("docker-archive:".length), options.cwd);
  return withStaging(store, async (dir) => {
    const records = await loadDockerArchive(store, await stageArchive(path, dir), reporter, ref);
    if (records.length === 0) throw new InvalidInputError(`${ref}: the archive holds no image`, { code: "bad_archive" });
    return records[0]!;
  });
}

/** `docker save … | kitten image load`: the archive comes on a stream, kept in the store's temp dir while loading. */
export async function loadArchiveStream(stream: AsyncIterable<Uint8Array>, options: LoadOptions): Promise<ImageRecord[]> {
  options.store.ensureDirs();
  const tmp = options.store.tempPath("load");
  try {
    const sink = Bun.file(tmp).writer();
    for await (const chunk of stream) sink.write(chunk);
    await sink.end();
    return await loadArchive(tmp, { ...options, label: "stdin" });
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** `kitten image load -i <tar>`: a docker or OCI archive, detected by its manifest.json or index.json. */
export async function loadArchive(file: string, options: LoadOptions & { label?: string }): Promise<ImageRecord[]> {
  const path = absolute(file, options.cwd);
  if (!existsSync(path)) throw new InvalidInputError(`${file}: no such file`, { code: "image_missing" });
  file = options.label ?? file;
  return options.store.locked("shared", () => withStaging(options.store, async (dir) => {
    const files = await stageArchive(path, dir);
    if (files.has("manifest.json")) return loadDockerArchive(options.store, files, options.reporter ?? silentReporter, file);
    if (files.has("index.json")) return loadWholeLayout(options.store, (p) => files.get(p)?.path, file, options, true);
    throw new InvalidInputError(`${file}: neither a docker archive (manifest.json) nor an OCI archive (index.json)`, { code: "bad_archive", hint: "use `kitten image import` for a plain root filesystem tar" });
  }));
}

/** `kitten image import <rootfs.tar|dir> <name:tag>`: one layer, an empty config. */
export function importRootfs(source: string, name: string, options: LoadOptions): Promise<ImageRecord> {
  return options.store.locked("shared", () => importTree(source, name, options));
}

async function importTree(source: string, name: string, options: LoadOptions): Promise<ImageRecord> {
  const { store } = options;
  const tag = formatReference(parseReference(name));
  const path = absolute(source, options.cwd);
  if (!existsSync(path)) throw new InvalidInputError(`${source}: no such file or directory`, { code: "image_missing", hint: "give a root filesystem tar (or directory) that exists" });
  store.ensureDirs();
  const tmp = store.tempPath("import");
  try {
    if (statSync(path).isDirectory()) {
      const proc = Bun.spawn(["tar", "--numeric-owner", "--xattrs", "-C", path, "-cf", tmp, "."], { stdout: "ignore", stderr: "pipe" });
      const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
      if (code !== 0) throw new RuntimeFailure(`cannot archive ${source}: ${err.trim().split("\n")[0]}`, { code: "import_failed" });
    } else if (statSync(path).isFile()) {
      copyFileSync(path, tmp);
    } else {
      // a pipe or a device (`image import /dev/stdin`, `<(…)`): copied as a stream, since
      // copy_file_range does not read them (ENOTSUP was reported as a bug in kitten)
      await pipeline(createReadStream(path), createWriteStream(tmp, { mode: 0o600 }));
    }
    const digest = await sha256File(tmp);
    const size = statSync(tmp).size;
    const mediaType = LAYER_MEDIA_TYPE[fileCompression(tmp)];
    if (!store.hasBlob(digest)) store.commitBlob(tmp, digest);
    const diffId = await store.unpackLayer(store.blobPath(digest), { name: basename(source), reporter: options.reporter });
    const now = new Date().toISOString();
    const platform = hostPlatform();
    const config = {
      created: now,
      architecture: platform.architecture,
      os: platform.os,
      config: {},
      rootfs: { type: "layers", diff_ids: [diffId] },
      history: [{ created: now, created_by: `kitten image import ${basename(source)}` }],
    };
    const bytes = new TextEncoder().encode(JSON.stringify(config));
    const id = `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
    await store.putBlob(bytes, id);
    store.saveImage({ id, config, layers: [{ digest, diffId, size, mediaType }], manifests: [], tags: [tag], digests: [] });
    return store.find(id)!;
  } finally {
    rmSync(tmp, { force: true });
  }
}
