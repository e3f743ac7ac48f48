/**
 * Local image management behind `kitten images`, `image inspect`, `rmi` and `image prune`: each
 * returns data for the CLI (or the API) to render, with one stable JSON shape.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { familiarReference, parseReference } from "./reference.ts";
import { storedName } from "./pull.ts";
import { ImageStore, type ImageRecord } from "./store.ts";

/** One row of `kitten images --format json`. */
export interface ImageSummary {
  id: string;
  repository: string;
  tag: string;
  digest: string | null;
  /** normalized references naming this image */
  names: string[];
  created: string | null;
  size: number;
}

export function listImages(paths: KittenPaths = kittenPaths()): ImageSummary[] {
  const store = new ImageStore(paths);
  const rows: ImageSummary[] = [];
  for (const img of store.list()) {
    const names = [...img.tags, ...img.digests];
    const base = { id: img.id, digest: img.digests[0]?.split("@")[1] ?? null, names, created: img.created ?? null, size: img.size };
    if (img.tags.length === 0) rows.push({ ...base, repository: img.digests[0]?.split("@")[0] ?? "<none>", tag: "<none>" });
    for (const t of img.tags) {
      const colon = t.lastIndexOf(":");
      rows.push({ ...base, repository: t.slice(0, colon), tag: t.slice(colon + 1) });
    }
  }
  return rows;
}

/** Finds an image by reference (nginx, nginx:1, …@sha256:…) or by id / id prefix. */
export function findImage(store: ImageStore, ref: string): ImageRecord {
  let record: ImageRecord | undefined;
  try {
    record = store.find(storedName(parseReference(ref)));
  } catch (err) {
    if (!/^(sha256:)?[a-f0-9]{4,64}$/.test(ref)) throw err;
  }
  record ??= store.find(ref);
  if (!record) throw new InvalidInputError(`image ${ref} not found`, { code: "image_missing", hint: "`kitten images` lists the local images" });
  return record;
}

/** docker-like inspect output (a subset of `docker image inspect`), plus kitten's layer dirs. */
export function inspectImage(ref: string, paths: KittenPaths = kittenPaths()) {
  const store = new ImageStore(paths);
  const img = findImage(store, ref);
  return {
    Id: img.id,
    RepoTags: img.tags.map((t) => familiarReference(parseReference(t))),
    RepoDigests: img.digests,
    Created: img.created ?? null,
    Architecture: img.config.architecture ?? null,
    Variant: img.config.variant ?? null,
    Os: img.config.os ?? null,
    Size: img.size,
    Config: img.config.config ?? {},
    RootFS: { Type: "layers", Layers: img.layers.map((l) => l.diffId) },
    Layers: img.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size, mediaType: l.mediaType, path: store.layerPath(l.diffId) })),
  };
}

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

/** A container created from an image; `running` decides whether `rmi -f` may untag it. */
export interface ImageUser {
  name: string;
  running: boolean;
}

export interface RemoveOptions {
  /**
   * The containers created from an image (their overlay lower dirs are its layers). Passed in by
   * the CLI's composition: the image engine does not import the runtime.
   */
  usedBy?: (imageId: string) => ImageUser[];
  /** `-f`: an image only stopped containers use loses its names but stays, so their layers do */
  force?: boolean;
}

interface Removal {
  image: ImageRecord;
  /** the arguments naming this image, in the order given */
  refs: string[];
  /** the tag and digest names to remove; an id removes them all */
  names: string[];
  byId: boolean;
}

/**
 * `rmi`: removes names; an image goes with its last tag, or entirely when named by id, then the
 * layers no image uses are freed. An image containers use never goes (docker refuses too): with a
 * running one it is an error even with -f; with stopped ones it is an error, or with -f its names
 * go and the image stays, dangling. Every ref is resolved and checked before anything changes, so
 * a missing or refused one leaves every image as it was.
 */
export async function removeImages(refs: string[], paths: KittenPaths = kittenPaths(), options: RemoveOptions = {}): Promise<RemoveResult> {
  const store = new ImageStore(paths);
  const plan = new Map<string, Removal>();
  for (const ref of refs) {
    const image = findImage(store, ref);
    const removal = plan.get(image.id) ?? { image, refs: [], names: [], byId: false };
    plan.set(image.id, removal);
    removal.refs.push(ref);
    const name = nameOf(image, ref);
    if (name === undefined) removal.byId = true;
    else if (!removal.names.includes(name)) removal.names.push(name);
  }
  const steps = [...plan.values()].map((removal) => ({ removal, action: decide(removal, options) }));

  const result: RemoveResult = { untagged: [], deleted: [] };
  for (const { removal, action } of steps) {
    const { image, names, byId } = removal;
    if (action === "delete") {
      store.deleteImage(image.id);
      result.deleted.push(image.id);
    } else if (action === "keep") {
      // its digest names go with its last tag, as when it is deleted (docker drops them too), so it is dangling
      store.removeNames([...image.tags, ...image.digests]);
    } else {
      store.removeNames(names);
    }
    result.untagged.push(...names, ...(byId ? image.tags.filter((t) => !names.includes(t)) : []));
  }
  if (result.deleted.length > 0) await store.prune({ tmpOlderThanMs: Number.POSITIVE_INFINITY, dangling: false });
  return result;
}

/** The tag or digest name `ref` gives the image, or undefined when it names it by id. */
function nameOf(image: ImageRecord, ref: string): string | undefined {
  let name: string | undefined;
  try {
    name = storedName(parseReference(ref));
  } catch {}
  return name && (image.tags.includes(name) || image.digests.includes(name)) ? name : undefined;
}

/** What happens to one image: names only, the whole image, or names only because containers use it. */
function decide(removal: Removal, options: RemoveOptions): "untag" | "delete" | "keep" {
  const { image, names, byId, refs } = removal;
  // as ImageStore.untag always did: an image goes with its last tag (digest names go with it)
  const goes = byId || image.tags.every((t) => names.includes(t));
  if (!goes) return "untag";
  const users = options.usedBy?.(image.id) ?? [];
  if (users.length === 0) return "delete";
  // a conflict with existing state is exit 2 here, like `container name "x" is already in use`
  const what = `image "${refs[0]}"`;
  const running = users.filter((u) => u.running).map((u) => u.name);
  if (running.length > 0) {
    throw new InvalidInputError(`${what} is used by running ${containers(running)}`, {
      code: "image_in_use",
      hint: `stop and remove ${running.length === 1 ? "it" : "them"} first: kitten rm -f ${running.join(" ")}`,
    });
  }
  if (!options.force) {
    const stopped = users.map((u) => u.name);
    throw new InvalidInputError(`${what} is used by ${containers(stopped)}`, {
      code: "image_in_use",
      hint: `kitten rm ${stopped.join(" ")} first, or kitten rmi -f ${refs.join(" ")} to untag it only`,
    });
  }
  return "keep";
}

function containers(names: string[]): string {
  return `container${names.length === 1 ? "" : "s"} ${names.map((n) => `"${n}"`).join(", ")}`;
}

/** `image prune`: dangling images except those in `inUse` (ids containers were created from), then unreferenced blobs and layers. */
export async function pruneImages(paths: KittenPaths = kittenPaths(), options: { inUse?: ReadonlySet<string> } = {}) {
  return new ImageStore(paths).prune({ inUse: options.inUse });
}
