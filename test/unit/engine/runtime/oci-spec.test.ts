import { describe, expect, test } from "bun:test";
import { buildOciSpec, hostsFile, tmpfsMount, type SpecInput } from "../../../../src/engine/runtime/spec/oci-spec.ts";
import { DOCKER_DEFAULT_CAPS } from "../../../../src/engine/runtime/spec/capabilities.ts";
import type { OciImageConfig } from "../../../../src/engine/image/types.ts";

const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:999:999:app:/home/app:/bin/sh\n";
const GROUP = "root:x:0:\napp:x:999:\nextra:x:1234:app,other\n";

function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    name: "web-1",
    rootfs: "/c/merged",
    etcFiles: { hosts: "/c/hosts", hostname: "/c/hostname", resolvConf: "/c/resolv.conf" },
    passwd: PASSWD,
    group: GROUP,
    hostHardLimits: { RLIMIT_NOFILE: 524288 },
    ...over,
  };
}

const image: OciImageConfig = { Entrypoint: ["/entry.sh"], Cmd: ["serve"], Env: ["PATH=/opt/bin:/bin", "LANG=C"], WorkingDir: "/app", User: "app" };

describe("entrypoint and command resolution follows docker", () => {
  const cases: Array<[string, Partial<SpecInput>, OciImageConfig, string[]]> = [
    ["uses the image's entrypoint and cmd", {}, image, ["/entry.sh", "serve"]],
    ["replaces only cmd when a command is given", { command: ["debug", "-v"] }, image, ["/entry.sh", "debug", "-v"]],
    ["drops the image's cmd when the entrypoint is overridden", { entrypoint: ["/bin/sh"] }, image, ["/bin/sh"]],
    ["combines an overridden entrypoint with a given command", { entrypoint: ["/bin/sh"], command: ["-c", "true"] }, image, ["/bin/sh", "-c", "true"]],
    ["clears the entrypoint with null", { entrypoint: null, command: ["ls"] }, image, ["ls"]],
    ["runs cmd alone when the image has no entrypoint", {}, { Cmd: ["sh"] }, ["sh"]],
  ];
  test.each(cases)("%s", (_name, over, img, args) => {
    expect(buildOciSpec(img, input(over)).process.args).toEqual(args);
  });

  test("refuses a container with nothing to run and names it", () => {
    expect(() => buildOciSpec({}, input())).toThrow('container "web-1": no command specified');
  });

  test("prefixes the command with catatonit at /dev/init when init is on", () => {
    const spec = buildOciSpec({ Cmd: ["sleep", "1"] }, input({ init: true, initBinary: "/usr/bin/catatonit" }));
    expect(spec.process.args).toEqual(["/dev/init", "--", "sleep", "1"]);
    expect(spec.mounts).toContainEqual({ destination: "/dev/init", type: "bind", source: "/usr/bin/catatonit", options: ["bind", "ro", "nosuid", "nodev"] });
  });
});

