import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decompressedStream, fileCompression } from "../../../../src/engine/image/decompress.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const text = new TextEncoder().encode("layer content ".repeat(10_000));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe("layer decompression", () => {
  test.each([
    ["gzip", () => Bun.gzipSync(text), "gzip"],
    ["multi-member gzip (pigz, eStargz)", () => concat(Bun.gzipSync(text.subarray(0, 50_000)), Bun.gzipSync(text.subarray(50_000))), "gzip"],
    ["zstd", () => Bun.zstdCompressSync(text), "zstd"],
    ["no compression", () => text, "none"],
  ] as const)("reads %s by its magic bytes", async (_what, make, kind) => {
    dir = mkdtempSync(join(tmpdir(), "kitten-decompress-"));
    const file = join(dir, "blob");
    writeFileSync(file, make());
    expect(fileCompression(file)).toBe(kind);
    const chunks: Uint8Array[] = [];
    for await (const c of decompressedStream(file)) chunks.push(c as Uint8Array);
    expect(concat(...chunks)).toEqual(text);
  });
});
