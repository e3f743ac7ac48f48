import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ArchiveWriter } from "../../../../src/engine/image/archive-writer.ts";
import { TarReader, type TarHeader } from "../../../../src/engine/image/unpack/tar-reader.ts";

async function written(fn: (w: ArchiveWriter) => Promise<void>): Promise<Uint8Array> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await fn(new ArchiveWriter(out));
  out.end();
  return new Uint8Array(Buffer.concat(chunks));
}

function read(bytes: Uint8Array): { header: TarHeader; data: string }[] {
  const entries: { header: TarHeader; data: string }[] = [];
  let current: { header: TarHeader; data: string } | undefined;
  const reader = new TarReader({
    entry: (header) => void (current = { header, data: "" }),
    data: (chunk) => void (current!.data += new TextDecoder().decode(chunk)),
    end: () => void entries.push(current!),
  });
  reader.write(bytes);
  reader.close();
  return entries;
}

describe("ArchiveWriter", () => {
  test("writes files as ustar entries owned by 0:0 with mtime 0, padded to 512-byte blocks, ended by two zero blocks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-archive-"));
    try {
      writeFileSync(join(dir, "blob"), "x".repeat(700));
      const bytes = await written(async (w) => {
        await w.bytes("index.json", "{}");
        await w.file("blobs/sha256/abc", join(dir, "blob"), 700);
        await w.finish();
      });
      expect(bytes.length).toBe(512 + 512 + 512 + 1024 + 1024);
      const entries = read(bytes);
      expect(entries.map((e) => [e.header.path, e.header.type, e.header.size, e.header.uid, e.header.gid, e.header.mtime, e.header.mode])).toEqual([
        ["index.json", "file", 2, 0, 0, 0, 0o644],
        ["blobs/sha256/abc", "file", 700, 0, 0, 0, 0o644],
      ]);
      expect(entries[1]!.data).toBe("x".repeat(700));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a name longer than 100 bytes goes in a pax header", async () => {
    const name = `blobs/${"d".repeat(120)}`;
    const entries = read(await written(async (w) => {
      await w.bytes(name, "hi");
      await w.finish();
    }));
    expect(entries.map((e) => [e.header.path, e.data])).toEqual([[name, "hi"]]);
  });

  test("a source file that does not hold the announced size fails instead of corrupting the archive", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-archive-"));
    try {
      writeFileSync(join(dir, "blob"), "short");
      const err = await written((w) => w.file("b", join(dir, "blob"), 10)).catch((e) => e);
      expect(String(err)).toContain("changed while it was archived (5 bytes, expected 10)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
