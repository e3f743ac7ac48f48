/**
 * `kitten image save`: images to a tar archive that `docker load`, `podman load`, skopeo and
 * `kitten image load` read.
 *
 * - docker-archive (the default) is the layout docker ≥ 25 writes: `manifest.json` (Config,
 *   RepoTags, Layers — what every docker-archive reader uses) and `repositories` beside an OCI image
 *   layout (`oci-layout`, `index.json`, `blobs/sha256/…`), whose layers are uncompressed tars named
 *   by their diffID, so the archive is a valid OCI layout too.
 * - oci-archive (`--format oci`) is an OCI image layout with the layers compressed as a push sends
 *   them: its manifest is the one `kitten push` would put, digest included.
 *
 * index.json names each tag as docker does: `io.containerd.image.name` = the full reference,
 * `org.opencontainers.image.ref.name` = the tag. Entries are owned by 0:0 with mtime 0, so the
 * same images give the same archive bytes.
 */
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { basename, dirname, join, resolve as resolvePath } from "node:path";
import type { Writable } from "node:stream";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { silentReporter, type Reporter } from "../../core/reporter.ts";
import { ArchiveWriter } from "./archive-writer.ts";
import { compressedLayer, configFile, ociManifest, storedLayers, storedManifest, uncompressedLayer, type LayerFile, type ManifestBytes } from "./layer-export.ts";
import { MEDIA, type Descriptor } from "./manifest.ts";
import { findImage } from "./manage.ts";
import { shortId, storedName } from "./pull.ts";
import { familiarReference, parseReference } from "./reference.ts";
import { hexOf, ImageStore, type ImageRecord } from "./store.ts";

export type SaveFormat = "docker-archive" | "oci-archive";

export interface SaveOptions {
  format?: SaveFormat;
  store?: ImageStore;
  paths?: KittenPaths;
  reporter?: Reporter;
}

export interface SavedImage {
  id: string;
  /** normalized tags written to the archive (none when the image was named by id) */
  tags: string[];
}

export function parseSaveFormat(value: string | undefined): SaveFormat {
  const v = value ?? "docker-archive";
  if (v === "docker-archive" || v === "docker") return "docker-archive";
  if (v === "oci-archive" || v === "oci") return "oci-archive";
  throw new InvalidInputError(`unknown archive format "${v}"`, { code: "bad_flag", hint: "use --format docker-archive (the default) or --format oci" });
}

/** The images the arguments name, each once, with the tags the arguments gave them (docker saves those tags). */
function selection(store: ImageStore, refs: string[]): { image: ImageRecord; tags: string[] }[] {
  if (refs.length === 0) throw new InvalidInputError("no image given", { code: "bad_usage", hint: "kitten image save -o images.tar nginx:1.27 …" });
  const byId = new Map<string, { image: ImageRecord; tags: string[] }>();
  for (const ref of refs) {
    const image = findImage(store, ref);
    const entry = byId.get(image.id) ?? { image, tags: [] };
    byId.set(image.id, entry);
    let name: string | undefined;
    try {
      name = storedName(parseReference(ref));
    } catch {}
    if (name && image.tags.includes(name) && !entry.tags.includes(name)) entry.tags.push(name);
  }
  return [...byId.values()];
}

const blobName = (digest: string) => `blobs/sha256/${hexOf(digest)}`;

/** Writes the archive to `out` (a file stream or stdout); the caller ends it. */
export function saveImages(refs: string[], out: Writable, options: SaveOptions = {}): Promise<SavedImage[]> {
  const store = options.store ?? new ImageStore(options.paths ?? kittenPaths());
  return store.locked("shared", () => writeArchive(store, selection(store, refs), out, options));
}

/** Writes the archive to `file` through a temp file beside it, renamed in place when complete: never half an archive under the name. */
export async function saveImagesToFile(refs: string[], file: string, options: SaveOptions & { cwd?: string } = {}): Promise<SavedImage[]> {
  const path = resolvePath(options.cwd ?? process.cwd(), file);
  const tmp = join(dirname(path), `.${basename(path)}.kitten-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  let stream;
  try {
    stream = createWriteStream(tmp, { flags: "wx", mode: 0o644 });
    await once(stream, "open");
  } catch (err) {
    throw new InvalidInputError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { code: "bad_output", hint: "check that the directory exists and is writable" });
  }
  try {
    const saved = await saveImages(refs, stream, options);
    stream.end();
    await once(stream, "close");
    renameSync(tmp, path);
    return saved;
  } catch (err) {
    stream.destroy();
    rmSync(tmp, { force: true });
    throw err;
  }
}

async function writeArchive(store: ImageStore, images: { image: ImageRecord; tags: string[] }[], out: Writable, options: SaveOptions): Promise<SavedImage[]> {
  const format = options.format ?? "docker-archive";
  const reporter = options.reporter ?? silentReporter;
  const tar = new ArchiveWriter(out);
  const written = new Set<string>();
  const put = async (f: LayerFile | ManifestBytes) => {
    const name = blobName(f.digest);
    if (written.has(name)) return;
    written.add(name);
    if ("bytes" in f) await tar.bytes(name, f.bytes);
    else await tar.file(name, f.path, f.size);
  };
  const index: Descriptor[] = [];
  const dockerManifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};

  for (const { image, tags } of images) {
    const what = tags[0] ? familiarReference(parseReference(tags[0])) : shortId(image.id);
    const layers = storedLayers(store, image, what);
    const config = configFile(store, image, what);
    await put(config);
    const reused = format === "oci-archive" ? storedManifest(store, image, layers) : undefined;
    const sent: Descriptor[] = [];
    for (const layer of layers) {
      const id = shortId(layer.diffId);
      reporter.emit({ type: "progress", id, action: "writing" });
      const file = format === "docker-archive" ? await uncompressedLayer(store, layer, what) : reused ? { path: layer.path, digest: layer.digest, size: layer.size, mediaType: "", release() {} } : await compressedLayer(store, layer);
      try {
        await put(file);
      } finally {
        file.release();
      }
      sent.push({ mediaType: file.mediaType, digest: file.digest, size: file.size });
      reporter.emit({ type: "progress", id, action: "written", done: true });
    }
    const manifest = reused ?? ociManifest({ mediaType: config.mediaType, digest: config.digest, size: config.size }, sent);
    await put(manifest);
    const desc = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
    if (tags.length === 0) index.push(desc);
    for (const tag of tags) {
      const r = parseReference(tag);
      index.push({ ...desc, annotations: { "io.containerd.image.name": tag, "org.opencontainers.image.ref.name": r.tag! } });
      const repo = familiarReference({ ...r, tag: undefined });
      (repositories[repo] ??= {})[r.tag!] = hexOf(layers.at(-1)?.diffId ?? image.id);
    }
    dockerManifest.push({ Config: blobName(config.digest), RepoTags: tags.length > 0 ? tags.map((t) => familiarReference(parseReference(t))) : null, Layers: sent.map((d) => blobName(d.digest)) });
  }

  const json = (v: unknown) => JSON.stringify(v);
  await tar.bytes("index.json", json({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index }));
  await tar.bytes("oci-layout", json({ imageLayoutVersion: "1.0.0" }));
  if (format === "docker-archive") {
    await tar.bytes("manifest.json", json(dockerManifest));
    if (Object.keys(repositories).length > 0) await tar.bytes("repositories", json(repositories));
  }
  await tar.finish();
  return images.map(({ image, tags }) => ({ id: image.id, tags }));
}

