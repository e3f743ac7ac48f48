/**
 * The ImageResolver the runtime uses (types.ts): a directory rootfs is used in place; local
 * archives and layouts (docker-archive:, oci:, oci-archive:) are loaded into the store; registry
 * references are pulled per policy. `pullMissing` prepares a project's images in parallel.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve as resolvePath } from "node:path";
import { InvalidInputError, RuntimeFailure, errorText, isKittenError } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { silentReporter, type Reporter } from "../../core/reporter.ts";
import type { ImageResolver, OciImageConfig, ResolvedImage } from "./types.ts";
import { ImageStore, type ImageRecord } from "./store.ts";
import { parseReference } from "./reference.ts";
import { pullImage, storedName, type PullPolicy } from "./pull.ts";
import { parsePlatform, type Platform } from "./manifest.ts";
import { isLocalSource, loadLocalSource } from "./local-sources.ts";

export interface ResolverOptions {
  paths?: KittenPaths;
  reporter?: Reporter;
  /** base for relative directory paths ("./rootfs" in a kitten file) */
  cwd?: string;
}

function isPathLike(ref: string): boolean {
  return ref.startsWith("/") || ref.startsWith("./") || ref.startsWith("../") || ref === "." || ref === "..";
}

export function toResolved(store: ImageStore, record: ImageRecord, ref: string): ResolvedImage {
  return {
    ref,
    id: record.id,
    layers: record.layers.map((l) => store.layerPath(l.diffId)),
    config: (record.config.config ?? {}) as OciImageConfig,
    pulledAt: record.pulledAt,
  };
}

function platformMatches(record: ImageRecord, wanted: Platform): boolean {
  const { os, architecture, variant } = record.config;
  if (os && os !== wanted.os) return false;
  if (architecture && architecture !== wanted.architecture) return false;
  return !wanted.variant || !variant || variant === wanted.variant;
}

export class Images implements ImageResolver {
  readonly store: ImageStore;
  private readonly reporter: Reporter;

  constructor(private readonly options: ResolverOptions = {}) {
    this.store = new ImageStore(options.paths ?? kittenPaths());
    this.reporter = options.reporter ?? silentReporter;
  }

  async resolve(ref: string, options: { pull?: PullPolicy; platform?: string } = {}): Promise<ResolvedImage> {
    if (isPathLike(ref)) return this.directory(ref);
    if (isLocalSource(ref)) {
      const record = await loadLocalSource(ref, { store: this.store, reporter: this.reporter, platform: options.platform, cwd: this.options.cwd });
      return toResolved(this.store, record, record.tags[0] ?? ref);
    }
    // an image id (sha256:<hex>, or 12+ hex digits) names a local image, as `docker run <id>` does
    if (/^(sha256:[a-f0-9]{12,64}|[a-f0-9]{12,64})$/.test(ref)) {
      const byId = this.store.find(ref);
      if (byId && byId.id.startsWith(ref.startsWith("sha256:") ? ref : `sha256:${ref}`)) return toResolved(this.store, byId, byId.tags[0] ?? byId.id);
    }
    const r = parseReference(ref);
    const name = storedName(r);
    const policy = options.pull ?? "missing";
    let record = policy === "always" ? undefined : this.store.find(name);
    if (record && !record.layers.every((l) => this.store.hasLayer(l.diffId))) record = undefined;
    // a local image for another platform than the one asked for is missing too
    if (record && options.platform && !platformMatches(record, parsePlatform(options.platform))) record = undefined;
    if (!record) {
      if (policy === "never") {
        throw new InvalidInputError(`image ${name} is not present locally`, { code: "image_missing", hint: `run \`kitten pull ${ref}\`, or use --pull missing` });
      }
      await pullImage(ref, { platform: options.platform, reporter: this.reporter, store: this.store, paths: this.store.paths });
      record = this.store.find(name);
      if (!record) throw new InvalidInputError(`image ${name} is not present after pulling it`, { code: "image_missing" });
    }
    return toResolved(this.store, record, name);
  }

  private directory(ref: string): ResolvedImage {
    const dir = isAbsolute(ref) ? ref : resolvePath(this.options.cwd ?? process.cwd(), ref);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new InvalidInputError(`image directory ${dir} does not exist`, { code: "image_missing", hint: "an image given as a path must be a directory holding a root filesystem" });
    }
    const id = `sha256:${new Bun.CryptoHasher("sha256").update(`dir:${dir}`).digest("hex")}`;
    return { ref: dir, id, layers: [dir], config: {} };
  }
}

/**
 * Makes every image of a project available per policy, pulling in parallel (at most `parallel` at
 * once); duplicates are resolved once. Returns the resolved images by the reference given.
 */
export async function pullMissing(
  refs: string[],
  policy: PullPolicy,
  reporter: Reporter = silentReporter,
  options: { paths?: KittenPaths; platform?: string; parallel?: number; cwd?: string } = {},
): Promise<Map<string, ResolvedImage>> {
  const images = new Images({ paths: options.paths, reporter, cwd: options.cwd });
  const unique = [...new Set(refs)];
  const out = new Map<string, ResolvedImage>();
  let next = 0;
  const errors: { ref: string; err: unknown }[] = [];
  const worker = async () => {
    while (next < unique.length) {
      const ref = unique[next++]!;
      try {
        out.set(ref, await images.resolve(ref, { pull: policy, platform: options.platform }));
      } catch (err) {
        errors.push({ ref, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel ?? 3, unique.length) }, worker));
  if (errors.length === 1) throw errors[0]!.err;
  if (errors.length > 1) {
    // every failure, in the order given, so one `up` shows all the images to fix
    errors.sort((a, b) => unique.indexOf(a.ref) - unique.indexOf(b.ref));
    const lines = errors.map(({ ref, err }) => `${ref}: ${errorText(err)}`).join("; ");
    const allInput = errors.every(({ err }) => isKittenError(err) && err.exitCode === 2);
    const message = `${errors.length} images are not available: ${lines}`;
    const hint = errors.map(({ err }) => (isKittenError(err) ? err.hint : undefined)).find(Boolean);
    throw allInput ? new InvalidInputError(message, { code: "images_unavailable", hint }) : new RuntimeFailure(message, { code: "images_unavailable", hint });
  }
  return out;
}
