/**
 * How an image's layers leave the store, for `push` and `save`. The store keeps each layer's blob
 * as it arrived: compressed as the registry sent it (pulls), or an uncompressed tar whose digest is
 * its diffID (imports, docker archives, builds — layers are compressed only on the way out, as
 * buildah and docker do). So:
 *
 * - push and `save --format oci` send a compressed blob as it is, and gzip an uncompressed one
 *   (gzip.ts: on every core, the same bytes for the same layer, so the same digest);
 * - `save` (docker-archive) writes uncompressed tars, decompressing a compressed blob and checking
 *   that its content is the diffID the config names.
 *
 * A pulled image whose stored manifest still describes its blobs goes out with those very bytes:
 * the pushed digest is the pulled one (docker re-pushes a pulled image unchanged too).
 */
import { createWriteStream, rmSync, statSync } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RuntimeFailure } from "../../core/errors.ts";
import { decompressedStream, fileCompression, LAYER_MEDIA_TYPE, type Compression } from "./decompress.ts";
import { MEDIA, parseManifest, type Descriptor } from "./manifest.ts";
import { shortId } from "./pull.ts";
import type { ImageRecord, ImageStore } from "./store.ts";
import { migrate } from "../state/db.ts";
import { gzipFile } from "./gzip.ts";

export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

/** A layer as stored: its blob file and what is in it. */
export interface StoredLayer {
  diffId: string;
  /** the stored blob (compressed or not) */
  path: string;
  digest: string;
  size: number;
  compression: Compression;
}

/** A file holding bytes to send or archive, removed by `release` when it was made for the occasion. */
export interface LayerFile {
  path: string;
  digest: string;
  size: number;
  mediaType: string;
  release(): void;
}

/**
 * The image's layer blobs. A layer is its diffID: when the record's own blob is not there, another
 * image's blob of the same layer serves (a built image shares its base image's layers, stored as
 * the base pulled them). An image none of whose records has a blob of a layer cannot leave the store.
 */
export function storedLayers(store: ImageStore, image: ImageRecord, what: string): StoredLayer[] {
  let others: ImageRecord[] | undefined;
  return image.layers.map((l) => {
    let digest = l.digest;
    if (!store.hasBlob(digest)) {
      others ??= store.list();
      digest = others.flatMap((img) => img.layers).find((o) => o.diffId === l.diffId && store.hasBlob(o.digest))?.digest ?? digest;
    }
    if (!store.hasBlob(digest)) {
      throw new RuntimeFailure(`${what}: the blob of layer ${shortId(l.diffId)} is not in the store`, {
        code: "layer_blob_missing",
        hint: "pull, load or build the image again",
      });
    }
    const path = store.blobPath(digest);
    return { diffId: l.diffId, path, digest, size: statSync(path).size, compression: fileCompression(path) };
  });
}

const keep = () => {};

/** The config blob, sent and archived as stored (its digest is the image id). */
export function configFile(store: ImageStore, image: ImageRecord, what: string): LayerFile {
  if (!store.hasBlob(image.id)) throw new RuntimeFailure(`${what}: the image config ${shortId(image.id)} is not in the store`, { code: "layer_blob_missing", hint: "pull, load or build the image again" });
  const path = store.blobPath(image.id);
  return { path, digest: image.id, size: statSync(path).size, mediaType: OCI_CONFIG, release: keep };
}

/** A stream that hashes and counts what passes through it. */
function hashing(): Transform & { digest(): string; size: number } {
  const hasher = new Bun.CryptoHasher("sha256");
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hasher.update(chunk);
      t.size += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { digest(): string; size: number };
  t.size = 0;
  t.digest = () => `sha256:${hasher.digest("hex")}`;
  return t;
}

