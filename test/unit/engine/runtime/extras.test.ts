/**
 * The OCI pieces of issue #12's keys (spec/extras.ts), the host checks before a container is
 * made (extras-host.ts), and the secret store `up` fills (secret-files.ts).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KittenPaths } from "../../../../src/core/paths.ts";
import { buildOciSpec } from "../../../../src/engine/runtime/spec/oci-spec.ts";
import { ALL_CAPS } from "../../../../src/engine/runtime/spec/capabilities.ts";
import { applyExtras, groupIds, resolvConf } from "../../../../src/engine/runtime/spec/extras.ts";
import { deviceBinds, hostDevices, resolveHostExtras } from "../../../../src/engine/runtime/extras-host.ts";
import { materializeSecrets, secretFilePath } from "../../../../src/engine/runtime/secret-files.ts";
import type { ContainerRecord } from "../../../../src/engine/runtime/store.ts";
import { load } from "../compose/helpers.ts";

const base = () =>
  buildOciSpec({ Cmd: ["sh"] }, { name: "c", rootfs: "/r", etcFiles: { hosts: "/h", hostname: "/hn", resolvConf: "/rc" }, passwd: "root:x:0:0::/root:/bin/sh\n", group: "root:x:0:\naudio:x:29:\n" });

describe("applyExtras", () => {
  test("sysctls go to linux.sysctl; the domain name is set by a hook in the container's namespaces", () => {
    const oci = applyExtras(base(), { name: "c", sysctls: { "net.core.somaxconn": "1024" }, domainname: "example.org", domainnameBinary: "/usr/bin/domainname" });
    expect(oci.linux.sysctl).toEqual({ "net.core.somaxconn": "1024" });
    expect(oci.hooks).toEqual({ createContainer: [{ path: "/usr/bin/domainname", args: ["domainname", "example.org"] }] });
    expect(applyExtras(base(), { name: "c" }).linux.sysctl).toBeUndefined();
    expect(() => applyExtras(base(), { name: "c", domainname: "x" })).toThrow("domainname needs the domainname program");
  });

  test("/dev/shm: sized, removed for ipc none, a shared directory for shareable and for the container joining it", () => {
    const shm = (x: Parameters<typeof applyExtras>[1]) => applyExtras(base(), x).mounts.find((m) => m.destination === "/dev/shm");
    expect(shm({ name: "c", shmSize: 1024 })?.options).toContain("size=1024");
    expect(shm({ name: "c", shmSize: 1024 })?.options?.filter((o) => o.startsWith("size="))).toEqual(["size=1024"]);
    expect(shm({ name: "c", ipcMode: "none" })).toBeUndefined();
    expect(shm({ name: "c", ipcMode: "shareable", shmDir: "/x/shm" })).toMatchObject({ type: "bind", source: "/x/shm" });
    expect(shm({ name: "c", ipcMode: "host" })).toMatchObject({ type: "bind", source: "/dev/shm" });
  });

  test("pid and ipc: joined by path, or left out for host", () => {
    const ns = (x: Parameters<typeof applyExtras>[1]) => applyExtras(base(), x).linux.namespaces;
    expect(ns({ name: "c", pidMode: "container:d", pidPath: "/proc/7/ns/pid", ipcMode: "container:d", ipcPath: "/proc/7/ns/ipc" })).toEqual([
      { type: "uts" },
      { type: "mount" },
      { type: "pid", path: "/proc/7/ns/pid" },
      { type: "ipc", path: "/proc/7/ns/ipc" },
    ]);
    expect(ns({ name: "c", pidMode: "host", ipcMode: "host" })).toEqual([{ type: "uts" }, { type: "mount" }]);
  });

  test("privileged: every capability, no seccomp, nothing masked", () => {
    const oci = applyExtras(base(), { name: "c", privileged: true });
    expect(oci.process.capabilities.bounding).toEqual(ALL_CAPS);
    expect(oci.linux.seccomp).toBeUndefined();
    expect(oci.linux.maskedPaths).toEqual([]);
    expect(oci.linux.readonlyPaths).toEqual([]);
    expect(base().linux.seccomp).toBeDefined();
  });

  test("group_add by name from the image's /etc/group or by number; an unknown name is named", () => {
    expect(applyExtras(base(), { name: "c", groupAdd: ["audio", "4321"], group: "root:x:0:\naudio:x:29:\n" }).process.user.additionalGids).toEqual([29, 4321]);
    expect(() => groupIds("c", ["video"], "root:x:0:\n")).toThrow("group_add: unable to find group video");
  });

  test("devices, files and volumes_from are bound after the spec's own mounts; files read-only, devices keep dev", () => {
    const oci = applyExtras(base(), {
      name: "c",
      deviceBinds: [{ source: "/dev/fuse", target: "/dev/fuse" }],
      fileBinds: [{ source: "/c/files/0", target: "/run/secrets/pw" }],
      inheritedBinds: [{ source: "/v/_data", target: "/data", readOnly: true }, { source: "/x", target: "/etc/hosts" }],
    });
    const tail = oci.mounts.slice(-3);
    expect(tail.map((m) => m.destination)).toEqual(["/data", "/dev/fuse", "/run/secrets/pw"]);
    expect(tail[0]!.options).toContain("ro");
    expect(tail[1]!.options).not.toContain("nodev");
    expect(tail[2]!.options).toEqual(expect.arrayContaining(["ro", "nodev", "noexec"]));
    // a mount the container has itself is not replaced by an inherited one
    expect(oci.mounts.filter((m) => m.destination === "/etc/hosts").map((m) => m.source)).toEqual(["/h"]);
  });

  test("resolv.conf: its servers or the forwarder, then search and options", () => {
    expect(resolvConf("10.0.2.3")).toBe("nameserver 10.0.2.3\n");
    expect(resolvConf("10.0.2.3", ["9.9.9.9", "1.1.1.1"], ["a.example", "b.example"], ["ndots:2"])).toBe("nameserver 9.9.9.9\nnameserver 1.1.1.1\nsearch a.example b.example\noptions ndots:2\n");
    expect(resolvConf(undefined)).toBe("");
  });
});

describe("host checks", () => {
  let root: string;
  let paths: KittenPaths;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "kitten-extras-"));
    paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("devices must exist, be devices and be open to the caller", () => {
    expect(deviceBinds("c", [{ source: "/dev/null", target: "/dev/x", permissions: "rw" }])).toEqual([{ source: "/dev/null", target: "/dev/x", readOnly: false }]);
    expect(deviceBinds("c", [{ source: "/dev/null", target: "/dev/null", permissions: "r" }])[0]!.readOnly).toBe(true);
    expect(() => deviceBinds("c", [{ source: "/dev/nope", target: "/dev/nope", permissions: "rw" }])).toThrow("device /dev/nope does not exist on this host");
    expect(() => deviceBinds("c", [{ source: "/etc/hostname", target: "/x", permissions: "r" }])).toThrow("/etc/hostname is not a device");
  });

  test("privileged's devices are the host's device nodes the caller can open, without the ones every container has", () => {
    const devices = hostDevices();
    expect(devices).not.toContain("/dev/null");
    expect(devices.every((d) => d.startsWith("/dev/") && !d.startsWith("/dev/pts/"))).toBe(true);
  });

  const rec = (name: string, extra: Partial<ContainerRecord> = {}): ContainerRecord =>
    ({ id: `${name}-id`, name, project: "p", dir: join(root, name), spec: { name, project: "p", image: "i", env: {} }, ...extra }) as ContainerRecord;

  test("joining another container: it must exist, run, and for ipc be shareable", async () => {
    const others = new Map([["run", rec("run", { spec: { name: "run", project: "p", image: "i", env: {}, ipcMode: "shareable" } })], ["priv", rec("priv")]]);
    const ctx = { paths, dir: join(root, "new"), find: (n: string) => others.get(n), runningPid: async (r: ContainerRecord) => (r.name === "run" ? 42 : undefined) };
    const spec = { name: "new", project: "p", image: "i", env: {} };
    const ok = await resolveHostExtras({ ...spec, pidMode: "container:run", ipcMode: "container:run" }, ctx);
    expect(ok.extras).toMatchObject({ pidPath: "/proc/42/ns/pid", ipcPath: "/proc/42/ns/ipc", shmDir: join(root, "run", "shm") });
    await expect(resolveHostExtras({ ...spec, pidMode: "container:ghost" }, ctx)).rejects.toThrow("pid container:ghost: no such container");
    await expect(resolveHostExtras({ ...spec, pidMode: "container:priv" }, ctx)).rejects.toThrow("that container is not running");
    await expect(resolveHostExtras({ ...spec, ipcMode: "container:priv" }, ctx)).rejects.toThrow("its IPC is not shareable");
    const shareable = await resolveHostExtras({ ...spec, ipcMode: "shareable", shmSize: 4096 }, ctx);
    expect(shareable.shm).toEqual({ path: join(root, "new", "shm"), size: 4096 });
  });

  test("volumes_from takes the other container's mounts and volumes, read-only when asked", async () => {
    const src = rec("src", { mountBinds: [{ source: "/v/a/_data", target: "/a" }, { source: "/host", target: "/h", readOnly: true }], volumes: ["a"] });
    const ctx = { paths, dir: join(root, "new"), find: (n: string) => (n === "src" ? src : n === "old" ? rec("old") : undefined), runningPid: async () => undefined };
    const x = await resolveHostExtras({ name: "new", project: "p", image: "i", env: {}, volumesFrom: [{ container: "src", readOnly: true }] }, ctx);
    expect(x.extras.inheritedBinds).toEqual([{ source: "/v/a/_data", target: "/a", readOnly: true }, { source: "/host", target: "/h", readOnly: true }]);
    expect(x.volumes).toEqual(["a"]);
    await expect(resolveHostExtras({ name: "new", project: "p", image: "i", env: {}, volumesFrom: [{ container: "old" }] }, ctx)).rejects.toThrow("did not record its mounts");
  });

  test("secrets: up writes every source 0600 under the project; a missing variable or file is named first; the runtime finds them", async () => {
    writeFileSync(join(root, "pw.txt"), "from file");
    const yaml = (extra = "") =>
      load(`services:\n  web:\n    image: nginx\n    secrets: [pw, token]\n    configs: [conf]\nsecrets:\n  pw: {file: ${root}/pw.txt}\n  token: {environment: TOKEN}\n  unused: {file: /nope}\nconfigs:\n  conf: {content: 'a = 1'}\n${extra}`);
    expect(() => materializeSecrets(paths, yaml(), {})).toThrow('environment variable "TOKEN" required by secret "token" is not set');
    materializeSecrets(paths, yaml(), { TOKEN: "t0k" });
    expect(readFileSync(secretFilePath(paths, "p", "secret", "pw"), "utf8")).toBe("from file");
    expect(readFileSync(secretFilePath(paths, "p", "secret", "token"), "utf8")).toBe("t0k");
    expect(readFileSync(secretFilePath(paths, "p", "config", "conf"), "utf8")).toBe("a = 1");
    expect(statSync(secretFilePath(paths, "p", "secret", "token")).mode & 0o777).toBe(0o600);
    rmSync(join(root, "pw.txt"));
    expect(() => materializeSecrets(paths, yaml(), { TOKEN: "t" })).toThrow(`secret "pw": file ${root}/pw.txt not found`);
    expect(() => secretFilePath(paths, "p", "secret", "../x")).toThrow('invalid secret name "../x"');
    // a failed up fails before writing anything: the contents of the last good one stay
    expect(readFileSync(secretFilePath(paths, "p", "secret", "token"), "utf8")).toBe("t0k");
    mkdirSync(join(root, "new"), { recursive: true });
    const x = await resolveHostExtras(
      { name: "new", project: "p", image: "i", env: {}, files: [{ kind: "secret", key: "token", target: "/run/secrets/token", uid: 1, gid: 2, mode: 0o400 }] },
      { paths, dir: join(root, "new"), find: () => undefined, runningPid: async () => undefined },
    );
    expect(x.files).toEqual([{ source: secretFilePath(paths, "p", "secret", "token"), dest: join(root, "new", "files", "0-secret-token"), uid: 1, gid: 2, mode: 0o400 }]);
    expect(x.extras.fileBinds).toEqual([{ source: join(root, "new", "files", "0-secret-token"), target: "/run/secrets/token" }]);
  });
});
