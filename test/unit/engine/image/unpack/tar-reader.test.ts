import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, linkSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TarReader, TarFormatError, type TarHeader } from "../../../../../src/engine/image/unpack/tar-reader.ts";
import { buildTar } from "../../../../fixtures/tar-writer.ts";

interface Parsed {
  header: TarHeader;
  data: string;
}

function parse(tar: Uint8Array, chunk = tar.length): Parsed[] {
  const out: Parsed[] = [];
  let current: Parsed | undefined;
  const dec = new TextDecoder();
  const reader = new TarReader({
    entry(header) {
      current = { header, data: "" };
      out.push(current);
    },
    data(c) {
      current!.data += dec.decode(c, { stream: true });
    },
    end() {},
  });
  for (let i = 0; i < tar.length && !reader.finished; i += chunk) reader.write(tar.subarray(i, i + chunk));
  reader.close();
  return out;
}

const longName = `a/${"b".repeat(80)}/${"c".repeat(80)}/file.txt`;
const longTarget = `/${"t".repeat(150)}`;
const sample = buildTar([
  { path: "dir", type: "dir", mode: 0o750, uid: 999, gid: 998, mtime: 1_600_000_000 },
  { path: "dir/file", type: "file", content: "hello world\n", mode: 0o4755 },
  { path: "dir/link", type: "symlink", linkname: "file" },
  { path: "dir/hard", type: "hardlink", linkname: "dir/file" },
  { path: longName, type: "file", content: "x".repeat(1000) },
  { path: "long-link", type: "symlink", linkname: longTarget },
  { path: "fifo", type: "fifo" },
  { path: "null", type: "char", devmajor: 1, devminor: 3 },
]);

describe("tar reader", () => {
  test.each([1, 7, 511, 512, 513, 4096, sample.length])("reads the same entries when fed in chunks of %d bytes", (chunk) => {
    const entries = parse(sample, chunk);
    expect(entries.map((e) => [e.header.path, e.header.type])).toEqual([
      ["dir/", "dir"],
      ["dir/file", "file"],
      ["dir/link", "symlink"],
      ["dir/hard", "hardlink"],
      [longName, "file"],
      ["long-link", "symlink"],
      ["fifo", "fifo"],
      ["null", "char"],
    ]);
    expect(entries[0]!.header).toMatchObject({ mode: 0o750, uid: 999, gid: 998, mtime: 1_600_000_000 });
    expect(entries[1]!.data).toBe("hello world\n");
    expect(entries[1]!.header.mode).toBe(0o4755);
    expect(entries[3]!.header.linkname).toBe("dir/file");
    expect(entries[4]!.data).toBe("x".repeat(1000));
    expect(entries[5]!.header.linkname).toBe(longTarget);
    expect(entries[7]!.header).toMatchObject({ devmajor: 1, devminor: 3 });
  });

  test.each(["gnu", "pax", "ustar", "v7"] as const)("reads long names (ustar prefix, pax, GNU L/K), links and ids from GNU tar --format=%s", (format) => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-tar-"));
    try {
      const src = join(dir, "src");
      const deep = format === "v7" ? "short" : `${"p".repeat(90)}/${"q".repeat(60)}`;
      mkdirSync(join(src, deep), { recursive: true });
      writeFileSync(join(src, deep, "f.txt"), "content\n");
      writeFileSync(join(src, "short.txt"), "linked\n");
      linkSync(join(src, "short.txt"), join(src, "hard"));
      const target = format === "v7" || format === "ustar" ? "target" : "z".repeat(120); // ustar holds 100 bytes of link target
      symlinkSync(target, join(src, "sym"));
      const tarFile = join(dir, "out.tar");
      const ownerFlags = format === "gnu" ? ["--owner=:3000000", "--group=:3000001"] : ["--owner=:999", "--group=:999"];
      const proc = Bun.spawnSync(["tar", `--format=${format}`, "--numeric-owner", ...ownerFlags, "-C", src, "-cf", tarFile, "."]);
      expect(proc.exitCode).toBe(0);
      const entries = parse(new Uint8Array(readFileSync(tarFile)), 1000);
      const byPath = new Map(entries.map((e) => [e.header.path.replace(/^\.\//, "").replace(/\/$/, ""), e]));
      expect(byPath.get(`${deep}/f.txt`)?.data).toBe("content\n");
      expect(byPath.get("sym")?.header.linkname).toBe(target);
      const pair = [byPath.get("hard")!.header, byPath.get("short.txt")!.header];
      expect(pair.map((h) => h.type).sort()).toEqual(["file", "hardlink"]);
      expect(pair.find((h) => h.type === "hardlink")!.linkname.replace(/^\.\//, "")).toMatch(/^(hard|short\.txt)$/);
      // base-256 numbers for ids beyond 8 octal digits in GNU format
      expect(byPath.get("sym")?.header.uid).toBe(format === "gnu" ? 3000000 : 999);
      if (format === "gnu") expect(byPath.get("sym")?.header.gid).toBe(3000001);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("refuses a header with a bad checksum", () => {
    const broken = sample.slice();
    broken[10] = broken[10]! ^ 0xff;
    expect(() => parse(broken)).toThrow(TarFormatError);
  });

  test("refuses an archive cut off inside an entry", () => {
    expect(() => parse(sample.subarray(0, 512 + 100))).toThrow("unexpected end of archive");
  });

  test("stops at the end-of-archive marker and ignores trailing bytes", () => {
    const tail = new Uint8Array(sample.length + 700);
    tail.set(sample);
    tail.fill(0x41, sample.length);
    expect(parse(tail)).toHaveLength(8);
  });
});
