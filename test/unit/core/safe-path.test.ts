import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkProjectName } from "../../../src/core/names.ts";
import { isLocalPath, joinLocal, resolvesInside } from "../../../src/core/safe-path.ts";

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
