/**
 * The volume engine on a temp data dir: the store (a volume is its directory, rows add labels),
 * docker's volume verbs, a project's volumes (names, external, conflicts, down -v) and the
 * adoption of an earlier kitten's bare-key directories. Container records are written through
 * the runtime's store, as the runtime writes them.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import type { KittenPaths } from "../../../../src/core/paths.ts";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore } from "../../../../src/engine/state/project-store.ts";
import { ContainerStore, type ContainerRecord } from "../../../../src/engine/runtime/store.ts";
import type { Project } from "../../../../src/engine/compose/model.ts";
import { VolumeStore } from "../../../../src/engine/volume/store.ts";
import { createVolume, inspectVolumes, listVolumes, pruneVolumes, removeVolumes } from "../../../../src/engine/volume/manage.ts";
import { ensureProjectVolumes, projectVolumes, removeProjectVolumes } from "../../../../src/engine/volume/project-volumes.ts";
import { checkVolumeName, volumeDir } from "../../../../src/engine/volume/names.ts";
import type { TreeRemover } from "../../../../src/engine/volume/remove-tree.ts";

let root: string;
let paths: KittenPaths;
const remover: TreeRemover = async (ps) => {
  for (const p of ps) rmSync(p, { recursive: true, force: true });
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kitten-vol-"));
  paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
});
afterEach(() => {
  closeStateDbs();
  rmSync(root, { recursive: true, force: true });
});

function container(name: string, project: string, o: { service?: string; mounts?: ContainerRecord["spec"]["mounts"]; volumes?: string[] } = {}): void {
  const rec: ContainerRecord = {
    id: `${name}-id`,
    name,
    project,
    service: o.service,
    image: "img",
    imageId: "sha256:x",
    runtime: "runc",
    dir: join(root, name),
    lowerDirs: ["/l"],
    monitored: true,
    spec: { name, project, image: "img", env: {}, mounts: o.mounts },
    ports: [],
    ips: {},
    autoRemove: false,
    createdAt: new Date().toISOString(),
    namespaceStartedAt: "t",
    ...(o.volumes ? { volumes: o.volumes } : {}),
  };
  new ContainerStore(openStateDb(paths)).insert(rec);
}

function project(name: string, volumes: Project["volumes"], mounts: Record<string, string[]>): Project {
  return {
    name,
    services: Object.fromEntries(Object.entries(mounts).map(([svc, keys]) => [svc, { image: "img", environment: {}, ports: [], volumes: keys.map((k) => ({ type: "volume" as const, source: k, target: `/${k}` })) }])),
    networks: {},
    volumes,
  };
}

/** A directory the way kitten before volume names made it: `<data>/volumes/<key>/_data`, no row. */
function oldLayout(key: string, content = "old data"): void {
  mkdirSync(join(paths.data, "volumes", key, "_data"), { recursive: true });
  writeFileSync(join(paths.data, "volumes", key, "_data", "file"), content);
}

describe("names", () => {
  test.each(["a", "pg_data", "x.y-z", "0abc"])("accepts %p", (n) => expect(checkVolumeName(n)).toBe(n));
  test.each(["", "-a", ".a", "../x", "a/b", "a b", "é"])("refuses %p and never builds a path from it", (n) => {
    expect(() => checkVolumeName(n)).toThrow(/invalid volume name/);
    expect(() => volumeDir(paths, n)).toThrow(/invalid volume name/);
  });
});

