import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { kittenPaths } from "../../../../src/core/paths.ts";
import { closeStateDbs } from "../../../../src/engine/state/db.ts";
import { ImageStore, type ImageRecord } from "../../../../src/engine/image/store.ts";
import { compressedLayer, knownCompressed, ociManifest, storedLayers, storedManifest, uncompressedLayer } from "../../../../src/engine/image/layer-export.ts";
import { RuntimeFailure } from "../../../../src/core/errors.ts";

const sha = (b: Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;
const enc = new TextEncoder();
/** stands in for a layer tar: the code under test only moves and hashes bytes */
const TAR = enc.encode("layer bytes ".repeat(5000));

let root: string;
let store: ImageStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kitten-export-"));
  store = new ImageStore(kittenPaths({ KITTEN_ROOT: root }));
  store.ensureDirs();
});

afterEach(() => {
  closeStateDbs();
  rmSync(root, { recursive: true, force: true });
});

async function imageWith(blob: Uint8Array, manifests: Uint8Array[] = []): Promise<ImageRecord> {
  const config = enc.encode(JSON.stringify({ rootfs: { type: "layers", diff_ids: [sha(TAR)] } }));
  await store.putBlob(blob, sha(blob));
  await store.putBlob(config, sha(config));
  for (const m of manifests) await store.putBlob(m, sha(m));
  return { id: sha(config), tags: [], digests: [], layers: [{ digest: sha(blob), diffId: sha(TAR), size: blob.length, mediaType: "" }], manifests: manifests.map(sha), config: {}, size: 0, pulledAt: "" };
}

describe("layers leaving the store", () => {
  test("an uncompressed layer is gzipped into tmp/, the same bytes every time, and its gzip digest is remembered", async () => {
    const image = await imageWith(TAR);
    const [layer] = storedLayers(store, image, "app");
    expect(layer!.compression).toBe("none");
    const a = await compressedLayer(store, layer!);
    const b = await compressedLayer(store, layer!);
    expect(a.digest).toBe(b.digest);
    expect(a.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(new Uint8Array(gunzipSync(await Bun.file(a.path).bytes()))).toEqual(TAR);
    expect(knownCompressed(store, sha(TAR))).toEqual({ digest: a.digest, size: a.size });
    a.release();
    b.release();
    expect(existsSync(a.path)).toBe(false);
  });

  test("a compressed layer goes out as stored; for a docker archive it is decompressed and checked against its diff id", async () => {
    const gz = Bun.gzipSync(TAR);
    const image = await imageWith(gz);
    const [layer] = storedLayers(store, image, "app");
    const sent = await compressedLayer(store, layer!);
    expect([sent.path, sent.digest]).toEqual([store.blobPath(sha(gz)), sha(gz)]);
    sent.release();
    expect(existsSync(store.blobPath(sha(gz)))).toBe(true);
    const tar = await uncompressedLayer(store, layer!, "app");
    expect([tar.digest, tar.size]).toEqual([sha(TAR), TAR.length]);
    tar.release();
    // a blob whose content is not the diff id the config names is refused
    const wrong = await imageWith(Bun.gzipSync(enc.encode("something else")));
    const err = await uncompressedLayer(store, storedLayers(store, wrong, "app")[0]!, "app").catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeFailure);
    expect(err.message).toContain("does not decompress to its diff id");
  });

  test("the manifest an image was pulled with is reused only while it names the stored config and blobs", async () => {
    const gz = Bun.gzipSync(TAR);
    const probe = await imageWith(gz);
    const config = { mediaType: "application/vnd.oci.image.config.v1+json", digest: probe.id, size: 10 };
    const fits = ociManifest(config, [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(gz), size: gz.length }]);
    const other = ociManifest(config, [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(TAR), size: 1 }]);
    const image = await imageWith(gz, [other.bytes, fits.bytes]);
    const reused = storedManifest(store, image, storedLayers(store, image, "app"));
    expect(reused?.digest).toBe(fits.digest);
    expect(reused?.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    const only = await imageWith(gz, [other.bytes]);
    expect(storedManifest(store, only, storedLayers(store, only, "app"))).toBeUndefined();
  });

  test("an image whose layer blob is gone cannot leave the store, and says so", async () => {
    const image = await imageWith(TAR);
    rmSync(store.blobPath(sha(TAR)));
    expect(() => storedLayers(store, image, "app:1")).toThrow("app:1: the blob of layer");
  });
});
