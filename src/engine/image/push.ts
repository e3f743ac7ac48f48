/**
 * `kitten push`: sends a local image to its registry as docker push does — the registry itself,
 * never a mirror (mirrors are read-only in containers' registries.conf and in docker), with the
 * credentials and token flow pulls use. Per blob: a HEAD asks whether the repository has it, a
 * cross-repository mount is tried from repositories of the same registry known to hold it (from
 * the `<repo>@<digest>` names of local images), and only then is it uploaded. The manifest goes
 * last, under the tag; its digest is recorded as the image's `<registry>/<repo>@<digest>` name
 * (docker's RepoDigests).
 *
 * Layers stored uncompressed (imports, archives, builds) are gzipped on the way (layer-export.ts);
 * a pulled image whose manifest still describes its blobs is pushed with that manifest, unchanged.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { silentReporter, type Reporter } from "../../core/reporter.ts";
import { findCredentials } from "./auth.ts";
import { compressedLayer, configFile, knownCompressed, ociManifest, storedLayers, storedManifest, type LayerFile, type StoredLayer } from "./layer-export.ts";
import { LAYER_MEDIA_TYPE } from "./decompress.ts";
import { limiter } from "./limit.ts";
import { familiarReference, formatReference, parseReference, type ImageReference } from "./reference.ts";
import { endpointsFor, loadRegistrySettings, type RegistrySettings } from "./registry-config.ts";
import { RegistryClient } from "./registry-client.ts";
import { shortId } from "./pull.ts";
import { ImageStore, type ImageRecord } from "./store.ts";
import { BlobUploader } from "./upload.ts";
import type { Descriptor } from "./manifest.ts";

export interface PushOptions {
  reporter?: Reporter;
  store?: ImageStore;
  paths?: KittenPaths;
  settings?: RegistrySettings;
  /** blobs above this size go up in chunks of it (default 16 MiB) */
  chunkSize?: number;
  /** concurrent blob uploads (default 3) */
  uploads?: number;
}

export interface PushResult {
  /** the normalized reference pushed */
  ref: string;
  /** the manifest's digest, as the registry serves it */
  digest: string;
  /** bytes of config and layers as sent (compressed) */
  size: number;
  layers: number;
  /** blobs uploaded, found on the registry already, and mounted from another repository */
  uploaded: number;
  existed: number;
  mounted: number;
}

/** The tag a push sends; a digest names content and cannot be pushed to (docker refuses it too). */
function pushTarget(refText: string): ImageReference {
  const r = parseReference(refText);
  if (r.digest) {
    throw new InvalidInputError(`cannot push "${refText}": a digest reference names content, not a tag`, {
      code: "bad_reference",
      hint: `tag the image first: kitten tag ${refText} ${r.registry}/${r.repository}:<tag>`,
    });
  }
  return r;
}

export async function pushImage(refText: string, options: PushOptions = {}): Promise<PushResult> {
  const r = pushTarget(refText);
  const paths = options.paths ?? kittenPaths();
  const store = options.store ?? new ImageStore(paths);
  return store.locked("shared", () => push(r, store, paths, options));
}

/** `push --all-tags`: every local tag of the reference's repository, one after the other (as docker does). */
export async function pushRepository(refText: string, options: PushOptions = {}): Promise<PushResult[]> {
  const r = parseReference(refText);
  if (r.digest || refText.slice(refText.lastIndexOf("/") + 1).includes(":")) {
    throw new InvalidInputError(`"${refText}": --all-tags takes a repository without a tag`, { code: "bad_usage", hint: `kitten push --all-tags ${r.registry}/${r.repository}` });
  }
  const store = options.store ?? new ImageStore(options.paths ?? kittenPaths());
  const prefix = `${r.registry}/${r.repository}:`;
  const tags = store.list().flatMap((img) => img.tags).filter((t) => t.startsWith(prefix)).sort();
  if (tags.length === 0) throw new InvalidInputError(`no local image is tagged in ${familiarReference({ ...r, tag: undefined })}`, { code: "image_missing", hint: "`kitten images` lists the local images" });
  const results: PushResult[] = [];
  for (const tag of tags) results.push(await pushImage(tag, { ...options, store }));
  return results;
}

/**
 * Repositories of the target's registry, other than the target's, that local images holding
 * `has` were pulled from or pushed to (their `<registry>/<repo>@<digest>` names): where a
 * cross-repository mount may find a blob.
 */
function mountSources(store: ImageStore, target: ImageReference, has: (image: ImageRecord) => boolean): string[] {
  const sources = new Set<string>();
  for (const img of store.list()) {
    if (!has(img)) continue;
    for (const name of img.digests) {
      const slash = name.indexOf("/");
      const registry = name.slice(0, slash);
      const repository = name.slice(slash + 1, name.indexOf("@"));
      if (registry === target.registry && repository !== target.repository) sources.add(repository);
    }
  }
  return [...sources];
}

