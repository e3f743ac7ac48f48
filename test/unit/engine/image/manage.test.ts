/**
 * `rmi` and `image prune` against containers that use images: what is refused, what is only
 * untagged, and that the layers a container mounts survive. Layer dirs are real directories,
 * removed through the unpacker's namespace as in production.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kittenPaths, type KittenPaths } from "../../../../src/core/paths.ts";
import { KittenError } from "../../../../src/core/errors.ts";
import { closeStateDbs } from "../../../../src/engine/state/db.ts";
import { ImageStore } from "../../../../src/engine/image/store.ts";
import { pruneImages, removeImages, type ImageUser } from "../../../../src/engine/image/manage.ts";

const hex = (c: string) => c.repeat(64);
const idOf = (c: string) => `sha256:${hex(c)}`;

let root: string;
let paths: KittenPaths;
let store: ImageStore;

/** An image with one layer of its own (diff id and blob named after `layer`) and its layer dir on disk. */
function saveImage(id: string, tags: string[], layer: string, digests: string[] = []): void {
  store.saveImage({
    id: idOf(id),
    config: { architecture: "amd64", os: "linux" },
    layers: [{ digest: idOf(layer), diffId: idOf(layer), size: 1, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" }],
    manifests: [],
    tags,
    digests,
  });
  store.ensureDirs();
  mkdirSync(store.layerPath(idOf(layer)), { recursive: true });
  writeFileSync(join(store.layerPath(idOf(layer)), "file"), layer);
  writeFileSync(store.blobPath(idOf(layer)), layer);
}

const users = (list: Array<[string, string, boolean]>) => (imageId: string): ImageUser[] =>
  list.filter(([image]) => idOf(image) === imageId).map(([, name, running]) => ({ name, running }));

/** every image id with its tags, to compare before and after */
const snapshot = () => store.list().map((i) => [i.id, i.tags]).sort();

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kitten-manage-"));
  paths = kittenPaths({ KITTEN_ROOT: root });
  store = new ImageStore(paths);
  saveImage("a", ["docker.io/library/app:1", "docker.io/library/app:latest"], "1");
  saveImage("b", ["docker.io/library/tool:1"], "2");
});

afterEach(() => {
  closeStateDbs();
  rmSync(root, { recursive: true, force: true });
});

