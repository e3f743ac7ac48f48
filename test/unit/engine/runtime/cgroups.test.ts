/** Where kitten may manage cgroups, what a container asks of them, and cleaning a project's up (runtime/cgroups.ts). */
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cgroupRoots, cgroupSupport, DEFAULT_PIDS_LIMIT, ociResources, projectCgroup, removeProjectCgroups, unenforced, v1Mounts, type CgroupHost } from "../../../../src/engine/runtime/cgroups.ts";

const mount = (id: number, at: string, fstype: string, opts: string) => `${id} 31 0:${id} / ${at} rw,relatime - ${fstype} ${fstype} ${opts}`;
const hybrid = [
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  mount(32, "/sys/fs/cgroup/cpu", "cgroup", "rw,cpu"),
  mount(33, "/sys/fs/cgroup/cpuset", "cgroup", "rw,cpuset"),
  mount(34, "/sys/fs/cgroup/memory", "cgroup", "rw,memory"),
  mount(35, "/sys/fs/cgroup/freezer", "cgroup", "rw,freezer"),
  mount(36, "/sys/fs/cgroup/pids", "cgroup", "rw,pids"),
  mount(37, "/sys/fs/cgroup/systemd", "cgroup", "rw,name=systemd"),
  mount(38, "/sys/fs/cgroup/unified", "cgroup2", "rw"),
].join("\n");

const host = (uid: number, owned: string[] = []): CgroupHost => ({ mountinfo: hybrid, uid, gid: uid, exists: () => true, owner: (p) => (owned.includes(p) ? uid : 0) });

test("finds each v1 controller's mount, and every hierarchy's", () => {
  expect(v1Mounts(hybrid)).toMatchObject({ cpu: "/sys/fs/cgroup/cpu", memory: "/sys/fs/cgroup/memory", pids: "/sys/fs/cgroup/pids", freezer: "/sys/fs/cgroup/freezer" });
  expect(cgroupRoots(hybrid)).toHaveLength(7);
});

test("root may manage a kitten/0 subtree on v1", () => {
  expect(cgroupSupport(host(0))).toMatchObject({ usable: true, base: "/kitten/0" });
});

test("a user needs kitten/<uid> handed over in every hierarchy; the fix makes, fills cpuset and chowns it", () => {
  const s = cgroupSupport(host(1001, ["/sys/fs/cgroup/memory/kitten/1001"]));
  expect(s.usable).toBe(false);
  expect(s.reason).toContain("without a subtree handed to this user");
  expect(s.fix).toContain("mkdir -p /sys/fs/cgroup/cpu/kitten/1001");
  expect(s.fix).toContain("/sys/fs/cgroup/unified/kitten/1001");
  expect(s.fix).toContain("cat /sys/fs/cgroup/cpuset/cpuset.cpus > /sys/fs/cgroup/cpuset/kitten/1001/cpuset.cpus");
  expect(s.fix).toEndWith("chown -R 1001:1001 " + cgroupRoots(hybrid).map((r) => `${r}/kitten/1001`).join(" "));
  expect(cgroupSupport(host(1001, cgroupRoots(hybrid).map((r) => `${r}/kitten/1001`))).usable).toBe(true);
});

test("a host without v1 controllers is not used (v2 is not supported yet) and says so", () => {
  const v2: CgroupHost = { ...host(0), mountinfo: mount(40, "/sys/fs/cgroup", "cgroup2", "rw") };
  expect(cgroupSupport(v2)).toMatchObject({ usable: false, reason: expect.stringContaining("no cgroup v1 controllers") });
});

test("asks runc for the limits as docker sets them, with a default pids limit", () => {
  expect(ociResources({ memory: "32m", cpus: "0.5", pids: 30 })).toEqual({ memory: { limit: 32 * 1024 * 1024 }, cpu: { quota: 50_000, period: 100_000 }, pids: { limit: 30 } });
  expect(ociResources({ memory: "33554432", memoryReservation: "16m" })).toEqual({ memory: { limit: 33554432, reservation: 16 * 1024 * 1024 }, pids: { limit: DEFAULT_PIDS_LIMIT } });
  expect(ociResources(undefined)).toEqual({ pids: { limit: DEFAULT_PIDS_LIMIT } });
  // compose's pids_limit: -1 is no limit
  expect(ociResources({ pids: -1 })).toEqual({});
  expect(unenforced({ memory: "32m", pids: 30 })).toEqual(["memory=32m", "pids=30"]);
  expect(unenforced(undefined)).toEqual([]);
});

test("a project's cgroup is its name and a hash of its runtime dir", () => {
  expect(projectCgroup({ base: "/kitten/0" }, "shop", "/a/run/projects/shop")).toMatch(/^\/kitten\/0\/shop-[0-9a-f]{8}$/);
  expect(projectCgroup({ base: "/kitten/0" }, "shop", "/a")).not.toBe(projectCgroup({ base: "/kitten/0" }, "shop", "/b"));
});

test("down removes a project's cgroups in every hierarchy, deepest first", () => {
  const root = mkdtempSync(join(tmpdir(), "kitten-cg-"));
  try {
    const info = [mount(50, join(root, "memory"), "cgroup", "rw,memory"), mount(51, join(root, "unified"), "cgroup2", "rw")].join("\n");
    for (const h of ["memory", "unified"]) mkdirSync(join(root, h, "kitten/0/shop-1/c1"), { recursive: true });
    expect(removeProjectCgroups(info, "/kitten/0/shop-1")).toEqual([]);
    expect(existsSync(join(root, "memory/kitten/0/shop-1"))).toBe(false);
    expect(existsSync(join(root, "unified/kitten/0"))).toBe(true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
