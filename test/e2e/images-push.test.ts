/**
 * `kitten push`, `kitten tag` and `kitten image save` end to end against Debian's real
 * docker-registry (test/fixtures/registry.ts), as root and as kittest. An image made by
 * `kitten image import` stands for a built one: its layer is stored uncompressed with its diffID,
 * exactly as the builder stores layers, so push has to gzip it. What kitten pushed is read back by
 * kitten (a fresh store), skopeo and podman; what it saved is loaded by kitten, skopeo and podman.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KITTEN, kitten, removeRoot, requireBinary, tempRoot, userIds, type RunResult } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { BUSYBOX } from "../fixtures/images.ts";
import { userNamespace } from "../fixtures/tree.ts";

requireBinary();

let registry: Registry;
let dir: string;
/** a small root filesystem, and one with a 20 MB incompressible file: its gzip is above the 16 MiB chunk size */
let small: string;
let big: string;
const roots: { root: string; user?: string }[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushBusyboxImage("busybox");
  dir = mkdtempSync(join(tmpdir(), "kitten-push-"));
  // kittest writes saved archives here
  chmodSync(dir, 0o777);
  small = join(dir, "small");
  mkdirSync(join(small, "bin"), { recursive: true });
  mkdirSync(join(small, "etc"));
  cpSync(BUSYBOX, join(small, "bin/busybox"));
  symlinkSync("busybox", join(small, "bin/sh"));
  writeFileSync(join(small, "etc/message"), "made by kitten\n");
  big = join(dir, "big");
  mkdirSync(big);
  cpSync(small, big, { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(big, "random.bin"), randomBytes(20 << 20));
});

