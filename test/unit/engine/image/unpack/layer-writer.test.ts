import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LayerWriter } from "../../../../../src/engine/image/unpack/layer-writer.ts";
import { TarReader } from "../../../../../src/engine/image/unpack/tar-reader.ts";
import { lgetxattr } from "../../../../../src/engine/image/unpack/libc.ts";
import { InvalidInputError } from "../../../../../src/core/errors.ts";
import { buildTar, type TarEntry } from "../../../../fixtures/tar-writer.ts";

// entries are owned by whoever runs the test, so chown succeeds for root and for kittest alike
const uid = process.getuid!();
const gid = process.getgid!();

let sandbox: string;
let layer: string;
let outside: string;

beforeEach(() => {
  sandbox = mkdtempSync(join(tmpdir(), "kitten-writer-"));
  layer = join(sandbox, "layer");
  outside = join(sandbox, "outside");
  mkdirSync(layer);
  mkdirSync(outside);
  writeFileSync(join(outside, "victim"), "original\n");
});

afterEach(() => {
  Bun.spawnSync(["chmod", "-R", "u+rwX", sandbox]); // read-only dirs from the layers
  rmSync(sandbox, { recursive: true, force: true });
});

function apply(entries: TarEntry[]): string[] {
  const warnings: string[] = [];
  const writer = new LayerWriter(layer, "test", { warn: (m) => warnings.push(m) });
  const reader = new TarReader(writer);
  reader.write(buildTar(entries.map((e) => ({ uid, gid, ...e }))));
  reader.close();
  writer.finish();
  return warnings;
}