/** The layer compressed for a registry or an OCI archive: the stored blob when compressed, else a gzip of it in tmp/. */
export async function compressedLayer(store: ImageStore, layer: StoredLayer): Promise<LayerFile> {
  if (layer.compression !== "none") {
    return { path: layer.path, digest: layer.digest, size: layer.size, mediaType: LAYER_MEDIA_TYPE[layer.compression], release: keep };
  }
  const tmp = store.tempPath(`gzip-${shortId(layer.diffId)}`);
  let gz;
  try {
    gz = await gzipFile(layer.path, tmp);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const file = { path: tmp, ...gz, mediaType: LAYER_MEDIA_TYPE.gzip, release: () => rmSync(tmp, { force: true }) };
  rememberCompressed(store, layer.diffId, file);
  return file;
}

/** The layer as an uncompressed tar (docker-archive), verified against its diffID when it had to be decompressed. */
export async function uncompressedLayer(store: ImageStore, layer: StoredLayer, what: string): Promise<LayerFile> {
  if (layer.compression === "none") {
    if (layer.digest !== layer.diffId) throw new RuntimeFailure(`${what}: layer ${shortId(layer.diffId)} is stored as ${layer.digest}, not its diff id`, { code: "digest_mismatch" });
    return { path: layer.path, digest: layer.diffId, size: layer.size, mediaType: LAYER_MEDIA_TYPE.none, release: keep };
  }
  const tmp = store.tempPath(`tar-${shortId(layer.diffId)}`);
  const hash = hashing();
  try {
    await pipeline(decompressedStream(layer.path), hash, createWriteStream(tmp));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (hash.digest() !== layer.diffId) {
    rmSync(tmp, { force: true });
    throw new RuntimeFailure(`${what}: layer ${shortId(layer.digest)} does not decompress to its diff id ${layer.diffId}`, { code: "digest_mismatch", hint: "the store is damaged: remove the image and pull it again" });
  }
  return { path: tmp, digest: layer.diffId, size: hash.size, mediaType: LAYER_MEDIA_TYPE.none, release: () => rmSync(tmp, { force: true }) };
}

/** An image manifest ready to send: its bytes, type and digest. */
export interface ManifestBytes {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

export function manifestBytes(bytes: Uint8Array, mediaType: string): ManifestBytes {
  return { bytes, mediaType, digest: `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}` };
}

/**
 * The manifest the image was pulled with, when it still describes exactly the stored config and
 * layer blobs (so every blob it names can be sent as it is).
 */
export function storedManifest(store: ImageStore, image: ImageRecord, layers: StoredLayer[]): ManifestBytes | undefined {
  for (const digest of [...image.manifests].reverse()) {
    if (!store.hasBlob(digest)) continue;
    const bytes = new Uint8Array(store.readBlob(digest));
    let doc;
    try {
      doc = parseManifest(bytes, "", digest);
    } catch {
      continue;
    }
    if (doc.kind !== "manifest" || doc.config.digest !== image.id) continue;
    const sent = doc.layers.filter((l) => !l.mediaType.includes("foreign"));
    if (sent.length !== layers.length || sent.some((l, i) => l.digest !== layers[i]!.digest)) continue;
    const declared = (JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: string }).mediaType;
    return { bytes, digest, mediaType: declared ?? (doc.config.mediaType === DOCKER_CONFIG ? MEDIA.dockerManifest : MEDIA.ociManifest) };
  }
  return undefined;
}

/** A new OCI image manifest (image-spec manifest.md) for a config and the layers as they are sent. */
export function ociManifest(config: Descriptor, layers: Descriptor[]): ManifestBytes {
  const desc = (d: Descriptor) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size });
  const doc = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: desc(config), layers: layers.map(desc) };
  return manifestBytes(new TextEncoder().encode(JSON.stringify(doc)), MEDIA.ociManifest);
}

/**
 * diffID → the digest its gzip had, kept like docker's "v2 metadata": a push asks the registry
 * for that blob before compressing the layer again, so re-pushing a built image costs HEAD
 * requests instead of a gzip of every layer.
 */
const MIGRATIONS = [
  `CREATE TABLE compressed_layers (
     diff_id TEXT NOT NULL,
     algorithm TEXT NOT NULL,
     digest TEXT NOT NULL,
     size INTEGER NOT NULL,
     PRIMARY KEY (diff_id, algorithm)
   );`,
];

function compressedTable(store: ImageStore) {
  const db = store.db;
  migrate(db, "image-export", MIGRATIONS);
  return db;
}

function rememberCompressed(store: ImageStore, diffId: string, file: { digest: string; size: number }): void {
  compressedTable(store).query("INSERT INTO compressed_layers (diff_id, algorithm, digest, size) VALUES (?, 'gzip', ?, ?) ON CONFLICT DO UPDATE SET digest = excluded.digest, size = excluded.size").run(diffId, file.digest, file.size);
}

/** The gzip digest and size a layer had when it was last compressed, if it ever was. */
export function knownCompressed(store: ImageStore, diffId: string): { digest: string; size: number } | undefined {
  return compressedTable(store).query<{ digest: string; size: number }, [string]>("SELECT digest, size FROM compressed_layers WHERE diff_id = ? AND algorithm = 'gzip'").get(diffId) ?? undefined;
}
