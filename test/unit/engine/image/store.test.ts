import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageStore } from "../../../../src/engine/image/store.ts";
import { kittenPaths } from "../../../../src/core/paths.ts";
import { closeStateDbs } from "../../../../src/engine/state/db.ts";
import { InvalidInputError } from "../../../../src/core/errors.ts";

const hex = (c: string) => c.repeat(64);
const image = (id: string, tags: string[], digests: string[] = []) => ({
  id: `sha256:${hex(id)}`,
  config: { architecture: "amd64", os: "linux", config: { Cmd: ["sh"] } },
  layers: [{ digest: `sha256:${hex("1")}`, diffId: `sha256:${hex("2")}`, size: 10, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" }],
  manifests: [`sha256:${hex("3")}`],
  tags,
  digests,
});

let root: string;
let store: ImageStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kitten-store-"));
  store = new ImageStore(kittenPaths({ KITTEN_ROOT: root }));
});

afterEach(() => {
  closeStateDbs();
  rmSync(root, { recursive: true, force: true });
});

describe("image store", () => {
  test("finds an image by name, by id and by a unique id prefix", () => {
    store.saveImage(image("a", ["docker.io/library/nginx:latest"], ["docker.io/library/nginx@sha256:" + hex("9")]));
    expect(store.find("docker.io/library/nginx:latest")?.id).toBe(`sha256:${hex("a")}`);
    expect(store.find(`docker.io/library/nginx@sha256:${hex("9")}`)?.tags).toEqual(["docker.io/library/nginx:latest"]);
    expect(store.find("aaaa")?.id).toBe(`sha256:${hex("a")}`);
    expect(store.find(`sha256:${hex("a")}`)?.layers).toHaveLength(1);
    expect(store.find("docker.io/library/redis:latest")).toBeUndefined();
  });

  test("refuses an ambiguous id prefix", () => {
    store.saveImage({ ...image("a", ["x:1"]), id: `sha256:abcd${"0".repeat(60)}` });
    store.saveImage({ ...image("a", ["y:1"]), id: `sha256:abcd${"1".repeat(60)}` });
    expect(() => store.find("abcd")).toThrow(InvalidInputError);
  });

  test("moves a tag to the newer image, leaving the older one dangling until prune", async () => {
    store.saveImage(image("a", ["docker.io/library/app:1"]));
    store.saveImage(image("b", ["docker.io/library/app:1"]));
    expect(store.find("docker.io/library/app:1")?.id).toBe(`sha256:${hex("b")}`);
    expect(store.list().map((i) => [i.id.slice(7, 8), i.tags]).sort()).toEqual([["a", []], ["b", ["docker.io/library/app:1"]]]);
    expect((await store.prune()).images).toBe(1);
    expect(store.list()).toHaveLength(1);
  });

  test("untagging the last tag deletes the image, an earlier one only the name", () => {
    store.saveImage(image("a", ["r/x:1", "r/x:2"], ["r/x@sha256:" + hex("9")]));
    expect(store.untag("r/x:1")).toEqual({ imageId: `sha256:${hex("a")}`, deleted: false });
    expect(store.untag("r/x:2")).toEqual({ imageId: `sha256:${hex("a")}`, deleted: true });
    expect(store.find(`r/x@sha256:${hex("9")}`)).toBeUndefined();
    expect(store.untag("r/x:2")).toBeUndefined();
  });

  test("removing names keeps the image, even with none left, until a prune that does not call it in use", async () => {
    store.saveImage(image("a", ["r/x:1"], ["r/x@sha256:" + hex("9")]));
    store.removeNames(["r/x:1", `r/x@sha256:${hex("9")}`]);
    expect(store.find("r/x:1")).toBeUndefined();
    expect(store.find(`sha256:${hex("a")}`)?.tags).toEqual([]);
    expect((await store.prune({ inUse: new Set([`sha256:${hex("a")}`]) })).images).toBe(0);
    expect(store.find(`sha256:${hex("a")}`)).toBeDefined();
    expect((await store.prune()).images).toBe(1);
    expect(store.find(`sha256:${hex("a")}`)).toBeUndefined();
  });

  test("prune deletes blobs no image references and keeps the referenced ones", async () => {
    store.saveImage(image("a", ["r/x:1"]));
    store.ensureDirs();
    for (const h of ["1", "3", "a", "f"]) writeFileSync(store.blobPath(`sha256:${hex(h)}`), h);
    const result = await store.prune();
    expect(result).toMatchObject({ images: 0, blobs: 1, layers: 0, bytes: 1 });
    expect(existsSync(store.blobPath(`sha256:${hex("f")}`))).toBe(false);
    for (const h of ["1", "3", "a"]) expect(existsSync(store.blobPath(`sha256:${hex(h)}`))).toBe(true);
  });
});

describe("blob ingest", () => {
  const digest = `sha256:${hex("a")}`;
  const transient = Object.assign(new Error("download interrupted"), { code: "transient" });

  test("keeps what an interrupted download wrote for the next one, which gets the same file", async () => {
    let first = "";
    await expect(
      store.fetchBlob(digest, async (file) => {
        first = file;
        writeFileSync(file, "half");
        throw transient;
      }),
    ).rejects.toThrow("download interrupted");
    expect(readFileSync(first, "utf8")).toBe("half");
    await store.fetchBlob(digest, async (file) => {
      expect(file).toBe(first);
      writeFileSync(file, `${readFileSync(file, "utf8")} and the rest`);
    });
    expect(readFileSync(store.blobPath(digest), "utf8")).toBe("half and the rest");
    expect(existsSync(first)).toBe(false);
  });

  test("drops content that failed its digest", async () => {
    let file = "";
    const bad = Object.assign(new Error("content does not match its digest"), { code: "digest_mismatch" });
    await expect(
      store.fetchBlob(digest, async (f) => {
        file = f;
        writeFileSync(f, "garbage");
        throw bad;
      }),
    ).rejects.toThrow("does not match");
    expect(existsSync(file)).toBe(false);
  });

  test("a second pull of the same blob waits for the first and does not download it again", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const downloads: string[] = [];
    const one = store.fetchBlob(digest, async (f) => {
      downloads.push("one");
      await gate;
      writeFileSync(f, "blob");
    });
    await Bun.sleep(20);
    const two = store.fetchBlob(digest, async (f) => {
      downloads.push("two");
      writeFileSync(f, "again");
    });
    await Bun.sleep(120);
    expect(downloads).toEqual(["one"]);
    release();
    await Promise.all([one, two]);
    expect(downloads).toEqual(["one"]);
    expect(readFileSync(store.blobPath(digest), "utf8")).toBe("blob");
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });
});
