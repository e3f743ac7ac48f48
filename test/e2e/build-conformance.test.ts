/**
 * Conformance of `kitten build` with `buildah bud --format docker --layers` (Debian's buildah,
 * rootful, runc, overlay, a private storage root) on the classic Dockerfiles of
 * test/fixtures/build-conformance.ts: the same flattened file tree (type, permission bits,
 * owner, size, content, link targets) and the same config fields (Env, Cmd, Entrypoint,
 * WorkingDir, User, ExposedPorts, Volumes, Labels, StopSignal, Healthcheck, OnBuild). The known
 * divergences are listed below, each with its reason; anything else fails.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeRoot, tempRoot } from "./helpers.ts";
import { runner, type Runner } from "./run-fixtures.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { archiveImage, type ArchiveImage, type FlatEntry } from "../fixtures/image-tree.ts";
import { CASES, type ConformanceCase } from "../fixtures/build-conformance.ts";

/**
 * Known divergences between kitten (which follows BuildKit) and buildah 1.28 (which follows the
 * classic builder where they differ), research/build.md §4.3 and §9.1:
 */
const KNOWN = {
  /** BuildKit keeps the /dev, /proc and /sys mount points a RUN creates on a base without them; buildah omits them (its CompatLayerOmissions) */
  onlyKitten: new Set(["dev", "proc", "sys"]),
  /** buildah can leave the mount points of the /etc files it binds for RUN behind (its "phantom /etc/hostname") and /run, where it binds .containerenv; BuildKit does not */
  onlyBuildah: new Set(["etc/hostname", "etc/hosts", "etc/resolv.conf", "run"]),
  /** buildah labels every image with its version */
  labels: new Set(["io.buildah.version"]),
  /** buildah runs shell-form CMD/ENTRYPOINT with /bin/sh -c even after SHELL (none of these cases uses SHELL); mtimes are not compared at all (RUN-made files differ by the clock) */
};

const CONFIG_FIELDS = ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal", "Healthcheck", "OnBuild"] as const;

function normalize(value: unknown): unknown {
  if (value === null || value === undefined || value === "") return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !KNOWN.labels.has(k))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value;
}

function configOf(img: ArchiveImage, c: ConformanceCase): Record<string, unknown> {
  const config = (img.config.config ?? {}) as Record<string, unknown>;
  return Object.fromEntries(CONFIG_FIELDS.filter((f) => !c.divergence?.config?.includes(f)).map((f) => [f, normalize(config[f])]));
}

function treeDiff(kitten: Map<string, FlatEntry>, buildah: Map<string, FlatEntry>, c: ConformanceCase): string[] {
  const onlyKitten = new Set([...KNOWN.onlyKitten, ...(c.divergence?.onlyKitten ?? [])]);
  const onlyBuildah = new Set([...KNOWN.onlyBuildah, ...(c.divergence?.onlyBuildah ?? [])]);
  const out: string[] = [];
  for (const [path, k] of kitten) {
    const b = buildah.get(path);
    if (!b) {
      if (!onlyKitten.has(path)) out.push(`only in kitten: ${path}`);
      continue;
    }
    const show = (e: FlatEntry) => JSON.stringify({ ...e, mode: e.mode.toString(8) });
    if (show(k) !== show(b)) out.push(`${path}: kitten ${show(k)} buildah ${show(b)}`);
  }
  for (const [path, b] of buildah) {
    if (kitten.has(path)) continue;
    if (onlyBuildah.has(path) && b.size === 0) continue;
    out.push(`only in buildah: ${path}`);
  }
  return out;
}

async function sh(argv: string[], env?: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

const hasBuildah = Bun.which("buildah") !== null && process.getuid?.() === 0;

describe.skipIf(!hasBuildah)("kitten build vs buildah bud --format docker", () => {
  let registry: Registry;
  let root: string;
  let r: Runner;
  let work: string;
  let buildah: string[];

  beforeAll(async () => {
    registry = await startRegistry();
    await registry.pushBusyboxImage("busybox");
    root = tempRoot();
    r = runner("root", root);
    work = mkdtempSync(join(tmpdir(), "kitten-conformance-"));
    buildah = ["buildah", "--root", join(work, "storage"), "--runroot", join(work, "run"), "--storage-driver", "overlay"];
    const pull = await sh([...buildah, "pull", "--tls-verify=false", "-q", `docker://${registry.host}/library/busybox:latest`]);
    if (pull.code !== 0) throw new Error(`buildah pull: ${pull.err}`);
    await sh([...buildah, "tag", `${registry.host}/library/busybox:latest`, "docker.io/library/busybox:latest"]);
  }, 120_000);

  afterAll(async () => {
    await r?.k(["__ns-down", "default"]);
    if (work) {
      await sh([...buildah, "rm", "--all"]);
      await sh(["umount", "-R", join(work, "storage", "overlay")]).catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    }
    if (root) removeRoot(root);
    await registry?.stop();
  });

  function context(c: ConformanceCase, i: number): string {
    const dir = join(work, `ctx-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "Dockerfile"), c.dockerfile);
    for (const [name, content] of Object.entries(c.files ?? {})) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      if (typeof content === "object" && "symlink" in content) symlinkSync(content.symlink, join(dir, name));
      else writeFileSync(join(dir, name), content);
    }
    return dir;
  }

  test.each(CASES.map((c, i) => [c.name, c, i] as const))("%s", async (_name, c, i) => {
    const ctx = context(c, i);
    const args = Object.entries(c.buildArgs ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    const target = c.target ? ["--target", c.target] : [];
    const tag = `conformance-${i}`;
    const kb = await r.k(["build", "-q", ...args, ...target, "-t", tag, ctx], registry.mirrorEnv, 120_000);
    expect(kb.stderr).toBe("");
    expect(kb.code).toBe(0);
    const kTar = join(work, `kitten-${i}.tar`);
    const save = await r.k(["image", "save", "-o", kTar, tag]);
    expect(save.stderr).toBe("");
    expect(save.code).toBe(0);
    const bb = await sh([...buildah, "bud", "--format", "docker", "--layers", "--no-cache", "--runtime", "runc", "--network", "host", "-q", ...args, ...target, "-t", tag, ctx]);
    if (bb.code !== 0) throw new Error(`buildah bud failed: ${bb.err}`);
    const bTar = join(work, `buildah-${i}.tar`);
    const push = await sh([...buildah, "push", "-q", tag, `docker-archive:${bTar}:${tag}`]);
    if (push.code !== 0) throw new Error(`buildah push: ${push.err}`);
    const k = archiveImage(kTar);
    const b = archiveImage(bTar);
    expect(treeDiff(k.tree, b.tree, c)).toEqual([]);
    expect(configOf(k, c)).toEqual(configOf(b, c));
    if (c.divergence?.config?.includes("ExposedPorts")) expect(Object.keys((k.config.config as { ExposedPorts: object }).ExposedPorts)).toEqual(["8000/tcp", "8001/tcp", "8002/tcp", "9000/udp"]);
  }, 180_000);
});