describe("kitten volume verbs", () => {
  test("create makes the directory and its row; again is no error; -d other and -o are refused", () => {
    expect(createVolume(paths, { name: "data", labels: { team: "a" } })).toEqual({ name: "data", created: true });
    expect(existsSync(join(paths.data, "volumes/data/_data"))).toBe(true);
    expect(createVolume(paths, { name: "data" })).toEqual({ name: "data", created: false });
    expect(createVolume(paths).name).toMatch(/^[0-9a-f]{64}$/);
    expect(() => createVolume(paths, { name: "x", driver: "nfs" })).toThrow('volume driver "nfs" is not supported');
    expect(() => createVolume(paths, { name: "x", options: { type: "tmpfs" } })).toThrow("volume options are not supported: type");
  });

  test("ls lists directories with and without rows, with docker's filters", () => {
    createVolume(paths, { name: "labelled", labels: { team: "a", tier: "db" } });
    oldLayout("legacy");
    createVolume(paths, { name: "used" });
    container("c1", "p", { mounts: [{ type: "volume", source: "used", target: "/u" }] });
    const names = (f = {}) => listVolumes(paths, f).map((v) => v.name);
    expect(names()).toEqual(["labelled", "legacy", "used"]);
    expect(names({ dangling: true })).toEqual(["labelled", "legacy"]);
    expect(names({ dangling: false })).toEqual(["used"]);
    expect(names({ label: ["team"] })).toEqual(["labelled"]);
    expect(names({ label: ["team=b"] })).toEqual([]);
    expect(names({ name: ["leg"] })).toEqual(["legacy"]);
    const used = listVolumes(paths).find((v) => v.name === "used")!;
    expect(used).toMatchObject({ driver: "local", scope: "local", anonymous: false, project: null, containers: ["c1"], mountpoint: join(paths.data, "volumes/used/_data") });
  });

  test("inspect has docker's fields and names a missing volume", () => {
    createVolume(paths, { name: "data", labels: { a: "b" } });
    const [v] = inspectVolumes(paths, ["data"]);
    expect(Object.keys(v!).sort()).toEqual(["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"]);
    expect(v).toMatchObject({ Name: "data", Driver: "local", Labels: { a: "b" }, Scope: "local", Mountpoint: join(paths.data, "volumes/data/_data") });
    expect(() => inspectVolumes(paths, ["nope"])).toThrow("no such volume: nope");
  });

  test("rm never removes a volume in use (with -f neither); -f ignores missing ones; each volume on its own", async () => {
    createVolume(paths, { name: "busy" });
    createVolume(paths, { name: "free" });
    container("c1", "p", { volumes: ["busy"] });
    const r = await removeVolumes(paths, ["busy", "free", "nope"], { remover });
    expect(r.removed).toEqual(["free"]);
    expect(r.errors.map((e) => e.message)).toEqual(['volume "busy" is in use by container c1', "no such volume: nope"]);
    expect(r.errors[0]!.hint).toContain("kitten rm -f c1");
    expect(existsSync(volumeDir(paths, "free"))).toBe(false);
    const forced = await removeVolumes(paths, ["busy", "nope"], { force: true, remover });
    expect(forced.errors.map((e) => e.message)).toEqual(['volume "busy" is in use by container c1']);
  });

  test("prune removes unused anonymous volumes; -a every unused one; label filters narrow it", async () => {
    createVolume(paths, { name: "named" });
    createVolume(paths, { name: "anon1", labels: { "com.docker.volume.anonymous": "" } });
    createVolume(paths, { name: "anon2", labels: { "com.docker.volume.anonymous": "", keep: "1" } });
    createVolume(paths, { name: "anon3", labels: { "com.docker.volume.anonymous": "" } });
    writeFileSync(join(paths.data, "volumes/anon1/_data/f"), "12345");
    container("c1", "p", { volumes: ["anon3"] });
    expect(await pruneVolumes(paths, { label: ["keep"], remover })).toEqual({ removed: ["anon2"], bytes: 0 });
    expect(await pruneVolumes(paths, { remover })).toEqual({ removed: ["anon1"], bytes: 5 });
    expect(await pruneVolumes(paths, { all: true, remover })).toEqual({ removed: ["named"], bytes: 0 });
    expect(listVolumes(paths).map((v) => v.name)).toEqual(["anon3"]);
  });
});

