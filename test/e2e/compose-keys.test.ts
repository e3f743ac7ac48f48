/**
 * The compose keys kitten ignored before issue #12 (item 6), typed as a compose user writes them,
 * as root and as kittest, checked from inside the running containers: a secret file mounted at
 * /run/secrets/<name> with its uid/gid/mode, configs from content: and environment:, dns,
 * sysctls, shm_size, domainname, group_add, post_start and pre_stop hooks, pid/ipc/volumes_from
 * shared with another service, privileged, devices, mac_address; and what is refused by name.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_USER, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

const USERS: Array<{ label: string; user?: string }> = [{ label: "root" }, { label: TEST_USER, user: TEST_USER }];

for (const who of USERS) {
  describe(`compose keys (${who.label})`, () => {
    let r: Runner;
    let rootfs: string;
    let dir: string;
    let file: string;
    const owner = who.user ? userIds(who.user) : undefined;

    const write = (name: string, text: string, mode = 0o644): string => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode });
      if (owner) chownSync(path, owner.uid, owner.gid);
      return path;
    };

    beforeAll(async () => {
      r = runner(who.label, tempRoot(owner), who.user);
      rootfs = buildRootfs(who.user);
      dir = mkdtempSync(join(tmpdir(), "kitten-keys-"));
      chmodSync(dir, 0o755);
      if (owner) chownSync(dir, owner.uid, owner.gid);
      write("db_password.txt", "s3cret\n", 0o600);
      write("kk.env", "GREETING=hello from the environment\n");
      const app = {
        image: rootfs,
        init: true,
        command: ["sleep", "600"],
        secrets: [{ source: "db_password", uid: "999", gid: "999", mode: "0400" }],
        configs: [{ source: "app_conf", target: "/etc/app.conf" }, "greeting"],
        dns: ["9.9.9.9"],
        dns_search: ["example.com"],
        dns_opt: ["ndots:2"],
        sysctls: { "net.core.somaxconn": 1024, "kernel.shmmax": 1000000 },
        shm_size: "32m",
        domainname: "example.org",
        group_add: ["extra", "4321"],
        ipc: "shareable",
        mem_limit: "64m",
        volumes: ["state:/state"],
        post_start: [{ command: ["sh", "-c", "echo started > /state/started && echo shared > /dev/shm/x"] }],
        pre_stop: [{ command: "sh -c 'echo stopping > /state/stopped'" }],
      };
      const side = { image: rootfs, init: true, command: ["sleep", "600"], pid: "service:app", ipc: "service:app", volumes_from: ["app:ro"] };
      const priv = { image: rootfs, init: true, command: ["sleep", "600"], privileged: true, devices: ["/dev/net/tun"], mac_address: "02:42:ac:11:00:42" };
      const compose = {
        name: "kk",
        services: { app, side, priv },
        secrets: { db_password: { file: "./db_password.txt" } },
        configs: { app_conf: { content: "port = 80\n" }, greeting: { environment: "GREETING" } },
        volumes: { state: {} },
      };
      file = write("compose.json", JSON.stringify(compose, null, 2));
      const res = await r.k(["up", "-d", "--wait", "-f", file, "--env-file", join(dir, "kk.env")]);
      expect({ code: res.code, stderr: res.code === 0 ? "" : res.stderr }).toEqual({ code: 0, stderr: "" });
      // limits it cannot enforce here, and what privileged means rootless, are said once at up
      // (root manages cgroups on this host and enforces them: test/e2e/limits.test.ts)
      if (who.user) expect(res.stderr).toContain('warning: container "kk-app-1": memory=67108864 not enforced');
      else expect(res.stderr).not.toContain("not enforced");
      expect(res.stderr).toContain("warning: service priv: privileged gives every capability inside kitten's user namespace");
    });

    afterAll(async () => {
      await r.k(["down", "-p", "kk", "-v", "-t", "1"]);
      removeRoot(r.root);
      removeRootfs(rootfs);
      rmSync(dir, { recursive: true, force: true });
    });

    const exec = async (container: string, ...cmd: string[]) => {
      const res = await r.k(["exec", container, ...cmd]);
      expect(res.stderr).toBe("");
      return res.stdout;
    };

    test("a secret file is mounted at /run/secrets/<name> with its uid, gid and mode", async () => {
      expect(await exec("kk-app-1", "stat", "-c", "%u %g %a", "/run/secrets/db_password")).toBe("999 999 400\n");
      expect(await exec("kk-app-1", "cat", "/run/secrets/db_password")).toBe("s3cret\n");
      // read-only, as compose mounts them
      expect((await r.k(["exec", "kk-app-1", "sh", "-c", "echo x > /run/secrets/db_password"])).code).not.toBe(0);
    });

    test("configs from content: and from environment: (read from --env-file), at their targets, root-owned 0444", async () => {
      expect(await exec("kk-app-1", "cat", "/etc/app.conf")).toBe("port = 80\n");
      expect(await exec("kk-app-1", "cat", "/greeting")).toBe("hello from the environment");
      expect(await exec("kk-app-1", "stat", "-c", "%u %g %a", "/etc/app.conf", "/greeting")).toBe("0 0 444\n0 0 444\n");
    });

    test("dns, sysctls, shm_size, domainname and group_add are what the container sees", async () => {
      expect(await exec("kk-app-1", "cat", "/etc/resolv.conf")).toBe("nameserver 9.9.9.9\nsearch example.com\noptions ndots:2\n");
      expect(await exec("kk-app-1", "cat", "/proc/sys/net/core/somaxconn", "/proc/sys/kernel/shmmax", "/proc/sys/kernel/domainname")).toBe("1024\n1000000\nexample.org\n");
      expect((await exec("kk-app-1", "df", "-k", "/dev/shm")).trim().split("\n").at(-1)!.split(/\s+/)[1]).toBe("32768");
      expect(await exec("kk-app-1", "id", "-G")).toBe("0 1234 4321\n");
    });

    test("post_start ran once the container started; pid, ipc and volumes_from are shared with the service named", async () => {
      expect(await exec("kk-app-1", "cat", "/state/started")).toBe("started\n");
      // volumes_from app:ro: app's volume, read-only
      expect(await exec("kk-side-1", "cat", "/state/started")).toBe("started\n");
      expect((await r.k(["exec", "kk-side-1", "touch", "/state/x"])).code).not.toBe(0);
      // ipc: service:app shares app's /dev/shm, pid: service:app its processes
      expect(await exec("kk-side-1", "cat", "/dev/shm/x")).toBe("shared\n");
      const ps = await exec("kk-side-1", "ps", "-o", "args");
      expect(ps.split("\n").filter((l) => l.trim() === "sleep 600").length).toBe(2);
    });

    test("privileged has every capability and no seccomp filter; devices and mac_address are there", async () => {
      const status = await exec("kk-priv-1", "cat", "/proc/self/status");
      expect(status).toMatch(/^Seccomp:\s+0$/m);
      expect(status).toMatch(/^CapEff:\s+000001ffffffffff$/m);
      expect((await exec("kk-app-1", "cat", "/proc/self/status")).match(/^Seccomp:\s+(\d)$/m)?.[1]).toBe("2");
      expect(await exec("kk-priv-1", "stat", "-c", "%F %t:%T", "/dev/net/tun")).toBe("character special file a:c8\n");
      expect(await exec("kk-priv-1", "cat", "/sys/class/net/eth0/address")).toBe("02:42:ac:11:00:42\n");
    });

    test("pre_stop runs when the service is stopped", async () => {
      const res = await r.k(["stop", "-p", "kk", "-t", "1"]);
      expect(res.code).toBe(0);
      const mount = JSON.parse((await r.k(["volume", "inspect", "kk_state"])).stdout)[0].Mountpoint;
      expect(readFileSync(join(mount, "stopped"), "utf8")).toBe("stopping\n");
    });

    test.each([
      ["platform", { platform: "linux/s390x" }, "up", 'error: service "x": platform linux/s390x is not this host\'s'],
      ["a sysctl that is not namespaced", { sysctls: { "vm.swappiness": 1 } }, "config", 'sysctl "vm.swappiness" is not namespaced: a container cannot set it'],
      ["an external secret", { secrets: ["ext"] }, "config", "unsupported external secret ext"],
      ["a device that does not exist", { devices: ["/dev/nope"] }, "up", 'error: container "xx-x-1": device /dev/nope does not exist on this host'],
    ])("refuses %s by name (exit 2)", async (_what, keys, verb, message) => {
      const top = "secrets" in keys ? { secrets: { ext: { external: true } } } : {};
      const path = write(`bad-${verb}-${Object.keys(keys)[0]}.json`, JSON.stringify({ name: "xx", services: { x: { image: rootfs, command: ["true"], ...keys } }, ...top }));
      const res = await r.k(verb === "up" ? ["up", "-d", "-f", path] : ["config", "-f", path]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(message);
      expect(res.stderr).toContain("hint: ");
      expect(res.stderr).not.toContain("    at ");
      await r.k(["down", "-p", "xx", "-t", "1"]);
    });

    if (who.user) {
      test("a device the user may not open is refused, naming the user", async () => {
        const path = write("kvm.json", JSON.stringify({ name: "xx", services: { x: { image: rootfs, command: ["true"], devices: ["/dev/kvm"] } } }));
        const res = await r.k(["up", "-d", "-f", path]);
        expect(res.code).toBe(2);
        expect(res.stderr).toContain(`device /dev/kvm: permission denied for user ${who.user}`);
        await r.k(["down", "-p", "xx", "-t", "1"]);
      });
    }
  });
}
