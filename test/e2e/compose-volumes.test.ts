/**
 * Volumes as a docker compose user meets them (issue #12 item 5), typed as they would type them,
 * as root and as kittest: two projects with a volume `pgdata` each keep their own data; `name:`
 * is the volume's name; a missing external volume is refused in compose's words; anonymous
 * volumes survive `up --force-recreate` and are renewed by `-V`; `down -v` removes named and
 * anonymous volumes and keeps external ones; `kitten volume` verbs; an earlier kitten's
 * bare-key directory is adopted once, with a notice.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_USER, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

const USERS: Array<{ label: string; user?: string }> = [{ label: "root" }, { label: TEST_USER, user: TEST_USER }];
const PROJECTS = ["va", "vb", "vc", "ve", "vanon", "vm"];

for (const who of USERS) {
  describe(`compose volumes (${who.label})`, () => {
    let r: Runner;
    let rootfs: string;
    let dir: string;
    const owner = who.user ? userIds(who.user) : undefined;

    beforeAll(() => {
      r = runner(who.label, tempRoot(owner), who.user);
      rootfs = buildRootfs(who.user);
      dir = mkdtempSync(join(tmpdir(), "kitten-vols-"));
      chmodSync(dir, 0o755);
      if (owner) chownSync(dir, owner.uid, owner.gid);
    });

    afterAll(async () => {
      for (const p of PROJECTS) await r.k(["down", "-p", p, "-v", "-t", "1"]);
      removeRoot(r.root);
      removeRootfs(rootfs);
      rmSync(dir, { recursive: true, force: true });
    });

    /** A compose file for project `name`; a service `db` appends the project name to /data/owner at each start. */
    function compose(name: string, extra: { volumes?: unknown[]; top?: Record<string, unknown>; command?: string } = {}): string {
      const file = join(dir, `${name}.json`);
      const db = {
        image: rootfs,
        init: true,
        environment: { P: name },
        command: ["sh", "-c", extra.command ?? "echo $$P >> /data/owner; exec sleep 600"],
        volumes: extra.volumes ?? ["pgdata:/data"],
      };
      writeFileSync(file, JSON.stringify({ name, services: { db }, volumes: extra.top ?? { pgdata: {} } }, null, 2));
      if (owner) chownSync(file, owner.uid, owner.gid);
      return file;
    }

    const up = async (file: string, ...flags: string[]) => {
      const res = await r.k(["up", "-d", "--wait", "-f", file, ...flags]);
      expect({ code: res.code, stderr: res.code === 0 ? "" : res.stderr }).toEqual({ code: 0, stderr: "" });
      return res;
    };
    const exec = async (container: string, ...cmd: string[]) => (await r.k(["exec", container, ...cmd])).stdout;
    const volumeNames = async (...filters: string[]) => (await r.k(["volume", "ls", "-q", ...filters.flatMap((f) => ["-f", f])])).stdout.split("\n").filter(Boolean);

    test("two projects with a volume pgdata each see only their own data", async () => {
      await up(compose("va"));
      await up(compose("vb"));
      expect(await exec("va-db-1", "cat", "/data/owner")).toBe("va\n");
      expect(await exec("vb-db-1", "cat", "/data/owner")).toBe("vb\n");
      const names = await volumeNames();
      expect(names).toEqual(expect.arrayContaining(["va_pgdata", "vb_pgdata"]));
      expect(names).not.toContain("pgdata");
    });

    test("name: is the volume's name, used as it is", async () => {
      await up(compose("vc", { top: { pgdata: { name: "vc-shared" } } }));
      const [v] = JSON.parse((await r.k(["volume", "inspect", "vc-shared"])).stdout);
      expect(v.Labels).toEqual({ "io.kitten.project": "vc", "io.kitten.volume": "pgdata" });
      expect(readFileSync(join(v.Mountpoint, "owner"), "utf8")).toBe("vc\n");
    });

    test("a missing external volume is refused in compose's words; once created it is used, and down -v keeps it", async () => {
      const file = compose("ve", {
        volumes: ["cache:/data", "own:/own", "/anon"],
        top: { cache: { external: true, name: "ve-ext" }, own: {} },
      });
      const missing = await r.k(["up", "-d", "-f", file]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('error: volume "ve-ext" declared as external, but could not be found\nhint: create it first: kitten volume create ve-ext\n');
      expect((await r.k(["volume", "create", "ve-ext"])).stdout).toBe("ve-ext\n");
      await up(file);
      expect(await exec("ve-db-1", "cat", "/data/owner")).toBe("ve\n");
      // compose volumes: what the project made (its named and its anonymous volume), not the external one
      // typed as a compose user would: docker compose -p ve volumes --format json
      const listed = JSON.parse((await r.k(["compose", "-p", "ve", "volumes", "--format", "json"])).stdout) as Array<{ name: string; anonymous: boolean }>;
      expect(listed.map((v) => v.anonymous).sort()).toEqual([false, true]);
      expect(listed.find((v) => !v.anonymous)?.name).toBe("ve_own");
      const anon = listed.find((v) => v.anonymous)!.name;
      const down = await r.k(["down", "-v", "-p", "ve", "-t", "1"]);
      expect(down.code).toBe(0);
      const names = await volumeNames();
      expect(names).toContain("ve-ext");
      expect(names).not.toContain("ve_own");
      expect(names).not.toContain(anon);
      expect(existsSync(join(r.root, "data/volumes/ve_own"))).toBe(false);
      expect(existsSync(join(r.root, "data/volumes/ve-ext/_data/owner"))).toBe(true);
    });

    test("an anonymous volume's data survives up --force-recreate, and -V renews it", async () => {
      const file = compose("vanon", { volumes: ["/cache"], command: "[ -f /cache/first ] || hostname > /cache/first; exec sleep 600" });
      await up(file);
      const first = await exec("vanon-db-1", "cat", "/cache/first");
      expect(first).toBe(await exec("vanon-db-1", "hostname"));
      await up(file, "--force-recreate");
      expect(await exec("vanon-db-1", "hostname")).not.toBe(first);
      expect(await exec("vanon-db-1", "cat", "/cache/first")).toBe(first);
      const before = await volumeNames("label=io.kitten.project=vanon");
      await up(file, "--force-recreate", "-V");
      expect(await exec("vanon-db-1", "cat", "/cache/first")).toBe(await exec("vanon-db-1", "hostname"));
      // the renewed volume went with the old container: one anonymous volume, a new one
      const after = await volumeNames("label=io.kitten.project=vanon");
      expect(after.length).toBe(1);
      expect(before).not.toContain(after[0]);
    });

    test("kitten volume create, ls, inspect, rm and prune with docker's flags", async () => {
      expect((await r.k(["volume", "create", "--label", "team=a", "tv1"])).stdout).toBe("tv1\n");
      const listed = JSON.parse((await r.k(["volume", "ls", "--format", "json"])).stdout) as Array<Record<string, unknown>>;
      expect(listed.find((v) => v.name === "tv1")).toMatchObject({ name: "tv1", driver: "local", scope: "local", labels: { team: "a" }, anonymous: false, project: null, containers: [] });
      expect(await volumeNames("label=team=a")).toEqual(["tv1"]);
      expect((await r.k(["volume", "ls"])).stdout).toStartWith("DRIVER    VOLUME NAME\n");
      const [inspected] = JSON.parse((await r.k(["volume", "inspect", "tv1"])).stdout);
      expect(inspected).toMatchObject({ Name: "tv1", Driver: "local", Labels: { team: "a" }, Scope: "local", Mountpoint: join(r.root, "data/volumes/tv1/_data") });
      const busy = await r.k(["volume", "rm", "va_pgdata"]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain('error: volume "va_pgdata" is in use by container va-db-1');
      expect(await r.k(["volume", "rm", "tv1"])).toMatchObject({ code: 0, stdout: "tv1\n" });
      expect((await r.k(["volume", "rm", "tv1"])).stderr).toContain("error: no such volume: tv1");
      expect((await r.k(["volume", "rm", "-f", "tv1"])).code).toBe(0);
      const bad = await r.k(["volume", "ls", "--bogus"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("error: unknown flag: --bogus");
      // vanon's anonymous volume dangles once its container is gone; prune -f removes it, not named ones
      const anon = await volumeNames("label=io.kitten.project=vanon");
      await r.k(["down", "-p", "vanon", "-t", "1"]);
      expect(await volumeNames("dangling=true")).toEqual(expect.arrayContaining(anon));
      const pruned = await r.k(["volume", "prune", "-f"]);
      expect(pruned.code).toBe(0);
      expect(pruned.stdout).toStartWith(`Deleted Volumes:\n${anon[0]}\n`);
      expect(pruned.stdout).toContain("Total reclaimed space: ");
      expect(await volumeNames()).toEqual(expect.arrayContaining(["va_pgdata", "ve-ext"]));
    });

    test("a volume an earlier kitten kept under the bare key is adopted by the project using it, once, with a notice", async () => {
      // the old layout: <data>/volumes/<key>/_data, no row in the state db
      const old = join(r.root, "data/volumes/pgdata/_data");
      mkdirSync(old, { recursive: true });
      writeFileSync(join(old, "owner"), "old\n");
      if (owner) for (const p of [join(old, "../.."), join(old, ".."), old, join(old, "owner")]) chownSync(p, owner.uid, owner.gid);
      const file = compose("vm");
      const first = await r.k(["up", "-d", "--wait", "-f", file]);
      expect(first.code).toBe(0);
      expect(first.stderr).toContain('warning: volume "vm_pgdata": adopted the data an earlier kitten kept under the bare name "pgdata"');
      expect(await exec("vm-db-1", "cat", "/data/owner")).toBe("old\nvm\n");
      expect(existsSync(join(r.root, "data/volumes/pgdata"))).toBe(false);
      const again = await r.k(["up", "-d", "--wait", "--force-recreate", "-f", file]);
      expect(again.code).toBe(0);
      expect(again.stderr).not.toContain("adopted");
      expect(await exec("vm-db-1", "cat", "/data/owner")).toBe("old\nvm\nvm\n");
    });
  });
}