describe("a project's volumes", () => {
  test("two projects with the same key get two volumes, labelled with their project", () => {
    const r = new MemoryReporter();
    ensureProjectVolumes(paths, project("a", { pgdata: { name: "a_pgdata" } }, { db: ["pgdata"] }), r);
    ensureProjectVolumes(paths, project("b", { pgdata: { name: "b_pgdata" } }, { db: ["pgdata"] }), r);
    expect(listVolumes(paths).map((v) => [v.name, v.labels])).toEqual([
      ["a_pgdata", { "io.kitten.project": "a", "io.kitten.volume": "pgdata" }],
      ["b_pgdata", { "io.kitten.project": "b", "io.kitten.volume": "pgdata" }],
    ]);
    expect(r.events.filter((e) => e.type === "info").map((e) => (e as { message: string }).message)).toEqual(["volume a_pgdata created", "volume b_pgdata created"]);
  });

  test("an external volume must exist, in compose's words; a volume nobody mounts is not made", () => {
    const p = project("a", { ext: { name: "shared", external: true }, unused: { name: "a_unused" } }, { db: ["ext"] });
    const err = (() => {
      try {
        ensureProjectVolumes(paths, p, new MemoryReporter());
      } catch (e) {
        return e as Error & { hint?: string; exitCode?: number };
      }
    })();
    expect(err?.message).toBe('volume "shared" declared as external, but could not be found');
    expect(err?.hint).toBe("create it first: kitten volume create shared");
    expect(err?.exitCode).toBe(2);
    createVolume(paths, { name: "shared" });
    ensureProjectVolumes(paths, p, new MemoryReporter());
    expect(listVolumes(paths).map((v) => v.name)).toEqual(["shared"]);
  });

  test("a volume of another project or made by hand is used with compose's warning", () => {
    createVolume(paths, { name: "made" });
    ensureProjectVolumes(paths, project("x", { pgdata: { name: "owned" } }, { db: ["pgdata"] }), new MemoryReporter());
    const r = new MemoryReporter();
    ensureProjectVolumes(paths, project("y", { a: { name: "made" }, b: { name: "owned" } }, { db: ["a", "b"] }), r);
    expect(r.warnings).toEqual([
      'volume "made" already exists but was not created by a kitten project. Use `external: true` to use an existing volume',
      'volume "owned" already exists but was created for project "x" (expected "y"). Use `external: true` to use an existing volume',
    ]);
  });

  test("down -v removes what the project made, named and anonymous, keeps external ones and ones still in use", async () => {
    createVolume(paths, { name: "ext" });
    ensureProjectVolumes(paths, project("a", { data: { name: "a_data" }, ext: { name: "ext", external: true }, busy: { name: "a_busy" } }, { db: ["data", "ext", "busy"] }), new MemoryReporter());
    createVolume(paths, { name: "f".repeat(64), labels: { "com.docker.volume.anonymous": "", "io.kitten.project": "a" } });
    createVolume(paths, { name: "e".repeat(64), labels: { "com.docker.volume.anonymous": "", "io.kitten.project": "other" } });
    container("b-web-1", "b", { volumes: ["a_busy"] });
    expect(projectVolumes(paths, "a").map((v) => v.name)).toEqual(["a_busy", "a_data", "f".repeat(64)]);
    const r = new MemoryReporter();
    expect(await removeProjectVolumes(paths, "a", r, remover)).toEqual(["a_data", "f".repeat(64)]);
    expect(r.warnings).toEqual(['volume "a_busy" is kept: container b-web-1 still uses it']);
    expect(listVolumes(paths).map((v) => v.name)).toEqual(["a_busy", "e".repeat(64), "ext"]);
  });

  test("compose volumes of named services: their named volumes and their anonymous ones", () => {
    const p = project("a", { data: { name: "a_data" }, logs: { name: "a_logs" } }, { db: ["data"], web: ["logs"] });
    ensureProjectVolumes(paths, p, new MemoryReporter());
    createVolume(paths, { name: "d".repeat(64), labels: { "com.docker.volume.anonymous": "", "io.kitten.project": "a", "io.kitten.service": "db" } });
    expect(projectVolumes(paths, "a", { model: p, services: ["db"] }).map((v) => v.name)).toEqual(["a_data", "d".repeat(64)]);
    expect(projectVolumes(paths, "a", { model: p }).map((v) => v.name)).toEqual(["a_data", "a_logs", "d".repeat(64)]);
  });
});

