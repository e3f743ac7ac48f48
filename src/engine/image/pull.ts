/**
 * Pulling an image: resolve the reference on the registry's mirrors and then the registry itself,
 * pick the platform from an index, fetch and verify the config, then download the missing layers
 * concurrently (bounded) and unpack each as soon as it is verified, and record the image last.
 * Progress goes out as events: one `progress` stream per layer (id = short digest).
 */
import { InvalidInputError, RuntimeFailure, errorText, isKittenError } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { silentReporter, type Reporter } from "../../core/reporter.ts";
import { findCredentials } from "./auth.ts";
import { MEDIA, formatPlatform, parseManifest, parsePlatform, selectPlatform, type Descriptor, type ImageManifest } from "./manifest.ts";
import { formatReference, parseReference, referenceTarget, type ImageReference } from "./reference.ts";
import { endpointsFor, loadRegistrySettings, type RegistrySettings } from "./registry-config.ts";
import { ManifestNotFound, RegistryClient } from "./registry-client.ts";
import { ImageStore, type ImageRecord, type LayerRecord } from "./store.ts";
import { limiter } from "./limit.ts";
import { LIMITS, tooLargeError } from "./http-limits.ts";

export interface PullOptions {
  platform?: string;
  reporter?: Reporter;
  store?: ImageStore;
  paths?: KittenPaths;
  settings?: RegistrySettings;
  /** concurrent layer downloads (default 3) */
  downloads?: number;
}

export interface PullResult {
  ref: string;
  id: string;
  digest: string;
  /** layers fetched by this pull (the rest were already present) */
  downloaded: number;
  layers: number;
}

const UNPACKS = limiter(2);
/** layers being fetched by any pull in this process, so parallel pulls sharing a base layer fetch it once */
const LAYERS_IN_FLIGHT = new Map<string, Promise<void>>();

interface ImageConfigDoc {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  rootfs?: { type?: string; diff_ids?: string[] };
  config?: Record<string, unknown>;
}

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

/** The name an image is stored under for a reference: its digest when pinned, else its tag. */
export function storedName(r: ImageReference): string {
  return r.digest ? `${r.registry}/${r.repository}@${r.digest}` : formatReference(r);
}

async function openManifest(r: ImageReference, settings: RegistrySettings, paths: KittenPaths, reporter: Reporter) {
  const errors: unknown[] = [];
  const endpoints = endpointsFor(r.registry, settings);
  for (const endpoint of endpoints) {
    const client = new RegistryClient(endpoint, { credentials: findCredentials(endpoint.host, paths) });
    try {
      const manifest = await client.getManifest(r.repository, referenceTarget(r));
      return { client, manifest };
    } catch (err) {
      errors.push(err);
      const recoverable = !isKittenError(err) || err instanceof ManifestNotFound || err.code === "registry_unreachable" || err.code === "registry_unavailable";
      if (!endpoint.mirror || !recoverable) {
        if (endpoints.length > 1 && isKittenError(err) && err.code === "registry_unreachable") {
          throw new RuntimeFailure(`${formatReference(r)}: no mirror had the image and ${err.message}`, { code: err.code, hint: err.hint });
        }
        throw err;
      }
      reporter.emit({ type: "info", message: `mirror ${endpoint.host} could not serve ${formatReference(r)} (${errorText(err)}); trying the next source` });
    }
  }
  throw errors[errors.length - 1];
}

export async function pullImage(refText: string, options: PullOptions = {}): Promise<PullResult> {
  const r = parseReference(refText);
  const paths = options.paths ?? kittenPaths();
  const store = options.store ?? new ImageStore(paths);
  return store.locked("shared", () => pull(r, store, paths, options));
}

