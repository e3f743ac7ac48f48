/**
 * What `kitten pull` prints (plain lines in a pipe, JSON events, --quiet), device nodes skipped
 * with a warning when unpacking rootless, and a pull killed midway leaving a store that a second
 * pull completes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KITTEN, kitten, removeRoot, tempRoot } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { OciLayoutWriter } from "../fixtures/oci-layout.ts";
import { busyboxBaseLayer } from "../fixtures/images.ts";
import { snapshotOverlay, userNamespace } from "../fixtures/tree.ts";

/** live `kitten __unpack` processes started for a KITTEN_ROOT */
function unpackersOf(kittenRoot: string): number[] {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return [];
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
      const env = readFileSync(`/proc/${p}/environ`, "utf8");
      return cmd.includes("__unpack") && env.includes(`KITTEN_ROOT=${kittenRoot}\0`) ? [Number(p)] : [];
    } catch {
      return [];
    }
  });
}

let registry: Registry;
let layout: string;
let root: string;
const big = new Uint8Array(24 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);
const bigSha = new Bun.CryptoHasher("sha256").update(big).digest("hex");

beforeAll(async () => {
  registry = await startRegistry();
  layout = mkdtempSync(join(tmpdir(), "kitten-output-layout-"));
  const w = new OciLayoutWriter(layout);
  w.tag("dev", w.image({ layers: [{ entries: [
    { path: "dev", type: "dir" },
    { path: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
    { path: "dev/sda", type: "block", devmajor: 8, devminor: 0, mode: 0o660 },
    { path: "dev/fifo", type: "fifo" },
    { path: "etc", type: "dir" },
    { path: "etc/kept", type: "file", content: "kept\n" },
  ] }] }));
  w.tag("big", w.image({ layers: [busyboxBaseLayer(), { entries: [{ path: "big.bin", type: "file", content: big }] }, { entries: [{ path: "small", type: "file", content: "s" }] }] }));
  await Promise.all([registry.pushLayout(layout, "dev", "test/dev:1"), registry.pushLayout(layout, "big", "test/big:1"), registry.pushBusyboxImage("busybox")]);
});

afterAll(async () => {
  await registry?.stop();
  rmSync(layout, { recursive: true, force: true });
});

describe("pull output", () => {
  let root: string;
  beforeAll(() => {
    root = tempRoot();
  });
  afterAll(() => {
    Bun.spawnSync([...userNamespace(), "rm", "-rf", join(root, "data")]);
    removeRoot(root);
  });
  const run = (args: string[]) => kitten(args, { env: { ...registry.mirrorEnv, KITTEN_ROOT: root } });

  test("prints one plain line per layer state in a pipe and only the reference on stdout", async () => {
    const r = await run(["pull", "busybox"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("docker.io/library/busybox:latest\n");
    const lines = r.stderr.trim().split("\n");
    const id = lines[0]!.split(":")[0]!;
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(lines).toContain(`${id}: pull complete`);
    expect(new Set(lines).size).toBe(lines.length);
    expect(r.stderr).not.toContain("\x1b[");
  });

  test("prints JSON progress events on stderr and a JSON array of results on stdout with --format json", async () => {
    const r = await run(["pull", "--format", "json", `${registry.host}/test/dev:1`]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toEqual([{ ref: `${registry.host}/test/dev:1`, id: expect.stringMatching(/^sha256:/), digest: expect.stringMatching(/^sha256:/), layers: 1, downloaded: 1 }]);
    const events = r.stderr.trim().split("\n").map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === "progress" && e.action === "pull complete" && e.done === true)).toBe(true);
  });

  test("prints nothing but the reference with --quiet, and says when a layer already exists", async () => {
    const q = await run(["pull", "--quiet", "busybox"]);
    expect([q.code, q.stdout, q.stderr]).toEqual([0, "docker.io/library/busybox:latest\n", ""]);
    const again = await run(["pull", "busybox"]);
    expect(again.stderr).toMatch(/^[0-9a-f]{12}: already exists$/m);
  });
});

describe("usage errors", () => {
  test.each([
    [["pull"], "error: no image given"],
    [["rmi"], "error: no image given"],
    [["image"], "error: missing image command"],
    [["image", "frobnicate"], 'error: unknown image command "frobnicate"'],
    [["image", "inspect"], "error: missing image"],
    [["image", "import", "rootfs.tar"], "error: missing name:tag for the new image"],
    [["pull", "--format", "yaml", "busybox"], 'error: unknown format "yaml"'],
    [["pull", "--platform", "linux", "busybox"], 'error: invalid platform "linux"'],
  ])("kitten %p exits 2 with %p and a hint", async (args, message) => {
    const r = await kitten(args, { env: { KITTEN_ROOT: "/nonexistent-kitten-root" } });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe(message);
    expect(r.stderr).toMatch(/\nhint: /);
  });
});

describe("help", () => {
  test("kitten image --help lists the image commands and each has its own usage", async () => {
    const top = await kitten(["image", "--help"]);
    expect(top.code).toBe(0);
    for (const name of ["inspect", "import", "load", "prune", "rm"]) expect(top.stdout).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
    const load = await kitten(["image", "load", "--help"]);
    expect(load.code).toBe(0);
    expect(load.stdout).toContain("USAGE kitten image load [OPTIONS]");
    expect(load.stdout).toContain("--input");
    expect(load.stdout).not.toContain("\x1b[");
  });
});

describe("registry settings", () => {
  test("serves docker.io from a mirror set in config.yaml", async () => {
    const croot = tempRoot();
    try {
      mkdirSync(join(croot, "config"), { recursive: true });
      writeFileSync(join(croot, "config/config.yaml"), `registries:\n  docker.io:\n    mirrors: ["${registry.host}"]\n`);
      const r = await kitten(["pull", "-q", "busybox"], { env: { KITTEN_ROOT: croot } });
      expect([r.code, r.stdout, r.stderr]).toEqual([0, "docker.io/library/busybox:latest\n", ""]);
    } finally {
      Bun.spawnSync([...userNamespace(), "rm", "-rf", join(croot, "data")]);
      removeRoot(croot);
    }
  });

  test("draws a progress line per layer in place on a terminal", async () => {
    const troot = tempRoot();
    try {
      // util-linux script(1) gives kitten a pseudo-terminal
      const cmd = `env KITTEN_ROOT=${troot} TERM=xterm ${KITTEN} pull ${registry.host}/test/big:1`;
      const proc = Bun.spawnSync(["script", "-qec", cmd, "/dev/null"], { stdout: "pipe", stderr: "pipe" });
      const out = proc.stdout.toString();
      expect(proc.exitCode).toBe(0);
      expect(out).toContain("\x1b[2K");
      expect(out).toMatch(/\x1b\[\d+A/);
      expect(out).toMatch(/[0-9a-f]{12}: pull complete/);
    } finally {
      Bun.spawnSync([...userNamespace(), "rm", "-rf", join(troot, "data")]);
      removeRoot(troot);
    }
  });
});

describe("device nodes", () => {
  for (const user of [undefined, "kittest"] as const) {
    test(`are skipped with one warning per layer when unpacking as ${user ?? "root"}`, async () => {
      const owner = user ? (await import("./helpers.ts")).userIds(user) : undefined;
      const droot = tempRoot(owner);
      try {
        const r = await kitten(["pull", `${registry.host}/test/dev:1`], { user, env: { KITTEN_ROOT: droot } });
        expect(r.code).toBe(0);
        expect(r.stderr.match(/warning: layer [0-9a-f]{12}: skipped device node "dev\/null"/g)).toHaveLength(1);
        const img = JSON.parse((await kitten(["image", "inspect", `${registry.host}/test/dev:1`], { user, env: { KITTEN_ROOT: droot } })).stdout)[0];
        const tree = await snapshotOverlay([img.Layers[0].path], user);
        expect(tree.map((e) => `${e.path}:${e.type}`)).toEqual([".:dir", "dev:dir", "dev/fifo:fifo", "etc:dir", "etc/kept:file"]);
      } finally {
        Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(droot, "data")]);
        removeRoot(droot);
      }
    });
  }
});

describe("an interrupted pull", () => {
  beforeAll(() => {
    root = tempRoot();
  });
  afterAll(() => {
    Bun.spawnSync([...userNamespace(), "rm", "-rf", join(root, "data")]);
    removeRoot(root);
  });

  test("image prune running during a pull removes nothing the pull needs", async () => {
    const ref = `${registry.host}/test/big:1`;
    const env = { KITTEN_ROOT: root };
    const pull = kitten(["pull", "--quiet", ref], { env });
    const prunes = [];
    for (let i = 0; i < 4; i++) {
      prunes.push(kitten(["image", "prune"], { env }));
      await Bun.sleep(40);
    }
    const [p, ...rest] = await Promise.all([pull, ...prunes]);
    expect([p.code, p.stderr]).toEqual([0, ""]);
    expect(rest.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const img = JSON.parse((await kitten(["image", "inspect", ref], { env })).stdout)[0];
    const tree = await snapshotOverlay(img.Layers.map((l: { path: string }) => l.path));
    expect(tree.find((e) => e.path === "big.bin")?.sha256).toBe(bigSha);
    expect((await kitten(["rmi", ref], { env })).code).toBe(0);
  });

  test.each(["waiting", "verified", "extracting"])("killed at the first %p event leaves a store the next pull completes", async (action) => {
    const ref = `${registry.host}/test/big:1`;
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, KITTEN_ROOT: root, NO_COLOR: "1" };
    const proc = Bun.spawn([KITTEN, "pull", "--format", "json", ref], { env, stdout: "ignore", stderr: "pipe" });
    const reader = proc.stderr.getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      if (buffer.split("\n").some((l) => l.includes(`"action":"${action}"`))) break;
    }
    proc.kill("SIGKILL");
    await proc.exited;
    // nothing keeps running (its unpackers die with it through PR_SET_PDEATHSIG)
    const deadline = Date.now() + 3000;
    while (unpackersOf(root).length > 0 && Date.now() < deadline) await Bun.sleep(20);
    expect(unpackersOf(root)).toEqual([]);
    const listed = JSON.parse((await kitten(["images", "--format", "json"], { env: { KITTEN_ROOT: root } })).stdout) as { names: string[] }[];
    // either absent or complete — never a half-recorded image
    if (listed.length > 0) expect((await kitten(["image", "inspect", ref], { env: { KITTEN_ROOT: root } })).code).toBe(0);
    const again = await kitten(["pull", "--quiet", ref], { env: { KITTEN_ROOT: root } });
    expect([again.code, again.stderr]).toEqual([0, ""]);
    const img = JSON.parse((await kitten(["image", "inspect", ref], { env: { KITTEN_ROOT: root } })).stdout)[0];
    const tree = await snapshotOverlay(img.Layers.map((l: { path: string }) => l.path));
    expect(tree.find((e) => e.path === "big.bin")?.sha256).toBe(bigSha);
    expect(tree.find((e) => e.path === "bin/busybox")?.type).toBe("file");
    expect((await kitten(["rmi", ref], { env: { KITTEN_ROOT: root } })).code).toBe(0);
  });
});