describe("an earlier kitten's bare-key directories (existing users lose nothing)", () => {
  const shop = project("shop", { pgdata: { name: "shop_pgdata" } }, { db: ["pgdata"] });

  test("the one project that used it adopts it once, with a notice; old containers keep their path", () => {
    oldLayout("pgdata");
    container("shop-db-1", "shop", { service: "db", mounts: [{ type: "volume", source: "pgdata", target: "/pgdata" }] });
    const r = new MemoryReporter();
    ensureProjectVolumes(paths, shop, r);
    expect(r.warnings).toEqual(['volume "shop_pgdata": adopted the data an earlier kitten kept under the bare name "pgdata" (volumes are now named <project>_<key>; this happens once)']);
    expect(Bun.file(join(paths.data, "volumes/shop_pgdata/_data/file")).size).toBeGreaterThan(0);
    // the container made before the upgrade still finds its data through the old path
    expect(lstatSync(join(paths.data, "volumes/pgdata")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(paths.data, "volumes/pgdata"))).toBe("shop_pgdata");
    expect(new VolumeStore(paths).get("shop_pgdata")?.labels).toEqual({ "io.kitten.project": "shop", "io.kitten.volume": "pgdata" });
    const again = new MemoryReporter();
    ensureProjectVolumes(paths, shop, again);
    expect(again.events).toEqual([]);
    // once that container is gone the link goes too, and ls never shows it
    new ContainerStore(openStateDb(paths)).delete("shop-db-1-id");
    expect(listVolumes(paths).map((v) => v.name)).toEqual(["shop_pgdata"]);
    expect(existsSync(join(paths.data, "volumes/pgdata"))).toBe(false);
  });

  test("with no record of anyone else, the project using it adopts it", () => {
    oldLayout("pgdata");
    const r = new MemoryReporter();
    ensureProjectVolumes(paths, shop, r);
    expect(r.warnings[0]).toContain("adopted the data an earlier kitten kept");
    expect(existsSync(join(paths.data, "volumes/pgdata"))).toBe(false);
  });

  test("when two projects used it, neither gets it silently: up stops and says how to choose", () => {
    oldLayout("pgdata");
    const projects = new ProjectStore(openStateDb(paths));
    projects.saveProject({ name: "shop", workingDir: "/a", configFiles: [], config: shop });
    projects.saveProject({ name: "blog", workingDir: "/b", configFiles: [], config: project("blog", { pgdata: { name: "blog_pgdata" } }, { db: ["pgdata"] }) });
    let err: (Error & { hint?: string; exitCode?: number }) | undefined;
    try {
      ensureProjectVolumes(paths, shop, new MemoryReporter());
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.message).toBe('volume "pgdata": an earlier kitten kept this project\'s data under the bare name "pgdata", and project "blog" used the same directory, so it is not given to either silently');
    expect(err?.hint).toContain("set `name: pgdata` under volumes.pgdata");
    expect(err?.hint).toContain("kitten volume create shop_pgdata");
    expect(err?.exitCode).toBe(1);
    expect(listVolumes(paths).map((v) => v.name)).toEqual(["pgdata"]);
    // choosing: blog starts empty; then shop is the only one left and adopts it
    createVolume(paths, { name: "blog_pgdata" });
    const r = new MemoryReporter();
    ensureProjectVolumes(paths, shop, r);
    expect(r.warnings[0]).toContain('volume "shop_pgdata": adopted');
  });

  test("a project that never ran does not claim another project's bare directory", () => {
    oldLayout("pgdata");
    container("blog-db-1", "blog", { service: "db", mounts: [{ type: "volume", source: "pgdata", target: "/pgdata" }] });
    const r = new MemoryReporter();
    ensureProjectVolumes(paths, shop, r);
    expect(r.warnings).toEqual([]);
    expect(listVolumes(paths).map((v) => v.name)).toEqual(["pgdata", "shop_pgdata"]);
    expect(Bun.file(join(paths.data, "volumes/shop_pgdata/_data/file")).size).toBe(0);
  });

  test("name: set to the bare key keeps using the directory as it is", () => {
    oldLayout("pgdata");
    const r = new MemoryReporter();
    ensureProjectVolumes(paths, project("shop", { pgdata: { name: "pgdata" } }, { db: ["pgdata"] }), r);
    expect(r.events.map((e) => (e as { message: string }).message)).toEqual(['volume "pgdata": adopted the directory an earlier kitten made for it']);
    expect(new VolumeStore(paths).get("pgdata")?.registered).toBe(true);
  });
});