afterAll(async () => {
  await registry?.stop();
  for (const { root, user } of roots) {
    // builds and `kitten run` leave their namespace (a project's, or "default") up for the next one: take them down
    const ls = await k(root, ["ls", "-a", "--format", "json"], { user });
    for (const { name } of (ls.code === 0 ? JSON.parse(ls.stdout) : []) as { name: string }[]) await k(root, ["down", "-p", name, "-t", "1"], { user });
    Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
    removeRoot(root);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh KITTEN_ROOT for `user` (removed after the file). */
function newRoot(user?: string): string {
  const root = tempRoot(user ? userIds(user) : undefined);
  roots.push({ root, user });
  return root;
}

function k(root: string, args: string[], options: { user?: string; env?: Record<string, string>; stdin?: string; cwd?: string } = {}): Promise<RunResult> {
  return kitten(args, { user: options.user, stdin: options.stdin, cwd: options.cwd, env: { KITTEN_ROOT: root, ...options.env }, timeoutMs: 120_000 });
}

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
}

/** The digest `kitten push` printed: `<ref>: digest: sha256:… size: N`. */
function pushedDigest(r: RunResult): string {
  const m = /: digest: (sha256:[a-f0-9]{64}) size: \d+\n$/.exec(ok(r).stdout);
  if (!m) throw new Error(`no digest in ${JSON.stringify(r.stdout)}`);
  return m[1]!;
}

async function run(argv: string[]): Promise<string> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.slice(0, 3).join(" ")} failed (${code}): ${err}`);
  return out;
}

const skopeo = async (ref: string, ...flags: string[]) => JSON.parse(await run(["skopeo", "inspect", "--tls-verify=false", ...flags, ref]));

/** podman with a private store: nothing of the host's podman is touched */
function podman(): { cmd: (...args: string[]) => Promise<string>; cleanup(): void } {
  const base = mkdtempSync(join(tmpdir(), "kitten-podman-"));
  return {
    cmd: (...args) => run(["podman", "--root", join(base, "root"), "--runroot", join(base, "run"), "--storage-driver", "vfs", ...args]),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

function inspect(root: string, ref: string, user?: string) {
  return k(root, ["image", "inspect", ref], { user }).then((r) => JSON.parse(ok(r).stdout)[0] as { Id: string; RepoDigests: string[]; RootFS: { Layers: string[] } });
}

for (const user of [undefined, "kittest"] as const) {
  const who = user ?? "root";
  describe(`push and pull back as ${who}`, () => {
    test("a built image pushed and pulled back is identical: the same image id, diff ids and manifest digest", async () => {
      const root = newRoot(user);
      const ref = `${registry.host}/${who}/app:1`;
      const id = ok(await k(root, ["image", "import", small, ref], { user })).stdout.trim();
      const push = await k(root, ["push", ref], { user });
      const digest = pushedDigest(push);
      expect(push.stderr).toContain(": compressing");
      expect(push.stderr).toContain(": pushed");
      expect(push.stderr).not.toContain("error");
      // the push is recorded as the image's repo digest, as docker does
      expect((await inspect(root, ref, user)).RepoDigests).toEqual([`${registry.host}/${who}/app@${digest}`]);

      const again = newRoot(user);
      const pull = JSON.parse(ok(await k(again, ["pull", "--format", "json", ref], { user })).stdout)[0];
      expect([pull.id, pull.digest]).toEqual([id, digest]);
      expect((await inspect(again, ref, user)).RootFS).toEqual((await inspect(root, ref, user)).RootFS);
      // and the pulled copy goes out again unchanged (its manifest is reused, nothing is uploaded)
      const repush = await k(again, ["push", ref], { user });
      expect(pushedDigest(repush)).toBe(digest);
      expect(repush.stderr).not.toContain("pushed");
    }, 60_000);

    test("an image kitten build made, pushed and pulled back into another store, has the same id, layers and digest; so does its saved archive", async () => {
      const root = newRoot(user);
      const context = join(dir, `context-${who}`);
      mkdirSync(context);
      writeFileSync(join(context, "Dockerfile"), "FROM busybox\nRUN mkdir -p /srv && echo built > /srv/built && chown 1234:1234 /srv/built\nCOPY message /srv/message\nUSER 1234\nCMD [\"cat\", \"/srv/message\"]\n");
      writeFileSync(join(context, "message"), "hello from a built image\n");
      chmodSync(context, 0o755);
      const ref = `${registry.host}/${who}/built:1`;
      const id = ok(await k(root, ["build", "-q", "-t", ref, context], { user, env: registry.mirrorEnv })).stdout.trim();
      const layers = (await inspect(root, ref, user)).RootFS.Layers;
      expect(layers.length).toBe(3);
      const digest = pushedDigest(await k(root, ["push", ref], { user }));
      const again = newRoot(user);
      const pull = JSON.parse(ok(await k(again, ["pull", "--format", "json", ref], { user })).stdout)[0];
      expect([pull.id, pull.digest]).toEqual([id, digest]);
      expect((await inspect(again, ref, user)).RootFS.Layers).toEqual(layers);
      // the pulled copy runs: the built file tree came back whole (owner included)
      const run = ok(await k(again, ["run", "--rm", ref, "sh", "-c", "cat /srv/message /srv/built; stat -c %u /srv/built; id -u"], { user }));
      expect(run.stdout).toBe("hello from a built image\nbuilt\n1234\n1234\n");
      const out = join(dir, `built-${who}.tar`);
      ok(await k(root, ["image", "save", "-o", out, ref], { user }));
      const loaded = newRoot(user);
      ok(await k(loaded, ["image", "load", "-i", out], { user }));
      expect((await inspect(loaded, ref, user)).Id).toBe(id);
    }, 120_000);

    test("kitten save, then load into a fresh store, round-trips docker-archive and oci archives", async () => {
      const root = newRoot(user);
      const ref = `${registry.host}/${who}/saved:1`;
      const id = ok(await k(root, ["image", "import", small, ref], { user })).stdout.trim();
      ok(await k(root, ["tag", ref, "kitten.test/other:2"], { user }));
      const out = mkdtempSync(join(tmpdir(), "kitten-save-"));
      chmodSync(out, 0o777);
      try {
        ok(await k(root, ["image", "save", "-o", join(out, "d.tar"), ref, "kitten.test/other:2"], { user }));
        ok(await k(root, ["save", "--format", "oci", "-o", join(out, "o.tar"), ref], { user }));
        for (const [file, tags] of [["d.tar", [ref, "kitten.test/other:2"]], ["o.tar", [ref]]] as const) {
          const fresh = newRoot(user);
          const load = ok(await k(fresh, ["image", "load", "-i", join(out, file)], { user }));
          expect(load.stdout.trim().split("\n").sort()).toEqual(tags.map((t) => `loaded image: ${t}`).sort());
          for (const t of tags) expect((await inspect(fresh, t, user)).Id).toBe(id);
        }
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }, 60_000);
  });
}

describe("push as docker does it", () => {
  test("pushing again finds every blob on the registry; another repository gets them by cross-repository mount", async () => {
    const r = newRoot();
    const ref = `${registry.host}/team/app:1`;
    ok(await k(r, ["image", "import", small, ref]));
    const digest = pushedDigest(await k(r, ["push", ref]));
    const again = await k(r, ["push", ref]);
    expect(pushedDigest(again)).toBe(digest);
    expect(again.stderr.match(/layer already exists/g)?.length).toBe(2);
    // the layer's gzip is remembered: it is not compressed again to be found on the registry
    expect(again.stderr).not.toContain("compressing");
    ok(await k(r, ["tag", ref, `${registry.host}/elsewhere/app:2`]));
    const mounted = await k(r, ["push", `${registry.host}/elsewhere/app:2`]);
    expect(pushedDigest(mounted)).toBe(digest);
    expect(mounted.stderr.match(/mounted from team\/app/g)?.length).toBe(2);
    expect(mounted.stderr).not.toContain("pushed");
  }, 60_000);

  test("skopeo and podman read what kitten pushed: gzip layers in an OCI manifest, the same config and digest", async () => {
    const r = newRoot();
    const ref = `${registry.host}/cross/check:1`;
    const id = ok(await k(r, ["image", "import", small, ref])).stdout.trim();
    const digest = pushedDigest(await k(r, ["push", ref]));
    const raw = await skopeo(`docker://${ref}`, "--raw");
    expect(raw.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(raw.config.digest).toBe(id);
    expect(raw.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual(["application/vnd.oci.image.layer.v1.tar+gzip"]);
    expect((await skopeo(`docker://${ref}`)).Digest).toBe(digest);
    const p = podman();
    try {
      await p.cmd("pull", "-q", "--tls-verify=false", ref);
      expect((await p.cmd("image", "inspect", "--format", "{{.Id}} {{.Digest}}", ref)).trim()).toBe(`${id.slice(7)} ${digest}`);
    } finally {
      p.cleanup();
    }
  }, 60_000);

  test("a layer bigger than the upload chunk goes up in chunks and comes back whole", async () => {
    const r = newRoot();
    const ref = `${registry.host}/team/big:1`;
    const id = ok(await k(r, ["image", "import", big, ref])).stdout.trim();
    const digest = pushedDigest(await k(r, ["push", "-q", ref]));
    const back = newRoot();
    const pull = JSON.parse(ok(await k(back, ["pull", "--format", "json", ref])).stdout)[0];
    expect([pull.id, pull.digest]).toEqual([id, digest]);
  }, 90_000);

  test("a pulled image is pushed with the manifest it was pulled with: the digest does not change", async () => {
    const r = newRoot();
    const pulled = JSON.parse(ok(await k(r, ["pull", "--format", "json", "busybox"], { env: registry.mirrorEnv })).stdout)[0];
    ok(await k(r, ["tag", "busybox", `${registry.host}/copies/busybox:1`]));
    const push = await k(r, ["push", `${registry.host}/copies/busybox:1`]);
    expect(pushedDigest(push)).toBe(pulled.digest);
    expect(push.stderr).not.toContain("compressing");
  }, 60_000);

  test("push --all-tags sends every local tag of the repository", async () => {
    const r = newRoot();
    ok(await k(r, ["image", "import", small, `${registry.host}/team/multi:a`]));
    ok(await k(r, ["tag", `${registry.host}/team/multi:a`, `${registry.host}/team/multi:b`]));
    const push = ok(await k(r, ["push", "-a", "-q", `${registry.host}/team/multi`]));
    expect(push.stdout.split("\n").filter(Boolean).map((l) => l.split(": digest:")[0])).toEqual([`${registry.host}/team/multi:a`, `${registry.host}/team/multi:b`]);
    const tags = JSON.parse(await run(["skopeo", "list-tags", "--tls-verify=false", `docker://${registry.host}/team/multi`])).Tags;
    expect(tags.sort()).toEqual(["a", "b"]);
  }, 60_000);

  for (const kind of ["htpasswd", "token"] as const) {
    test(`a ${kind} registry refuses the push with exit 2 until \`kitten login\`; then blobs go up and mount across repositories`, async () => {
      const password = `pw-${crypto.randomUUID()}`;
      const guarded = await startRegistry({ auth: { type: kind, user: "alice", password } });
      try {
        const r = newRoot();
        const ref = `${guarded.host}/team/app:1`;
        ok(await k(r, ["image", "import", small, ref]));
        const refused = await k(r, ["push", ref]);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(`error: registry ${guarded.host}: authentication required`);
        expect(refused.stderr).toContain(`hint: run \`kitten login ${guarded.host}\``);
        ok(await k(r, ["login", "-u", "alice", "--password-stdin", guarded.host], { stdin: password }));
        const pushed = await k(r, ["push", ref]);
        const digest = pushedDigest(pushed);
        ok(await k(r, ["tag", ref, `${guarded.host}/team/copy:1`]));
        const mounted = await k(r, ["push", `${guarded.host}/team/copy:1`]);
        expect(pushedDigest(mounted)).toBe(digest);
        expect(mounted.stderr.match(/mounted from team\/app/g)?.length).toBe(2);
        for (const out of [refused, pushed, mounted]) expect(out.stdout + out.stderr).not.toContain(password);
      } finally {
        await guarded.stop();
      }
    }, 60_000);
  }
});

