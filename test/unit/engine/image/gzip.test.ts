import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { gzipFile } from "../../../../src/engine/image/gzip.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-gzip-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;

describe("gzipFile", () => {
  // sizes around the 4 MiB pieces: empty, one short piece, exactly one, one and a bit, several
  for (const size of [0, 1000, 4 << 20, (4 << 20) + 1, 13 << 20]) {
    test(`${size} bytes: one gzip stream (members in order) that decompresses to the input, the same bytes every time`, async () => {
      const input = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
      const src = join(dir, "in");
      writeFileSync(src, input);
      const a = await gzipFile(src, join(dir, "a.gz"));
      const b = await gzipFile(src, join(dir, "b.gz"));
      const bytes = await Bun.file(join(dir, "a.gz")).bytes();
      expect(a).toEqual(b);
      expect(a).toEqual({ digest: sha(bytes), size: bytes.length });
      expect(new Uint8Array(gunzipSync(bytes))).toEqual(input);
      // a standard reader reads every member: the system's gzip agrees
      const proc = Bun.spawnSync(["gzip", "-dc", join(dir, "a.gz")]);
      expect(proc.exitCode).toBe(0);
      expect(sha(new Uint8Array(proc.stdout))).toBe(sha(input));
    });
  }
});
