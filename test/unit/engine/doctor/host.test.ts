import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cgroupMode,
  checkCgroups,
  checkCniPlugins,
  checkSubIds,
  checkTun,
  checkUserNamespaces,
  subIdFix,
} from "../../../../src/engine/doctor/host.ts";
import { chooseRuntime } from "../../../../src/engine/doctor/index.ts";
import { fail, ok, warn } from "../../../../src/engine/doctor/types.ts";

const files = { subuid: "root:100000:65536\nkittest:165536:65536\n", subgid: "root:100000:65536\nkittest:165536:65536\n" };

describe("subordinate id checks", () => {
  test("finds the user's range by name", () => {
    const { check, range } = checkSubIds("subuid", { name: "kittest", uid: 1001 }, files);
    expect(check.status).toBe("ok");
    expect(range).toEqual({ start: 165536, count: 65536 });
  });

  test("finds the user's range by uid", () => {
    expect(checkSubIds("subgid", { name: "other", uid: 0 }, { subuid: "", subgid: "0:100000:65536" }).range).toEqual({ start: 100000, count: 65536 });
  });

  test("fails without a range and proposes a free one past all others", () => {
    const { check, range } = checkSubIds("subuid", { name: "alice", uid: 1002 }, files);
    expect(range).toBeUndefined();
    expect(check.status).toBe("fail");
    expect(check.detail).toBe('no /etc/subuid range for user "alice"');
    expect(check.fix).toBe("usermod --add-subuids 231072-296607 --add-subgids 231072-296607 alice");
  });

  test("warns about a range too small for uid 65534", () => {
    const { check } = checkSubIds("subuid", { name: "bob", uid: 1003 }, { subuid: "bob:100000:1000", subgid: "" });
    expect(check.status).toBe("warn");
    expect(check.fix).toBe("usermod --add-subuids 101000-166535 --add-subgids 101000-166535 bob");
  });

  test("starts the proposed range at 100000 on an empty host", () => {
    expect(subIdFix("carol", { subuid: "", subgid: "" })).toBe("usermod --add-subuids 100000-165535 --add-subgids 100000-165535 carol");
  });
});

describe("cgroups", () => {
  const hybrid = [
    "tmpfs /sys/fs/cgroup tmpfs ro,nosuid 0 0",
    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0",
    "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0",
  ].join("\n");
  const v2 = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0";

  test.each([
    ["hybrid", hybrid],
    ["v2", v2],
    ["v1", "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0"],
    ["none", "proc /proc proc rw 0 0"],
  ])("recognises a %s host", (mode, mounts) => {
    expect(cgroupMode(mounts)).toBe(mode as ReturnType<typeof cgroupMode>);
  });

  function reader(files: Record<string, string>) {
    return (path: string) => files[path];
  }

  test("passes on a cgroup v1 host where kitten may manage a subtree (root), and names it", () => {
    const check = checkCgroups(reader({ "/proc/self/mounts": hybrid }), () => true, () => ({ usable: true, base: "/kitten/0", mounts: {} }));
    expect(check.status).toBe("ok");
    expect(check.detail).toContain("through /kitten/0 in each controller");
  });

  test("warns on a cgroup v1 host without a subtree handed to the user, with root's one-time fix, never fails", () => {
    const check = checkCgroups(reader({ "/proc/self/mounts": hybrid }), () => true, () => ({ usable: false, base: "/kitten/1001", mounts: {}, reason: "cgroup v1 without a subtree handed to this user", fix: "mkdir -p x && chown -R 1001:1001 x" }));
    expect(check.status).toBe("warn");
    expect(check.required).toBe(false);
    expect(check.detail).toContain("memory, cpus and pids limits and pause are not enforced");
    expect(check.fix).toBe("mkdir -p x && chown -R 1001:1001 x");
  });

  test("says that a delegated cgroup v2 is not used for limits yet", () => {
    const files = {
      "/proc/self/mounts": v2,
      "/proc/self/cgroup": "0::/user.slice/user-1000.slice/session-1.scope",
      "/sys/fs/cgroup/user.slice/user-1000.slice/session-1.scope/cgroup.controllers": "cpuset cpu io memory pids",
    };
    const check = checkCgroups(reader(files), () => true);
    expect(check.status).toBe("warn");
    expect(check.detail).toContain("enforces limits through cgroup v1 only");
  });

  test("warns on cgroup v2 without delegation and gives the systemd fix", () => {
    const files = { "/proc/self/mounts": v2, "/proc/self/cgroup": "0::/user.slice", "/sys/fs/cgroup/user.slice/cgroup.controllers": "pids" };
    const check = checkCgroups(reader(files), () => true);
    expect(check.status).toBe("warn");
    expect(check.detail).toContain("controllers cpu, memory not delegated");
    expect(check.fix).toContain("Delegate=cpu cpuset io memory pids");
  });
});

describe("user namespaces", () => {
  test.each([
    [{ "/proc/sys/user/max_user_namespaces": "0" }, "fail", "sysctl -w user.max_user_namespaces=28633"],
    [{ "/proc/sys/kernel/unprivileged_userns_clone": "0" }, "fail", "sysctl -w kernel.unprivileged_userns_clone=1"],
    [{ "/proc/sys/user/max_user_namespaces": "1000" }, "ok", null],
  ] as [Record<string, string>, string, string | null][])("%p gives %s", (files, status, fix) => {
    const check = checkUserNamespaces((p) => files[p]);
    expect(check.status).toBe(status as "ok" | "fail");
    expect(check.fix).toBe(fix);
  });
});

describe("files", () => {
  test("fails for a missing tun device with the mknod fix", () => {
    const check = checkTun("/nonexistent/tun");
    expect(check.status).toBe("fail");
    expect(check.fix).toContain("mknod /nonexistent/tun c 10 200");
  });

  test("fails for a tun path that is not a device", () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-unit-"));
    try {
      writeFileSync(join(dir, "tun"), "");
      expect(checkTun(join(dir, "tun")).detail).toBe("is not a character device");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("names the CNI plugins that are missing or not executable", () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-unit-"));
    try {
      writeFileSync(join(dir, "bridge"), "#!/bin/sh\n");
      chmodSync(join(dir, "bridge"), 0o755);
      writeFileSync(join(dir, "loopback"), "not executable");
      mkdirSync(join(dir, "host-local"));
      const check = checkCniPlugins(dir);
      expect(check.status).toBe("fail");
      expect(check.detail).toBe(`missing in ${dir}: host-local, loopback`);
      expect(check.fix).toBe("apt-get install -y containernetworking-plugins");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("chooseRuntime", () => {
  test.each([
    [ok("runc", ""), ok("crun", "", false), "crun"],
    [ok("runc", ""), warn("crun", "unusable here"), "runc"],
    [fail("runc", "", null), warn("crun", "unusable here"), null],
    [fail("runc", "", null), ok("crun", "", false), "crun"],
  ])("runc %# picks the runtime that ran a container", (runc, crun, expected) => {
    expect(chooseRuntime(runc, crun)).toBe(expected as "runc" | "crun" | null);
  });
});