describe("compose push", () => {
  test("pushes the services that are built and named for a registry, under image: and build.tags; skips the rest", async () => {
    const r = newRoot();
    const project = join(dir, "project");
    mkdirSync(join(project, "app"), { recursive: true });
    writeFileSync(join(project, "app/Dockerfile"), "FROM busybox\nRUN echo app > /app\n");
    const image = `${registry.host}/team/composed`;
    writeFileSync(
      join(project, "compose.yaml"),
      `services:\n  app:\n    image: ${image}:1\n    build:\n      context: ./app\n      tags: ["${image}:latest"]\n  db:\n    image: busybox\n  worker:\n    build: ./app\n`,
    );
    const file = join(project, "compose.yaml");
    ok(await k(r, ["compose", "-f", file, "build"], { env: registry.mirrorEnv }));
    const push = await k(r, ["compose", "-f", file, "push"], { env: registry.mirrorEnv });
    expect(ok(push).stdout.split("\n").filter(Boolean).map((l) => l.split(": digest:")[0]).sort()).toEqual([`${image}:1`, `${image}:latest`]);
    expect(push.stderr).toContain("db: skipped (not built by the project)");
    expect(push.stderr).toContain("worker: skipped (no image: to push to)");
    const tags = JSON.parse(await run(["skopeo", "list-tags", "--tls-verify=false", `docker://${image}`])).Tags;
    expect(tags.sort()).toEqual(["1", "latest"]);
  }, 120_000);
});

