import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IgnoreMatcher, readIgnoreFile } from "../../../../src/engine/build/context/ignore.ts";
import { MissingSourceError, selectSources } from "../../../../src/engine/build/context/select.ts";
import { hashSources } from "../../../../src/engine/build/context/hash.ts";
import { resolveInRoot } from "../../../../src/engine/build/context/scoped-path.ts";
import { stepKey } from "../../../../src/engine/build/cache-key.ts";

describe(".dockerignore (moby/patternmatcher semantics)", () => {
  test("reads lines as docker does: comments only in column 1, cleaned paths, exceptions", () => {
    expect(readIgnoreFile("\uFEFF# comment\n  # not a comment\n/foo/bar/\n!keep\n\n./x/../y\n")).toEqual(["# not a comment", "foo/bar", "!keep", "y"]);
  });

  test.each([
    [["*.log"], "a.log", true],
    [["*.log"], "dir/a.log", false],
    [["**/*.log"], "dir/sub/a.log", true],
    [["**/*.log"], "a.log", true],
    [["node_modules"], "node_modules/x/y.js", true],
    [["*.log", "!keep.log"], "keep.log", false],
    [["!keep.log", "*.log"], "keep.log", true],
    [["docs/**"], "docs", false],
    [["docs/**"], "docs/a/b", true],
    [["a?c"], "abc", true],
    [["a?c"], "a/c", false],
    [["[a-c]x"], "bx", true],
  ] as const)("%j: %s excluded = %s", (lines, path, excluded) => {
    expect(new IgnoreMatcher([...lines]).excludes(path)).toBe(excluded);
  });

  test("a bare ! is an error", () => {
    expect(() => new IgnoreMatcher(["!"])).toThrow('illegal exclusion pattern: "!"');
  });
});

describe("selecting COPY sources", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "kitten-select-"));
    const w = (p: string, t: string) => {
      mkdirSync(join(root, p, ".."), { recursive: true });
      writeFileSync(join(root, p), t);
    };
    w("a.txt", "a");
    w("b.txt", "b");
    w("dir/x.txt", "x");
    w("dir/sub/y.log", "y");
    w("dir/sub/z.txt", "z");
    symlinkSync("a.txt", join(root, "link"));
    symlinkSync("/etc/passwd", join(root, "out"));
    symlinkSync("../../../../etc", join(root, "dir/up"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const dests = (sources: string[], o: Partial<Parameters<typeof selectSources>[2]> = {}) => selectSources(root, sources, { destIsDir: true, ...o }).map((e) => `${e.dest}:${e.type}`);

  test("a directory copies its contents; a file goes below a directory destination by name", () => {
    expect(dests(["dir"])).toEqual(["sub:dir", "sub/y.log:file", "sub/z.txt:file", "up:symlink", "x.txt:file"]);
    expect(dests(["a.txt"])).toEqual(["a.txt:file"]);
    expect(dests(["a.txt"], { destIsDir: false })).toEqual([":file"]);
  });

  test("wildcards match files, leading / and .. are dropped", () => {
    expect(dests(["*.txt"])).toEqual(["a.txt:file", "b.txt:file"]);
    expect(dests(["/../a.txt"])).toEqual(["a.txt:file"]);
    expect(dests(["nothing*"])).toEqual([]);
  });

  test("--exclude, .dockerignore and --parents", () => {
    expect(dests(["dir"], { exclude: ["**/*.log"] })).toEqual(["sub:dir", "sub/z.txt:file", "up:symlink", "x.txt:file"]);
    expect(dests(["dir"], { ignore: new IgnoreMatcher(["dir/sub"]) })).toEqual(["up:symlink", "x.txt:file"]);
    expect(dests(["dir/./sub/z.txt"], { parents: true })).toEqual(["sub/z.txt:file"]);
  });

  test("a symlink source is followed inside the root only; symlinks below a source stay symlinks", () => {
    expect(dests(["link"])).toEqual(["link:file"]);
    expect(() => selectSources(root, ["out"], { destIsDir: true })).toThrow(MissingSourceError);
    expect(resolveInRoot(root, "dir/up/passwd").path).toBe(join(root, "etc/passwd"));
  });

  test("an ignored source is missing, and says so", () => {
    try {
      selectSources(root, ["a.txt"], { destIsDir: true, ignore: new IgnoreMatcher(["a.txt"]) });
      throw new Error("no error");
    } catch (err) {
      expect(err).toBeInstanceOf(MissingSourceError);
      expect((err as MissingSourceError).ignored).toBe(true);
    }
  });

  test("the content key follows bytes and modes, not mtimes or the source's own name", () => {
    const key = () => hashSources(root, ["dir"], { destIsDir: true });
    const before = key();
    Bun.spawnSync(["touch", "-d", "2001-01-01", join(root, "dir/x.txt")]);
    expect(key()).toBe(before);
    writeFileSync(join(root, "dir/x.txt"), "changed");
    expect(key()).not.toBe(before);
  });
});

describe("cache keys", () => {
  test("are the same for the same definition whatever the key order, and chain on the parent", () => {
    const a = stepKey("image:1", { op: "run", argv: ["a"], env: ["X=1"] });
    expect(stepKey("image:1", { env: ["X=1"], argv: ["a"], op: "run" })).toBe(a);
    expect(stepKey("image:2", { op: "run", argv: ["a"], env: ["X=1"] })).not.toBe(a);
    expect(stepKey("image:1", { op: "run", argv: ["a"], env: ["X=2"] })).not.toBe(a);
  });
});
