import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkProjectName } from "../../../src/core/names.ts";
import { isLocalPath, isWithin, joinLocal, resolveInRoot, resolvesInside } from "../../../src/core/safe-path.ts";

describe("isLocalPath and joinLocal", () => {
  test.each(["a", "a/b", "./a", "a/./b", "a..b", "..a", "a/b.."])("accepts %p", (p) => {
    expect(isLocalPath(p)).toBe(true);
    expect(joinLocal("/v", p)!.startsWith("/v/")).toBe(true);
  });
  test.each(["", "..", "../a", "a/../../b", "a/..", "/etc", "a\\..\\b", "a\0b", "a//..//b"])("refuses %p", (p) => {
    expect(isLocalPath(p)).toBe(false);
    expect(joinLocal("/v", p)).toBeUndefined();
  });
});

describe("resolvesInside", () => {
  const root = mkdtempSync(join(tmpdir(), "kitten-safe-"));
  const vol = join(root, "vol");
  mkdirSync(join(vol, "in", "deep"), { recursive: true });
  mkdirSync(join(root, "outside"));
  symlinkSync("/etc", join(vol, "abs"));
  symlinkSync("../outside", join(vol, "rel"));
  symlinkSync("in/deep", join(vol, "inner"));
  symlinkSync("../vol-other", join(vol, "prefix"));
  mkdirSync(join(root, "vol-other"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("a directory of the volume, and a symlink that stays in it, are inside", () => {
    expect(resolvesInside(vol, vol)).toBe(true);
    expect(resolvesInside(vol, join(vol, "in", "deep"))).toBe(true);
    expect(resolvesInside(vol, join(vol, "inner"))).toBe(true);
  });
  test("symlinks to an absolute path, up and out, or to a sibling sharing the prefix are outside", () => {
    expect(resolvesInside(vol, join(vol, "abs"))).toBe(false);
    expect(resolvesInside(vol, join(vol, "rel"))).toBe(false);
    expect(resolvesInside(vol, join(vol, "prefix"))).toBe(false);
  });
});

describe("checkProjectName", () => {
  test.each(["web", "a1", "my_app-2", "0x"])("accepts %p", (n) => expect(checkProjectName(n)).toBe(n));
  test("accepts 128 bytes and refuses 129: the name prefixes lock, socket and network names", () => {
    expect(checkProjectName(`p${"x".repeat(127)}`)).toHaveLength(128);
    expect(() => checkProjectName(`p${"x".repeat(128)}`, "-p")).toThrow(/is longer than 128 bytes/);
  });
  test.each(["", "..", "../../x/victim", "a/b", "Web", "-x", "_x", "a b", "a.b"])("refuses %p with exit 2 and a hint", (n) => {
    try {
      checkProjectName(n, "-p");
      throw new Error("accepted");
    } catch (err) {
      expect((err as { exitCode?: number }).exitCode).toBe(2);
      expect((err as Error).message).toBe(`invalid project name ${JSON.stringify(n)} (from -p)`);
      expect((err as { hint?: string }).hint).toContain("lower-case");
    }
  });
});

describe("resolveInRoot (securejoin)", () => {
  const root = mkdtempSync(join(tmpdir(), "kitten-sj-"));
  const r = join(root, "rootfs");
  mkdirSync(join(r, "usr", "lib"), { recursive: true });
  mkdirSync(join(r, "etc"));
  writeFileSync(join(r, "etc", "passwd"), "root:x:0:0::/:/bin/sh\n");
  symlinkSync("/etc", join(r, "abs-etc")); // absolute: means the rootfs's /etc
  symlinkSync("../../../../../../etc", join(r, "up-etc")); // climbs: stops at the root
  symlinkSync("usr/lib", join(r, "lib"));
  symlinkSync("/etc/shadow", join(r, "etc", "shadow-link"));
  symlinkSync("loop-b", join(r, "loop-a"));
  symlinkSync("loop-a", join(r, "loop-b"));
  symlinkSync("/", join(r, "slash"));
  symlinkSync("..", join(r, "usr", "parent"));
  mkdirSync(join(root, "rootfs-sibling"));
  symlinkSync("../rootfs-sibling", join(r, "sibling"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // every traversal attempt lands inside the root, at the place chroot would give
  const corpus: Array<[string, string]> = [
    ["etc/passwd", "etc/passwd"],
    ["/etc/passwd", "etc/passwd"],
    ["../../../../etc/passwd", "etc/passwd"],
    ["/../../etc/passwd", "etc/passwd"],
    ["abs-etc/passwd", "etc/passwd"],
    ["up-etc/passwd", "etc/passwd"],
    ["lib/x", "usr/lib/x"],
    ["etc/shadow-link", "etc/shadow"],
    ["slash/slash/etc", "etc"],
    ["usr/parent/../../..", ""],
    ["usr/parent/usr/parent/etc", "etc"],
    ["sibling/x", "rootfs-sibling/x"],
    ["missing/../../../x", "x"],
    ["etc/passwd/../../../x", "x"],
    ["", ""],
    ["/", ""],
    ["./././", ""],
    ["a//b///c", "a/b/c"],
  ];
  test.each(corpus)("%p resolves to <root>/%s", (input, expected) => {
    const got = resolveInRoot(r, input);
    expect(got).toBe(expected === "" ? r : join(r, expected));
    expect(isWithin(r, got)).toBe(true);
  });

  test("a symlink loop is an error with a hint, not a hang", () => {
    expect(() => resolveInRoot(r, "loop-a/x")).toThrow(/too many levels of symbolic links/);
  });

  test("a NUL byte is refused", () => {
    expect(() => resolveInRoot(r, "etc/\0passwd")).toThrow(/NUL/);
  });

  test("isWithin is lexical and refuses siblings that share the prefix", () => {
    expect(isWithin("/a/b", "/a/b")).toBe(true);
    expect(isWithin("/a/b", "/a/b/c")).toBe(true);
    expect(isWithin("/a/b", "/a/bc")).toBe(false);
    expect(isWithin("/a/b", "/a/b/../c")).toBe(false);
    expect(isWithin("/a/b", "/a")).toBe(false);
  });
});
