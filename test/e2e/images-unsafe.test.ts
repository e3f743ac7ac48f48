/**
 * Crafted malicious layers, pulled from a real registry by the compiled binary as root and as
 * kittest: every entry that would escape the layer root is rejected with exit 2 naming the entry,
 * and nothing is written outside the store — checked against a world-writable directory the
 * layers aim at, so a broken check would really write there.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kitten, removeRoot, tempRoot, userIds } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { OciLayoutWriter } from "../fixtures/oci-layout.ts";
import type { TarEntry } from "../fixtures/tar-writer.ts";
import { userNamespace } from "../fixtures/tree.ts";

let registry: Registry;
let layout: string;
let outside: string;

const base: TarEntry[] = [
  { path: "etc", type: "dir" },
  { path: "etc/os-release", type: "file", content: "ID=kitten-test\n" },
];

function cases(out: string): { name: string; entries: TarEntry[]; error: string }[] {
  return [
    { name: "dotdot", entries: [{ path: "../escape.txt", type: "file", content: "x" }], error: `entry "../escape.txt" contains '..'` },
    { name: "nested-dotdot", entries: [{ path: "etc/../../escape.txt", type: "file", content: "x" }], error: `entry "etc/../../escape.txt" contains '..'` },
    { name: "absolute", entries: [{ path: `${out}/abs.txt`, type: "file", content: "x" }], error: `entry "${out}/abs.txt" has an absolute path` },
    {
      name: "symlink-then-write",
      entries: [
        { path: "link", type: "symlink", linkname: out },
        { path: "link/pwned", type: "file", content: "x" },
      ],
      error: `entry "link/pwned" would be written through the symlink "link"`,
    },
    {
      name: "symlink-then-dir",
      entries: [
        { path: "link", type: "symlink", linkname: out },
        { path: "link/sub/deeper", type: "dir" },
      ],
      error: `entry "link/sub/deeper/" would be written through the symlink "link"`,
    },
    { name: "hardlink-dotdot", entries: [{ path: "h", type: "hardlink", linkname: "../../../../etc/passwd" }], error: `entry "h" contains '..'` },
    { name: "hardlink-absolute", entries: [{ path: "h", type: "hardlink", linkname: `${out}/victim` }], error: `entry "h" has an absolute path` },
    {
      name: "hardlink-through-symlink",
      entries: [
        { path: "s", type: "symlink", linkname: out },
        { path: "h", type: "hardlink", linkname: "s/victim" },
      ],
      error: `entry "h" would be written through the symlink "s"`,
    },
    {
      name: "whiteout-through-symlink",
      entries: [
        { path: "w", type: "symlink", linkname: out },
        { path: "w/.wh.victim", type: "file" },
      ],
      error: `entry "w/.wh.victim" would be written through the symlink "w"`,
    },
    {
      name: "opaque-through-symlink",
      entries: [
        { path: "w", type: "symlink", linkname: out },
        { path: "w/.wh..wh..opq", type: "file" },
      ],
      error: `entry "w/.wh..wh..opq" would be written through the symlink "w"`,
    },
  ];
}

beforeAll(async () => {
  outside = mkdtempSync(join(tmpdir(), "kitten-outside-"));
  chmodSync(outside, 0o777);
  registry = await startRegistry();
  layout = mkdtempSync(join(tmpdir(), "kitten-unsafe-layout-"));
  const w = new OciLayoutWriter(layout);
  for (const c of cases(outside)) w.tag(c.name, w.image({ layers: [{ entries: base }, { entries: c.entries }] }));
  w.tag("replace-symlink", w.image({ layers: [{ entries: base }, { entries: [{ path: "f", type: "symlink", linkname: `${outside}/victim` }, { path: "f", type: "file", content: "replaced\n" }] }] }));
  const pushes = [...cases(outside).map((c) => c.name), "replace-symlink"].map((name) => registry.pushLayout(layout, name, `evil/${name}:1`));
  await Promise.all(pushes);
});

afterAll(async () => {
  await registry?.stop();
  rmSync(layout, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

for (const user of [undefined, "kittest"] as const) {
  describe(`unsafe layers as ${user ?? "root"}`, () => {
    let root: string;
    const owner = user ? userIds(user) : undefined;
    beforeAll(() => {
      root = tempRoot(owner);
    });
    afterAll(() => {
      Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
      removeRoot(root);
    });

    test.each(cases("OUT").map((c) => [c.name, c]))("rejects the %s layer, naming the entry, and writes nothing outside", async (name) => {
      writeFileSync(join(outside, "victim"), "original\n");
      chmodSync(join(outside, "victim"), 0o666);
      const c = cases(outside).find((x) => x.name === name)!;
      const r = await kitten(["pull", `${registry.host}/evil/${name}:1`], { user, env: { KITTEN_ROOT: root } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(c.error);
      expect(r.stderr).toContain("hint: the image contains a layer that would write outside its root");
      expect(readdirSync(outside)).toEqual(["victim"]);
      expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original\n");
      expect(existsSync("/escape.txt")).toBe(false);
      const layers = readdirSync(join(root, "data/images/layers"));
      expect(layers.filter((l) => l.startsWith(".tmp-"))).toEqual([]);
      expect(layers).toHaveLength(1); // only the harmless base layer
      expect(readdirSync(join(root, "data/images/tmp"))).toEqual([]);
      const images = await kitten(["images", "--format", "json"], { user, env: { KITTEN_ROOT: root } });
      expect(JSON.parse(images.stdout)).toEqual([]);
    });

    test("replaces a symlink with a file instead of writing through it", async () => {
      writeFileSync(join(outside, "victim"), "original\n");
      const r = await kitten(["pull", "-q", `${registry.host}/evil/replace-symlink:1`], { user, env: { KITTEN_ROOT: root } });
      expect(r.code).toBe(0);
      expect(readFileSync(join(outside, "victim"), "utf8")).toBe("original\n");
      const img = JSON.parse((await kitten(["image", "inspect", `${registry.host}/evil/replace-symlink:1`], { user, env: { KITTEN_ROOT: root } })).stdout)[0];
      const f = join(img.Layers[1].path, "f");
      expect(lstatSync(f).isFile()).toBe(true);
      expect(readFileSync(f, "utf8")).toBe("replaced\n");
    });
  });
}