describe("rmi of an image containers use", () => {
  test.each([
    { name: "untags one of two tags even while a running container uses the image", refs: ["app:1"], use: [["a", "web", true]], untagged: ["docker.io/library/app:1"], deleted: [], layersGone: [] },
    { name: "deletes the last tag's image when no container uses it", refs: ["tool:1"], use: [["a", "web", true]], untagged: ["docker.io/library/tool:1"], deleted: [idOf("b")], layersGone: ["2"] },
    { name: "untags only with -f when a stopped container uses it, keeping the image", refs: ["tool:1"], force: true, use: [["b", "old", false]], untagged: ["docker.io/library/tool:1"], deleted: [], layersGone: [] },
    { name: "untags every name with -f by id when only stopped containers use it", refs: [hex("a").slice(0, 12)], force: true, use: [["a", "old", false]], untagged: ["docker.io/library/app:1", "docker.io/library/app:latest"], deleted: [], layersGone: [] },
  ] as Array<{ name: string; refs: string[]; force?: boolean; use: Array<[string, string, boolean]>; untagged: string[]; deleted: string[]; layersGone: string[] }>)("$name", async ({ refs, force, use, untagged, deleted, layersGone }) => {
    const result = await removeImages(refs, paths, { usedBy: users(use), force });
    expect(result).toEqual({ untagged, deleted });
    // an image a container uses is still there with its layer and blob, whatever lost its names
    for (const [image] of use) {
      expect(store.find(idOf(image))).toBeDefined();
      const layer = store.find(idOf(image))!.layers[0]!;
      expect(existsSync(join(store.layerPath(layer.diffId), "file"))).toBe(true);
      expect(existsSync(store.blobPath(layer.digest))).toBe(true);
    }
    for (const id of deleted) expect(store.find(id)).toBeUndefined();
    for (const layer of ["1", "2"]) expect(existsSync(store.layerPath(idOf(layer)))).toBe(!layersGone.includes(layer));
  });

  test.each([
    {
      name: "refuses the last tag of an image a stopped container uses",
      refs: ["tool:1"], use: [["b", "old", false]],
      message: 'image "tool:1" is used by container "old"', hint: "kitten rm old first, or kitten rmi -f tool:1 to untag it only",
    },
    {
      name: "refuses an image by id a running container uses, even with -f",
      refs: [idOf("a")], force: true, use: [["a", "web", true], ["a", "old", false]],
      message: `image "${idOf("a")}" is used by running container "web"`, hint: "stop and remove it first: kitten rm -f web",
    },
    {
      name: "refuses the image's every tag at once when stopped containers use it, naming them all",
      refs: ["app:1", "app:latest"], use: [["a", "old", false], ["a", "older", false]],
      message: 'image "app:1" is used by containers "old", "older"', hint: "kitten rm old older first, or kitten rmi -f app:1 app:latest to untag it only",
    },
    {
      name: "changes nothing for earlier refs when a later one is refused",
      refs: ["tool:1", "app:1", "app:latest"], use: [["a", "web", true]],
      message: 'image "app:1" is used by running container "web"', hint: "stop and remove it first: kitten rm -f web",
    },
  ] as Array<{ name: string; refs: string[]; force?: boolean; use: Array<[string, string, boolean]>; message: string; hint: string }>)("$name", async ({ refs, force, use, message, hint }) => {
    const before = snapshot();
    const err = await removeImages(refs, paths, { usedBy: users(use), force }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KittenError);
    expect(err).toMatchObject({ message, hint, code: "image_in_use", exitCode: 2 });
    expect(snapshot()).toEqual(before);
    for (const layer of ["1", "2"]) expect(existsSync(join(store.layerPath(idOf(layer)), "file"))).toBe(true);
  });

  test("an image kept by rmi -f is dangling and goes with image prune once no container uses it", async () => {
    saveImage("b", ["docker.io/library/tool:1"], "2", [`docker.io/library/tool@${idOf("9")}`]);
    await removeImages(["tool:1"], paths, { usedBy: users([["b", "old", false]]), force: true });
    // its digest name went with its last tag, as when an image is deleted: nothing names it now
    expect(store.find(idOf("b"))).toMatchObject({ tags: [], digests: [] });
    expect((await pruneImages(paths, { inUse: new Set([idOf("b")]) })).images).toBe(0);
    expect(store.find(idOf("b"))).toBeDefined();
    expect((await pruneImages(paths, { inUse: new Set() })).images).toBe(1);
    expect(store.find(idOf("b"))).toBeUndefined();
    expect(existsSync(store.layerPath(idOf("2")))).toBe(false);
  });
});

describe("image prune and containers", () => {
  test("keeps a dangling image a container uses with its layer and blob, and removes an unused dangling one", async () => {
    // re-pulled tags moved to newer images: a and b are dangling now
    saveImage("c", ["docker.io/library/app:1", "docker.io/library/app:latest"], "3");
    saveImage("d", ["docker.io/library/tool:1"], "4");
    expect(store.list().filter((i) => i.tags.length === 0).map((i) => i.id).sort()).toEqual([idOf("a"), idOf("b")]);
    const result = await pruneImages(paths, { inUse: new Set([idOf("a")]) });
    expect(result).toMatchObject({ images: 1, blobs: 1, layers: 1 });
    expect(store.find(idOf("a"))).toBeDefined();
    expect(existsSync(join(store.layerPath(idOf("1")), "file"))).toBe(true);
    expect(existsSync(store.blobPath(idOf("1")))).toBe(true);
    expect(store.find(idOf("b"))).toBeUndefined();
    expect(existsSync(store.layerPath(idOf("2")))).toBe(false);
    expect(existsSync(store.blobPath(idOf("2")))).toBe(false);
  });
});
