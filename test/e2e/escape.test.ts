/**
 * The two escape holes of issue #14, typed as an attacker would, as root and as kittest:
 * - a named volume's `subpath` must never reach a host directory: not by `..` in the file, and
 *   not through a symlink a container left in the volume;
 * - a project name from `-p` must never become a path outside kitten's root;
 * - a network's or volume's `name:` is a directory name too (host-local's data dir): `..` refused;
 * - an image's symlink at a volume's mount point must not make kitten copy a host directory
 *   into the new volume (the mount point is resolved inside the rootfs);
 * - a bind mount may not reach kitten's own state (other projects' volumes, the state db, credentials).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_USER, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

const USERS: Array<{ label: string; user?: string }> = [{ label: "root" }, { label: TEST_USER, user: TEST_USER }];

for (const who of USERS) {
  describe(`escapes refused (${who.label})`, () => {
    let r: Runner;
    let rootfs: string;
    let dir: string;
    const owner = who.user ? userIds(who.user) : undefined;

    beforeAll(() => {
      r = runner(who.label, tempRoot(owner), who.user);
      rootfs = buildRootfs(who.user);
      dir = mkdtempSync(join(tmpdir(), "kitten-escape-"));
      chmodSync(dir, 0o755);
      if (owner) chownSync(dir, owner.uid, owner.gid);
    });

    afterAll(async () => {
      await r.k(["down", "-p", "esc", "-v", "-t", "1"]);
      removeRoot(r.root);
      removeRootfs(rootfs);
      rmSync(dir, { recursive: true, force: true });
    });

    function composeFile(name: string, services: Record<string, unknown>): string {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify({ name: "esc", services, volumes: { data: {} } }, null, 2));
      if (owner) chownSync(file, owner.uid, owner.gid);
      return file;
    }

    test("a subpath with .. is refused by config and up with its location, nothing created", async () => {
      const file = composeFile("dotdot.json", {
        w: { image: rootfs, command: ["true"], volumes: [{ type: "volume", source: "data", target: "/mnt", volume: { subpath: "../../../../etc" } }] },
      });
      for (const verb of [["config"], ["up", "-d"]]) {
        const res = await r.k([verb[0]!, "-f", file, ...verb.slice(1)]);
        expect(res.code).toBe(2);
        expect(res.stderr).toContain('invalid subpath "../../../../etc"');
        expect(res.stderr).toContain("dotdot.json:");
        expect(res.stderr).not.toContain("    at ");
      }
      const ps = await r.k(["ps", "-a", "-p", "esc", "--format", "json"]);
      expect(JSON.parse(ps.stdout)).toEqual([]);
    });

    test("a subpath that is a symlink out of the volume is refused at up and the host is untouched", async () => {
      const target = join(dir, "outside");
      mkdirSync(target);
      chmodSync(target, 0o777);
      // a first container plants a symlink in the volume that points at a host directory
      const plant = composeFile("plant.json", {
        w: { image: rootfs, restart: "no", command: ["sh", "-c", `ln -s ${target} /data/esc && ln -s ../../../../../../../../../../..${target} /data/rel && mkdir /data/ok`], volumes: ["data:/data"] },
      });
      expect((await r.k(["up", "-d", "--wait", "-f", plant])).code).toBe(0);
      for (const sub of ["esc", "rel"]) {
        const use = composeFile(`use-${sub}.json`, {
          v: { image: rootfs, command: ["sh", "-c", "echo pwned > /mnt/pwned; sleep 60"], volumes: [{ type: "volume", source: "data", target: "/mnt", volume: { subpath: sub } }] },
        });
        const res = await r.k(["up", "-d", "-f", use]);
        expect(res.code).toBe(2);
        expect(res.stderr).toContain(`volume subpath ${sub} resolves outside the volume`);
        expect(res.stderr).toContain("hint:");
        expect(existsSync(join(target, "pwned"))).toBe(false);
      }
      // a subpath that stays inside still mounts
      const good = composeFile("use-ok.json", {
        v: { image: rootfs, command: ["sh", "-c", "echo in > /mnt/f; sleep 60"], volumes: [{ type: "volume", source: "data", target: "/mnt", volume: { subpath: "ok" } }] },
      });
      const res = await r.k(["up", "-d", "-f", good]);
      expect({ code: res.code, stderr: res.code === 0 ? "" : res.stderr }).toEqual({ code: 0, stderr: "" });
      // and a missing one is named
      const missing = composeFile("use-missing.json", {
        v: { image: rootfs, command: ["sleep", "60"], volumes: [{ type: "volume", source: "data", target: "/mnt", volume: { subpath: "nope" } }] },
      });
      const miss = await r.k(["up", "-d", "-f", missing]);
      expect(miss.code).toBe(2);
      expect(miss.stderr).toContain("volume subpath nope does not exist in the volume");
    });

    test("a network or volume name with a path is refused by config and up, and the victim stays", async () => {
      const victim = join(dir, "victim");
      mkdirSync(victim, { recursive: true });
      writeFileSync(join(victim, "keep"), "keep me");
      const climb = `../../../../../../../../../../..${victim}`;
      for (const [label, extra] of [
        ["network", { networks: { n: { name: climb } } }],
        ["volume", { volumes: { data: { name: climb } } }],
      ] as const) {
        const file = join(dir, `name-${label}.json`);
        const services = { w: { image: rootfs, command: ["sleep", "30"], ...(label === "network" ? { networks: ["n"] } : { volumes: ["data:/d"] }) } };
        writeFileSync(file, JSON.stringify({ name: "esc", services, ...extra }, null, 2));
        if (owner) chownSync(file, owner.uid, owner.gid);
        for (const verb of [["config"], ["up", "-d"]]) {
          const res = await r.k([verb[0]!, "-f", file, ...verb.slice(1)]);
          expect(res.code).toBe(2);
          expect(res.stderr).toContain(`error: ${file}:`);
          expect(res.stderr).toContain(`invalid ${label} name`);
          expect(res.stderr).toContain("hint:");
        }
        expect(existsSync(join(victim, "keep"))).toBe(true);
      }
    });

    test("an image's symlink at a volume's mount point copies nothing from the host", async () => {
      const hostDir = join(dir, "host-secrets");
      mkdirSync(hostDir, { recursive: true });
      writeFileSync(join(hostDir, "secret.txt"), "host-only-content\n");
      chmodSync(hostDir, 0o755);
      chmodSync(join(hostDir, "secret.txt"), 0o644);
      const link = join(rootfs, "imgvol");
      symlinkSync(hostDir, link); // absolute: inside the container it names <rootfs><hostDir>
      try {
        const file = join(dir, "imgvol.json");
        const iv = { image: rootfs, restart: "no", command: ["sh", "-c", "cat /imgvol/secret.txt 2>/dev/null || echo no-secret"], volumes: ["ivol:/imgvol"] };
        writeFileSync(file, JSON.stringify({ name: "esc", services: { iv }, volumes: { ivol: {} } }));
        if (owner) chownSync(file, owner.uid, owner.gid);
        const res = await r.k(["up", "-f", file]);
        expect(res.stdout + res.stderr).toContain("no-secret");
        expect(res.stdout + res.stderr).not.toContain("host-only-content");
        await r.k(["down", "-f", file, "-v", "-t", "1"]);
      } finally {
        unlinkSync(link);
      }
    });

    test("a bind mount into kitten's own state is refused at up", async () => {
      for (const source of [join(r.root, "data"), join(r.root, "config"), join(r.root, "run")]) {
        const file = composeFile("bind-state.json", { w: { image: rootfs, command: ["sleep", "30"], volumes: [`${source}:/k`] } });
        const res = await r.k(["up", "-d", "-f", file]);
        expect(res.code).toBe(2);
        expect(res.stderr).toContain(`bind mount of ${source}: it is inside kitten's own state`);
        expect(res.stderr).toContain("hint:");
      }
    });

    test("-p with a path is refused by every verb and deletes nothing outside the root", async () => {
      // where `<root>/run/ns/../../../x/victim.json` and `<root>/run/locks/...` would land
      const victims = [join(r.root, "..", "x", "victim.json"), join(r.root, "..", "x", "victim.lock"), join(r.root, "run", "x", "victim.json")];
      for (const v of victims) {
        mkdirSync(join(v, ".."), { recursive: true });
        writeFileSync(v, "keep me");
      }
      try {
        for (const args of [["down", "-p", "../../../x/victim"], ["ps", "-p", "../../etc"], ["logs", "-p", "../x"], ["stop", "-p", "a/b"], ["up", "-d", "-p", "../x", "-f", composeFile("p.json", { w: { image: rootfs } })]]) {
          const res = await r.k(args);
          expect(res.code).toBe(2);
          expect(res.stderr).toContain("error: invalid project name");
          expect(res.stderr).toContain("hint:");
        }
        for (const v of victims) expect(existsSync(v)).toBe(true);
      } finally {
        for (const v of victims) rmSync(v, { force: true });
      }
    });
  });
}