describe("layer writer", () => {
  test("writes files, dirs, symlinks and hardlinks with their modes and mtimes", () => {
    apply([
      { path: "d", type: "dir", mode: 0o750, mtime: 1_500_000_000 },
      { path: "d/f", type: "file", mode: 0o640, content: "data", mtime: 1_400_000_000 },
      { path: "d/s", type: "symlink", linkname: "/absolute/target" },
      { path: "d/h", type: "hardlink", linkname: "d/f" },
      { path: "ro", type: "dir", mode: 0o555 },
      { path: "ro/inner", type: "file", mode: 0o444, content: "ro" },
      { path: "fifo", type: "fifo", mode: 0o600 },
    ]);
    expect(statSync(join(layer, "d")).mode & 0o7777).toBe(0o750);
    expect(statSync(join(layer, "d")).mtimeMs).toBe(1_500_000_000_000);
    expect(statSync(join(layer, "d/f")).mode & 0o7777).toBe(0o640);
    expect(statSync(join(layer, "d/f")).mtimeMs).toBe(1_400_000_000_000);
    expect(readlinkSync(join(layer, "d/s"))).toBe("/absolute/target");
    expect(statSync(join(layer, "d/h")).ino).toBe(statSync(join(layer, "d/f")).ino);
    expect(readFileSync(join(layer, "ro/inner"), "utf8")).toBe("ro");
    expect(lstatSync(join(layer, "fifo")).isFIFO()).toBe(true);
  });

  test.each([0, 0o22])("keeps setuid, setgid and sticky bits of files with data (umask %o)", (mask) => {
    const old = process.umask(mask);
    try {
      apply([
        { path: "su", type: "file", mode: 0o4755, content: "#!/bin/sh\n" },
        { path: "sg", type: "file", mode: 0o2711, content: "x" },
        { path: "t", type: "dir", mode: 0o1777 },
        { path: "plain", type: "file", mode: 0o666, content: "x" },
      ]);
    } finally {
      process.umask(old);
    }
    expect(statSync(join(layer, "su")).mode & 0o7777).toBe(0o4755);
    expect(statSync(join(layer, "sg")).mode & 0o7777).toBe(0o2711);
    expect(statSync(join(layer, "t")).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(layer, "plain")).mode & 0o7777).toBe(0o666);
  });

  test("turns whiteouts into 0:0 character devices and opaque markers into user.overlay.opaque", () => {
    apply([
      { path: "etc", type: "dir" },
      { path: "etc/.wh.hostname", type: "file" },
      { path: "var/cache/.wh..wh..opq", type: "file" },
      { path: "var/cache/kept", type: "file", content: "same layer survives" },
    ]);
    const wh = lstatSync(join(layer, "etc/hostname"));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(new TextDecoder().decode(lgetxattr(join(layer, "var/cache"), "user.overlay.opaque"))).toBe("y");
    expect(readFileSync(join(layer, "var/cache/kept"), "utf8")).toBe("same layer survives");
    expect(existsSync(join(layer, "etc/.wh.hostname"))).toBe(false);
  });

  test("a later entry replaces an earlier one of another kind", () => {
    apply([
      { path: "a", type: "dir" },
      { path: "a/child", type: "file", content: "x" },
      { path: "a", type: "file", content: "now a file" },
      { path: "b", type: "file", content: "file" },
      { path: "b", type: "dir", mode: 0o700 },
      { path: "c", type: "file", content: "first" },
      { path: "c", type: "file", content: "second" },
      { path: "d", type: "file", content: "to be a link" },
      { path: "d", type: "hardlink", linkname: "c" },
      { path: "e", type: "symlink", linkname: "one" },
      { path: "e", type: "symlink", linkname: "two" },
      { path: "f", type: "file", content: "to be a fifo" },
      { path: "f", type: "fifo" },
      { path: "g", type: "dir" },
      { path: "g/kept", type: "file", content: "k" },
      { path: "g", type: "dir", mode: 0o711 },
    ]);
    expect(readFileSync(join(layer, "a"), "utf8")).toBe("now a file");
    expect(statSync(join(layer, "b")).isDirectory()).toBe(true);
    expect(readFileSync(join(layer, "c"), "utf8")).toBe("second");
    expect(statSync(join(layer, "d")).ino).toBe(statSync(join(layer, "c")).ino);
    expect(readlinkSync(join(layer, "e"))).toBe("two");
    expect(lstatSync(join(layer, "f")).isFIFO()).toBe(true);
    expect(readFileSync(join(layer, "g/kept"), "utf8")).toBe("k");
    expect(statSync(join(layer, "g")).mode & 0o777).toBe(0o711);
  });

  test("replaces a symlink with a file rather than writing through it", () => {
    apply([
      { path: "f", type: "symlink", linkname: join(outside, "victim") },
      { path: "f", type: "file", content: "replaced" },
    ]);
    expect(lstatSync(join(layer, "f")).isFile()).toBe(true);
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original\n");
  });

  const escapes: [string, () => TarEntry[], string][] = [
    ["a '..' path", () => [{ path: "../x", type: "file", content: "x" }], `entry "../x" contains '..'`],
    ["an absolute path", () => [{ path: join(outside, "x"), type: "file", content: "x" }], "has an absolute path"],
    ["a write through a symlinked parent", () => [{ path: "l", type: "symlink", linkname: outside }, { path: "l/x", type: "file", content: "x" }], `would be written through the symlink "l"`],
    ["a directory through a symlinked parent", () => [{ path: "l", type: "symlink", linkname: outside }, { path: "l/d/", type: "dir" }], `would be written through the symlink "l"`],
    ["a hardlink to an absolute path", () => [{ path: "h", type: "hardlink", linkname: join(outside, "victim") }], "has an absolute path"],
    ["a hardlink through a symlink", () => [{ path: "l", type: "symlink", linkname: outside }, { path: "h", type: "hardlink", linkname: "l/victim" }], `would be written through the symlink "l"`],
    ["a hardlink to a missing file", () => [{ path: "h", type: "hardlink", linkname: "nowhere" }], "which is not in the layer"],
    ["a whiteout through a symlink", () => [{ path: "l", type: "symlink", linkname: outside }, { path: "l/.wh.victim", type: "file" }], `would be written through the symlink "l"`],
    ["a symlink at the root", () => [{ path: "./", type: "symlink", linkname: outside }], "is a symlink at the layer root"],
  ];

  test.each(escapes)("rejects %s and writes nothing outside", (_what, entries, message) => {
    let caught: unknown;
    try {
      apply(entries());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as Error).message).toContain(message);
    expect(readdirSync(outside)).toEqual(["victim"]);
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original\n");
    expect(existsSync(join(sandbox, "x"))).toBe(false);
  });

  test("creates missing parents and applies the root entry to the layer dir", () => {
    chmodSync(layer, 0o700);
    apply([
      { path: "./", type: "dir", mode: 0o755 },
      { path: "deep/er/file", type: "file", content: "x" },
    ]);
    expect(statSync(layer).mode & 0o777).toBe(0o755);
    expect(statSync(join(layer, "deep/er")).mode & 0o777).toBe(0o755);
  });
});