describe("process environment, user and working dir", () => {
  test("merges image env under the spec's, keeps the image PATH and sets HOSTNAME and HOME", () => {
    const spec = buildOciSpec(image, input({ env: { LANG: "en_US.UTF-8", EXTRA: "1" }, hostname: "box" }));
    expect(spec.process.env).toEqual(["PATH=/opt/bin:/bin", "HOSTNAME=box", "LANG=en_US.UTF-8", "EXTRA=1", "HOME=/home/app"]);
  });

  test("sets a default PATH and TERM for a tty", () => {
    const spec = buildOciSpec({ Cmd: ["sh"] }, input({ tty: true }));
    expect(spec.process.env).toContain("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(spec.process.env).toContain("TERM=xterm");
    expect(spec.process.terminal).toBe(true);
  });

  const users: Array<[string | undefined, { uid: number; gid: number; additionalGids?: number[] }]> = [
    [undefined, { uid: 999, gid: 999, additionalGids: [1234] }],
    ["root", { uid: 0, gid: 0 }],
    ["app:root", { uid: 999, gid: 0 }],
    ["4242", { uid: 4242, gid: 0 }],
    ["999:5", { uid: 999, gid: 5 }],
    ["app:extra", { uid: 999, gid: 1234 }],
  ];
  test.each(users)("resolves user %p through the image's passwd and group", (user, expected) => {
    expect(buildOciSpec(image, input({ user })).process.user).toEqual(expected);
  });

  test("refuses a user name the image does not know", () => {
    expect(() => buildOciSpec(image, input({ user: "nobody" }))).toThrow("unable to find user nobody");
  });

  test("uses the image's working dir unless one is given, and refuses a relative one", () => {
    expect(buildOciSpec(image, input()).process.cwd).toBe("/app");
    expect(buildOciSpec(image, input({ workingDir: "/tmp/" })).process.cwd).toBe("/tmp");
    expect(() => buildOciSpec(image, input({ workingDir: "tmp" }))).toThrow("must be absolute");
  });
});

describe("isolation settings", () => {
  test("uses pid, ipc, uts and mount namespaces, no user namespace, and a network namespace only by path", () => {
    const shared = buildOciSpec(image, input());
    expect(shared.linux.namespaces).toEqual([{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }]);
    const own = buildOciSpec(image, input({ netnsPath: "/run/x/netns/1" }));
    expect(own.linux.namespaces.at(-1)).toEqual({ type: "network", path: "/run/x/netns/1" });
    expect(JSON.stringify(own)).not.toContain('"user"}');
    expect(JSON.stringify(own)).not.toContain("cgroup");
    expect(JSON.stringify(own)).not.toContain("resources");
  });

  test("gives docker's default capabilities, with cap_add and cap_drop applied", () => {
    expect(buildOciSpec(image, input()).process.capabilities.bounding.sort()).toEqual([...DOCKER_DEFAULT_CAPS].sort());
    const caps = buildOciSpec(image, input({ capAdd: ["net_admin"], capDrop: ["CAP_CHOWN", "kill"] })).process.capabilities.effective;
    expect(caps).toContain("CAP_NET_ADMIN");
    expect(caps).not.toContain("CAP_CHOWN");
    expect(caps).not.toContain("CAP_KILL");
  });

  test("mounts the usual filesystems, masks docker's paths and binds the generated etc files", () => {
    const spec = buildOciSpec(image, input({ readOnly: true }));
    expect(spec.mounts.map((m) => m.destination)).toEqual(["/proc", "/dev", "/dev/pts", "/sys", "/dev/mqueue", "/dev/shm", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"]);
    expect(spec.mounts.find((m) => m.destination === "/sys")?.options).toContain("ro");
    expect(spec.mounts.find((m) => m.destination === "/etc/hosts")).toEqual({ destination: "/etc/hosts", type: "bind", source: "/c/hosts", options: ["rbind", "rprivate", "ro"] });
    expect(spec.linux.maskedPaths).toContain("/proc/kcore");
    expect(spec.linux.readonlyPaths).toContain("/proc/sysrq-trigger");
    expect(spec.root).toEqual({ path: "/c/merged", readonly: true });
  });

  test("adds binds and tmpfs mounts after the defaults, parents first", () => {
    const spec = buildOciSpec(image, input({ binds: [{ source: "/v/b", target: "/data/sub" }, { source: "/v/a", target: "/data", readOnly: true }], tmpfs: ["/run:size=1m"] }));
    const dests = spec.mounts.map((m) => m.destination);
    expect(dests.slice(-3)).toEqual(["/run", "/data", "/data/sub"]);
    expect(spec.mounts.find((m) => m.destination === "/data")?.options).toEqual(["rbind", "rprivate", "ro"]);
  });

  test("clamps rlimits to the host's hard limits", () => {
    const spec = buildOciSpec(image, input({ ulimits: { nproc: { soft: 100, hard: 200 } } }));
    expect(spec.process.rlimits).toEqual([
      { type: "RLIMIT_NOFILE", soft: 524288, hard: 524288 },
      { type: "RLIMIT_NPROC", soft: 100, hard: 200 },
    ]);
  });

  test("turns no-new-privileges on only when asked, as docker does", () => {
    expect(buildOciSpec(image, input()).process.noNewPrivileges).toBe(false);
    expect(buildOciSpec(image, input({ noNewPrivileges: true })).process.noNewPrivileges).toBe(true);
  });
  test("filters syscalls by default: keyrings, modules, mounts and new namespaces are denied, the rest allowed", () => {
    const seccomp = buildOciSpec(image, input()).linux.seccomp!;
    expect(seccomp.defaultAction).toBe("SCMP_ACT_ALLOW");
    expect(seccomp.architectures).toContain("SCMP_ARCH_X86_64");
    const denied = seccomp.syscalls.filter((r) => !r.args).flatMap((r) => r.names);
    for (const name of ["keyctl", "add_key", "init_module", "reboot", "mount", "unshare", "setns", "bpf", "settimeofday"]) expect(denied).toContain(name);
    for (const name of ["ptrace", "read", "clone", "socket"]) expect(denied).not.toContain(name);
    // clone with any namespace flag, and clone3 (flags out of a filter's reach) as ENOSYS
    const cloneFlags = seccomp.syscalls.filter((r) => r.names.includes("clone")).map((r) => r.args![0]!.value);
    expect(cloneFlags).toContain(0x10000000);
    expect(cloneFlags).toHaveLength(7);
    expect(seccomp.syscalls.find((r) => r.names.includes("clone3"))).toMatchObject({ action: "SCMP_ACT_ERRNO", errnoRet: 38 });
  });

  test.each([
    ["CAP_SYS_ADMIN", ["mount", "unshare", "setns", "clone3"], ["keyctl", "reboot"]],
    ["CAP_SYS_TIME", ["settimeofday", "clock_settime"], ["mount"]],
    ["CAP_SYS_MODULE", ["init_module"], ["mount"]],
  ])("allows what %s grants, as docker does with that capability", (cap, allowed, stillDenied) => {
    const seccomp = buildOciSpec(image, input({ capAdd: [cap] })).linux.seccomp!;
    const denied = seccomp.syscalls.flatMap((r) => r.names);
    for (const name of allowed) expect(denied).not.toContain(name);
    for (const name of stillDenied) expect(denied).toContain(name);
  });

  test("leaves the filter out with seccomp=unconfined", () => {
    expect(buildOciSpec(image, input({ seccomp: "unconfined" })).linux.seccomp).toBeUndefined();
  });
});

describe("generated files and tmpfs entries", () => {
  test("writes localhost, the container's own name and extra hosts into /etc/hosts", () => {
    expect(hostsFile("box", "10.88.0.2", ["db:10.0.0.5"])).toBe("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.88.0.2\tbox\n10.0.0.5\tdb\n");
  });

  test("gives tmpfs mounts docker's nosuid, nodev, noexec unless exec is asked", () => {
    expect(tmpfsMount("/run:size=64m,mode=755")).toEqual({ destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", "size=64m", "mode=755"] });
    expect(tmpfsMount("/x:exec").options).toEqual(["nosuid", "nodev", "exec"]);
    expect(() => tmpfsMount("run")).toThrow("must be absolute");
  });
});