async function push(r: ImageReference, store: ImageStore, paths: KittenPaths, options: PushOptions): Promise<PushResult> {
  const name = formatReference(r);
  const shown = familiarReference(r);
  const reporter = options.reporter ?? silentReporter;
  const image = store.find(name);
  if (!image) {
    throw new InvalidInputError(`image ${shown} not found`, {
      code: "image_missing",
      hint: `\`kitten images\` lists the local images; \`kitten tag <image> ${shown}\` names one for this registry`,
    });
  }
  const settings = options.settings ?? loadRegistrySettings(paths);
  const endpoint = endpointsFor(r.registry, settings).find((e) => !e.mirror)!;
  const client = new RegistryClient(endpoint, { credentials: findCredentials(endpoint.host, paths) });
  const uploader = new BlobUploader(client, r.repository, options.chunkSize);
  const layers = storedLayers(store, image, shown);
  const reused = storedManifest(store, image, layers);
  const uploads = limiter(options.uploads ?? 3);
  const counts = { uploaded: 0, existed: 0, mounted: 0 };

  /** Whether the repository has the blob, or a mount from one of `sources` gave it to it. */
  const alreadyThere = async (id: string, digest: string, sources: string[]): Promise<boolean> => {
    if (await uploader.exists(digest)) {
      counts.existed++;
      reporter.emit({ type: "progress", id, action: "layer already exists", done: true });
      return true;
    }
    for (const from of sources) {
      if (await uploader.mount(digest, from)) {
        counts.mounted++;
        reporter.emit({ type: "progress", id, action: `mounted from ${from}`, done: true });
        return true;
      }
    }
    return false;
  };

  const upload = async (id: string, f: LayerFile): Promise<void> => {
    let last = 0;
    reporter.emit({ type: "progress", id, action: "pushing", current: 0, total: f.size });
    await uploader.upload(f, (sent) => {
      const now = performance.now();
      if (now - last < 100 && sent < f.size) return;
      last = now;
      reporter.emit({ type: "progress", id, action: "pushing", current: sent, total: f.size });
    });
    counts.uploaded++;
    reporter.emit({ type: "progress", id, action: "pushed", done: true });
  };

  /**
   * The descriptor a layer goes up under: its blob as stored when compressed (or named by a reused
   * manifest), else its gzip — made only when neither this repository nor a mount source has the
   * gzip the layer had last time.
   */
  const sendLayer = async (layer: StoredLayer): Promise<Descriptor> => {
    const id = shortId(layer.diffId);
    const sources = mountSources(store, r, (img) => img.layers.some((l) => l.diffId === layer.diffId));
    reporter.emit({ type: "progress", id, action: "preparing" });
    if (reused || layer.compression !== "none") {
      const desc = { digest: layer.digest, size: layer.size, mediaType: LAYER_MEDIA_TYPE[layer.compression] };
      if (!(await alreadyThere(id, desc.digest, sources))) await upload(id, { path: layer.path, ...desc, release() {} });
      return desc;
    }
    const known = knownCompressed(store, layer.diffId);
    if (known && (await alreadyThere(id, known.digest, sources))) return { ...known, mediaType: LAYER_MEDIA_TYPE.gzip };
    reporter.emit({ type: "progress", id, action: "compressing" });
    const gz = await compressedLayer(store, layer);
    try {
      // the same bytes as last time are known to be missing; new ones may be there already
      if (gz.digest === known?.digest || !(await alreadyThere(id, gz.digest, sources))) await upload(id, gz);
    } finally {
      gz.release();
    }
    return { digest: gz.digest, size: gz.size, mediaType: gz.mediaType };
  };

  const sendConfig = async (config: LayerFile): Promise<Descriptor> => {
    const id = shortId(config.digest);
    const sources = mountSources(store, r, (img) => img.id === image.id);
    if (!(await alreadyThere(id, config.digest, sources))) await upload(id, config);
    return config;
  };

  const config = configFile(store, image, shown);
  // allSettled: no upload (or temp gzip) outlives the store lock once this returns
  const outcomes = await Promise.allSettled([
    uploads(() => sendConfig(config)),
    ...layers.map((layer) => uploads(() => sendLayer(layer))),
  ]);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failed) throw failed.reason;
  const [configDesc, ...layerDescs] = outcomes.map((o) => (o as PromiseFulfilledResult<Descriptor>).value);

  const manifest = reused ?? ociManifest({ mediaType: config.mediaType, digest: configDesc!.digest, size: configDesc!.size }, layerDescs);
  await uploader.putManifest(r.tag!, manifest);
  store.addNames(image.id, { digests: [`${r.registry}/${r.repository}@${manifest.digest}`] });
  const size = [configDesc!, ...layerDescs].reduce((n, d) => n + d.size, 0);
  return { ref: name, digest: manifest.digest, size, layers: layers.length, ...counts };
}
