import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveInContainer } from "../../../../src/engine/runtime/inside/copy.ts";

let base: string;
let req: { root: string; mounts: Array<{ destination: string; source: string }>; unreachable: string[] };

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "kitten-cp-"));
  const root = join(base, "rootfs");
  mkdirSync(join(root, "etc"), { recursive: true });
  mkdirSync(join(base, "vol"));
  writeFileSync(join(root, "etc", "passwd"), "root\n");
  symlinkSync("/", join(root, "up"));
  symlinkSync("../../../..", join(root, "etc", "climb"));
  symlinkSync("/data/x", join(root, "tovol"));
  req = { root, mounts: [{ destination: "/data", source: join(base, "vol") }], unreachable: ["/proc", "/dev/shm"] };
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("paths in a container, resolved inside its root", () => {
  test.each([
    ["/etc/passwd", "/etc/passwd", "rootfs/etc/passwd"],
    ["/up/etc/passwd", "/etc/passwd", "rootfs/etc/passwd"],
    ["/etc/climb/etc/passwd", "/etc/passwd", "rootfs/etc/passwd"],
    ["/../../etc/passwd", "/etc/passwd", "rootfs/etc/passwd"],
    ["/data/file", "/data/file", "vol/file"],
    ["/tovol", "/data/x", "vol/x"],
  ])("%s is %s", (path, container, real) => {
    expect(resolveInContainer(req, path, true)).toEqual({ container, real: join(base, real) });
  });

  test("a symlink named as the path itself is kept unless followed", () => {
    expect(resolveInContainer(req, "/up", false)).toEqual({ container: "/up", real: join(base, "rootfs", "up") });
  });

  test("kernel and tmpfs mounts are refused by name", () => {
    expect(() => resolveInContainer(req, "/proc/1/environ", true)).toThrow("/proc/1/environ is on a kernel mount");
    expect(() => resolveInContainer(req, "/dev/shm/x", true)).toThrow("is on a tmpfs mount");
  });
});
