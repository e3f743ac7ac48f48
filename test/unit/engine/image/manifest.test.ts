import { describe, expect, test } from "bun:test";
import { parseManifest, parsePlatform, selectPlatform, type ImageIndex } from "../../../../src/engine/image/manifest.ts";
import { InvalidInputError } from "../../../../src/core/errors.ts";

const d = (architecture: string, variant?: string, os = "linux") => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: `sha256:${architecture}${variant ?? ""}`,
  size: 1,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});
const index: ImageIndex = { kind: "index", manifests: [d("amd64"), d("arm64", "v8"), d("arm", "v7"), d("arm", "v6"), { ...d("unknown", undefined, "unknown") }] };

describe("platform selection", () => {
  test.each([
    ["linux/amd64", "sha256:amd64"],
    ["linux/arm64", "sha256:arm64v8"],
    ["linux/arm64/v8", "sha256:arm64v8"],
    ["linux/arm/v6", "sha256:armv6"],
    ["linux/x86_64", "sha256:amd64"],
  ])("picks %s", (platform, digest) => {
    expect(selectPlatform(index, parsePlatform(platform), "img").digest).toBe(digest);
  });

  test("defaults to linux/amd64", () => {
    expect(parsePlatform(undefined)).toEqual({ os: "linux", architecture: "amd64" });
  });

  test("lists the available platforms, without attestation entries, when none matches", () => {
    expect(() => selectPlatform(index, parsePlatform("linux/s390x"), "img")).toThrow("img: no image for platform linux/s390x; available: linux/amd64, linux/arm64/v8, linux/arm/v7, linux/arm/v6");
  });

  test.each(["linux", "linux/", "a/b/c/d"])("rejects the platform %p", (p) => {
    expect(() => parsePlatform(p)).toThrow(InvalidInputError);
  });
});

describe("manifests", () => {
  const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  test.each([
    ["an OCI index", { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] }, "index"],
    ["a docker manifest list", { schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.list.v2+json", manifests: [] }, "index"],
    ["an OCI manifest", { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: d("amd64"), layers: [] }, "manifest"],
    ["a docker schema2 manifest", { schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json", config: d("amd64"), layers: [] }, "manifest"],
    ["an OCI manifest without mediaType", { schemaVersion: 2, config: d("amd64"), layers: [] }, "manifest"],
  ])("reads %s", (_what, doc, kind) => {
    expect(parseManifest(enc(doc), "", "img").kind).toBe(kind as "index" | "manifest");
  });

  test("refuses docker schema 1 with a hint", () => {
    expect(() => parseManifest(enc({ schemaVersion: 1, fsLayers: [] }), "application/vnd.docker.distribution.manifest.v1+prettyjws", "img")).toThrow("docker schema 1 manifests are not supported");
  });
});
