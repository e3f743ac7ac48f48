/** Mounts cannot reach kitten's own state, and an image cannot declare a VOLUME no container can have (#14). */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBindSource, resolveMounts } from "../../../../src/engine/runtime/container-mounts.ts";
import type { ContainerSpec } from "../../../../src/engine/runtime/types.ts";

const root = mkdtempSync(join(tmpdir(), "kitten-mounts-"));
const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
for (const d of Object.values(paths)) mkdirSync(d, { recursive: true });
const mine = join(root, "mine");
mkdirSync(mine);
mkdirSync(join(paths.data, "volumes"));
symlinkSync(join(paths.data, "volumes"), join(mine, "sneaky"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const spec = (mounts: ContainerSpec["mounts"]): ContainerSpec => ({ name: "c", project: "p", image: "img", env: {}, mounts });

describe("bind sources", () => {
  test.each([
    ["the data dir", paths.data],
    ["another project's volume", join(paths.data, "volumes", "other_db", "_data")],
    ["the state database", join(paths.data, "state.db")],
    ["the runtime sockets", join(paths.runtime, "sup")],
    ["the registry credentials", join(paths.config, "auth.json")],
    ["another project's kube-play files", join(paths.data, "kube-play", "other")],
  ])("refuses %s with exit 2 and a hint", (_label, source) => {
    try {
      checkBindSource(source, paths, "p");
      throw new Error("accepted");
    } catch (err) {
      expect((err as { exitCode?: number }).exitCode).toBe(2);
      expect((err as Error).message).toContain("is inside kitten's own state");
      expect((err as { hint?: string }).hint).toBeDefined();
    }
  });

  test("refuses a symlink that leads into the state, once resolved", () => {
    expect(() => resolveMounts(spec([{ type: "bind", source: join(mine, "sneaky"), target: "/x" }]), paths)).toThrow(/inside kitten's own state/);
  });

  test("accepts the user's own directories, one that holds kitten's root, and this project's kube-play files", () => {
    expect(() => checkBindSource(mine, paths, "p")).not.toThrow();
    expect(() => checkBindSource(root, paths, "p")).not.toThrow();
    expect(() => checkBindSource("/", paths, "p")).not.toThrow();
    expect(() => checkBindSource(join(paths.data, "kube-play", "p", "cm"), paths, "p")).not.toThrow();
  });
});

describe("an image's VOLUMEs", () => {
  test.each(["/", "/..", "/a/../..", "relative"])("refuses VOLUME %p naming the image", (v) => {
    expect(() => resolveMounts(spec([]), paths, [v])).toThrow(/^image img: VOLUME/);
  });
  test("gives a sane VOLUME an anonymous volume", () => {
    const r = resolveMounts(spec([]), paths, ["/data"]);
    expect(r.binds.map((b) => b.target)).toEqual(["/data"]);
  });
});

test("a dangling symlink as a bind source is the user's error, not a crash", () => {
  symlinkSync(join(root, "nowhere", "deep"), join(mine, "dangling"));
  expect(() => resolveMounts(spec([{ type: "bind", source: join(mine, "dangling"), target: "/x" }]), paths)).toThrow(/cannot create the host directory \(EEXIST\)/);
});