describe("save", () => {
  test("skopeo and podman read both archive formats; the oci archive holds the manifest push sends; saving twice gives the same bytes", async () => {
    const r = newRoot();
    const ref = `${registry.host}/team/archived:1`;
    const id = ok(await k(r, ["image", "import", small, ref])).stdout.trim();
    const out = mkdtempSync(join(tmpdir(), "kitten-save-"));
    const p = podman();
    try {
      ok(await k(r, ["image", "save", "-o", join(out, "d.tar"), ref]));
      ok(await k(r, ["image", "save", "--format", "oci", "-o", join(out, "o.tar"), ref]));
      // to stdout when it is no terminal, as docker save
      const proc = Bun.spawn([KITTEN, "image", "save", ref], { env: { ...process.env, KITTEN_ROOT: r }, stdout: Bun.file(join(out, "stdout.tar")), stderr: "ignore" });
      expect(await proc.exited).toBe(0);
      expect(readFileSync(join(out, "stdout.tar")).equals(readFileSync(join(out, "d.tar")))).toBe(true);
      ok(await k(r, ["image", "save", "-o", join(out, "d2.tar"), ref]));
      expect(readFileSync(join(out, "d2.tar")).equals(readFileSync(join(out, "d.tar")))).toBe(true);

      expect((await skopeo(`docker-archive:${join(out, "d.tar")}`, "--config")).rootfs).toEqual((await skopeo(`oci-archive:${join(out, "o.tar")}`, "--config")).rootfs);
      const pushed = pushedDigest(await k(r, ["push", ref]));
      expect((await skopeo(`oci-archive:${join(out, "o.tar")}`)).Digest).toBe(pushed);
      for (const file of ["d.tar", "o.tar"]) {
        await p.cmd("load", "-q", "-i", join(out, file));
        expect((await p.cmd("image", "inspect", "--format", "{{.Id}}", ref)).trim()).toBe(id.slice(7));
        await p.cmd("rmi", "-f", ref);
      }
    } finally {
      p.cleanup();
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("bad input is one error line, a hint and exit 2", () => {
  const cases: [string, string[], string, string][] = [
    ["push of an image the store lacks", ["push", "127.0.0.1:1/none/such:1"], "error: image 127.0.0.1:1/none/such:1 not found", "hint: `kitten images` lists the local images"],
    ["push of a digest reference", ["push", `127.0.0.1:1/a/b@sha256:${"a".repeat(64)}`], "a digest reference names content, not a tag", "hint: tag the image first"],
    ["push without an image", ["push"], "error: no image given", "hint: kitten push"],
    ["tag to a digest", ["tag", "x", `y@sha256:${"b".repeat(64)}`], "a digest reference is not a tag", "hint: use a tag"],
    ["tag of a missing image", ["tag", "no-such-image", "x:1"], "error: image no-such-image not found", "hint: `kitten images`"],
    ["tag with one argument", ["tag", "x"], "error: missing source or target image", "hint: kitten tag SOURCE"],
    ["save in an unknown format", ["image", "save", "--format", "zip", "-o", "/tmp/x.tar", "x"], 'error: unknown archive format "zip"', "hint: use --format docker-archive"],
    ["save of a missing image", ["image", "save", "-o", "/tmp/kitten-never-written.tar", "no-such-image"], "error: image no-such-image not found", "hint:"],
  ];
  for (const [name, args, error, hint] of cases) {
    test(name, async () => {
      const r = await k(roots[0]?.root ?? newRoot(), args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(error);
      expect(r.stderr).toContain(hint);
      expect(r.stderr).not.toContain("    at ");
    });
  }
  test("a failed save leaves no file behind", () => {
    expect(existsSync("/tmp/kitten-never-written.tar")).toBe(false);
  });
});