async function pull(r: ImageReference, store: ImageStore, paths: KittenPaths, options: PullOptions): Promise<PullResult> {
  const name = formatReference(r);
  const reporter = options.reporter ?? silentReporter;
  const settings = options.settings ?? loadRegistrySettings(paths);
  const wanted = parsePlatform(options.platform);

  const { client, manifest: top } = await openManifest(r, settings, paths, reporter);
  if (r.digest && top.digest !== r.digest) {
    throw new RuntimeFailure(`${name}: the registry returned a manifest with digest ${top.digest}`, { code: "digest_mismatch", hint: "the registry or a proxy served different content than pinned" });
  }
  const manifests: { digest: string; bytes: Uint8Array }[] = [{ digest: top.digest, bytes: top.bytes }];
  let doc = parseManifest(top.bytes, top.mediaType, name);
  if (doc.kind === "index") {
    const chosen = selectPlatform(doc, wanted, name);
    const m = await client.getManifest(r.repository, chosen.digest);
    if (m.digest !== chosen.digest) throw new RuntimeFailure(`${name}: manifest ${chosen.digest} does not match its digest`, { code: "digest_mismatch", hint: "the registry or a proxy served other content than the index lists" });
    manifests.push({ digest: m.digest, bytes: m.bytes });
    doc = parseManifest(m.bytes, m.mediaType, name);
    if (doc.kind !== "manifest") throw new RuntimeFailure(`${name}: an index points to another index`, { code: "unsupported_manifest", hint: "nested indexes are not supported; pull the platform's manifest by digest" });
  }
  const manifest: ImageManifest = doc;

  // the config is small: fetch it (verified) unless we have it
  const configDigest = manifest.config.digest;
  // read whole into memory below: bounded first (#14, http-limits.ts)
  if (!(manifest.config.size <= LIMITS.config)) throw tooLargeError(client.endpoint.host, `the config of ${name} (${manifest.config.size} bytes declared)`, LIMITS.config);
  if (!store.hasBlob(configDigest)) await store.fetchBlob(configDigest, (tmp) => client.downloadBlob(r.repository, manifest.config, tmp));
  const config = JSON.parse(new TextDecoder().decode(store.readBlob(configDigest))) as ImageConfigDoc;
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layerDescs = manifest.layers.filter((l) => !l.mediaType.includes("foreign"));
  if (diffIds.length !== layerDescs.length) {
    throw new RuntimeFailure(`${name}: the config lists ${diffIds.length} layers, the manifest ${layerDescs.length}`, { code: "bad_manifest", hint: "the image is inconsistent; rebuild or re-push it" });
  }
  if (manifests.length === 1 && options.platform && config.architecture && config.architecture !== wanted.architecture) {
    reporter.emit({ type: "warning", message: `${name} is for ${formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant })}, not the requested ${formatPlatform(wanted)}` });
  }

  const layers: LayerRecord[] = layerDescs.map((d, i) => ({ digest: d.digest, diffId: diffIds[i]!, size: d.size, mediaType: d.mediaType }));
  const downloads = limiter(options.downloads ?? 3);
  let downloaded = 0;
  const fetchLayer = async (layer: LayerRecord, desc: Descriptor): Promise<void> => {
    const id = shortId(layer.digest);
    if (store.hasLayer(layer.diffId)) {
      reporter.emit({ type: "progress", id, action: "already exists", done: true });
      return;
    }
    if (!store.hasBlob(layer.digest)) {
      reporter.emit({ type: "progress", id, action: "waiting", current: 0, total: layer.size });
      await downloads(() =>
        store.fetchBlob(layer.digest, async (tmp) => {
          let last = 0;
          await client.downloadBlob(r.repository, desc, tmp, (received) => {
            const now = performance.now();
            if (now - last < 100) return;
            last = now;
            reporter.emit({ type: "progress", id, action: "downloading", current: received, total: layer.size });
          });
          reporter.emit({ type: "progress", id, action: "verified", current: layer.size, total: layer.size });
        }),
      );
      downloaded++;
    }
    await UNPACKS(async () => {
      reporter.emit({ type: "progress", id, action: "extracting" });
      await store.unpackLayer(store.blobPath(layer.digest), { diffId: layer.diffId, name: id, reporter });
    });
    reporter.emit({ type: "progress", id, action: "pull complete", done: true });
  };
  // allSettled: no download or unpack may still run (outside the store lock) once this returns
  const outcomes = await Promise.allSettled(
    layers.map((layer, i) => {
      let p = LAYERS_IN_FLIGHT.get(layer.diffId);
      if (!p) {
        p = fetchLayer(layer, layerDescs[i]!).finally(() => LAYERS_IN_FLIGHT.delete(layer.diffId));
        LAYERS_IN_FLIGHT.set(layer.diffId, p);
      }
      return p;
    }),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failed) throw failed.reason;

  for (const m of manifests) await store.putBlob(m.bytes, m.digest);
  const tags = r.tag ? [`${r.registry}/${r.repository}:${r.tag}`] : [];
  store.saveImage({
    id: configDigest,
    config: config as ImageRecord["config"],
    layers,
    manifests: manifests.map((m) => m.digest),
    tags,
    digests: [`${r.registry}/${r.repository}@${top.digest}`],
  });
  return { ref: name, id: configDigest, digest: top.digest, downloaded, layers: layers.length };
}

/** Validates a --pull policy value. */
export type PullPolicy = "always" | "missing" | "never";
export function parsePullPolicy(value: string | undefined): PullPolicy {
  const v = value ?? "missing";
  if (v === "always" || v === "missing" || v === "never") return v;
  throw new InvalidInputError(`invalid pull policy "${v}"`, { code: "bad_flag", hint: "use --pull always, missing or never" });
}

export { MEDIA };
