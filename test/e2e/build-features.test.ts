/**
 * The BuildKit Dockerfile features through the real binary, as root and as `kittest`, against the
 * trees they must produce: RUN --mount cache (kept across builds, per id), bind (read-only, not
 * in the layer), secret (file and env; in no layer, history or cache key), tmpfs, RUN
 * --network=none, heredocs (RUN, #! scripts, COPY), COPY --link/--parents/--exclude, symlinks
 * (followed at the source path inside the context only, kept as symlinks below it), ADD of a
 * local tar and of a URL with --checksum, multi-stage with an unused failing stage skipped;
 * then `system df` and `builder prune`. And the escapes: a context symlink to the host's
 * /etc/passwd and a tar entry climbing out with `..` are refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeRoot, tempRoot, userIds } from "./helpers.ts";
import { runner, type Runner } from "./run-fixtures.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { userNamespace } from "../fixtures/tree.ts";
import { buildTar } from "../fixtures/tar-writer.ts";

let registry: Registry;
let server: ReturnType<typeof Bun.serve>;
const DOWNLOAD = "downloaded over http\n";
const DOWNLOAD_SUM = `sha256:${new Bun.CryptoHasher("sha256").update(DOWNLOAD).digest("hex")}`;

beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushBusyboxImage("busybox");
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response(DOWNLOAD, { headers: { "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT" } }),
  });
});

afterAll(async () => {
  await registry?.stop();
  server?.stop(true);
});

const SECRET = "s3cr3t-value-7f3a";

const dockerfile = (url: string) => `# syntax=docker/dockerfile:1.7
FROM busybox AS base
RUN --mount=type=cache,target=/cache,id=runs echo run >> /cache/runs && wc -l < /cache/runs > /runs-seen
RUN --mount=type=bind,source=bindme.txt,target=/mnt/b cat /mnt/b > /bound.txt
RUN --mount=type=bind,target=/ctx test -e /ctx/bindme.txt && test ! -e /ctx/secret.txt && echo hidden > /ignored-check
RUN --mount=type=secret,id=tok --mount=type=secret,id=tok,env=TOKEN sh -c 'test "$(cat /run/secrets/tok)" = "$TOKEN" && echo secret-ok > /secret-check'
RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && ls /scratch > /tmpfs-seen
RUN --network=none cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' > /netdevs

FROM busybox AS unused
RUN exit 1

FROM busybox AS docs
ARG WHO=heredoc
COPY <<EOF /docs/hello.txt
hello $WHO
EOF
RUN <<EOF
echo one > /docs/lines
echo two >> /docs/lines
EOF
RUN <<EOF
#!/bin/sh
echo "script $0" > /docs/script
EOF

FROM busybox
COPY --from=base /runs-seen /bound.txt /ignored-check /secret-check /tmpfs-seen /netdevs /out/
COPY --from=docs /docs /docs
COPY --link src/a /linked/
COPY --parents src/./a/b/two.txt /parents/
COPY --exclude=*.log src/c /excl/
COPY src/a/link /top-link
ADD payload.tgz /extracted/
ADD --checksum=${DOWNLOAD_SUM} ${url} /downloads/
RUN --mount=type=cache,from=docs,source=/docs,target=/seedc,id=seeded cp /seedc/hello.txt /seeded.txt
`;

/** The build context, owned by `user`. */
function context(user: string | undefined, url: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kitten-build-feat-"));
  const w = (p: string, text: string) => {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), text);
  };
  w("Dockerfile", dockerfile(url));
  w("src/a/one.txt", "A\n");
  w("src/a/b/two.txt", "B\n");
  w("src/c/skip.log", "log\n");
  w("src/c/keep.txt", "keep\n");
  symlinkSync("one.txt", join(dir, "src/a/link"));
  w("bindme.txt", "bind data\n");
  w("secret.txt", SECRET);
  // what .dockerignore excludes is not in a bind mount of the context either
  w(".dockerignore", "secret.txt\n");
  writeFileSync(join(dir, "payload.tgz"), Bun.gzipSync(buildTar([{ path: "top", type: "dir" }, { path: "top/file", type: "file", content: "inside\n" }])));
  // hostile inputs for the escape tests
  symlinkSync("/etc/passwd", join(dir, "outside-link"));
  writeFileSync(join(dir, "evil.tar"), buildTar([{ path: "../../escaped.txt", type: "file", content: "out\n" }]));
  w("Dockerfile.escape-link", "FROM busybox\nCOPY outside-link /x\n");
  w("Dockerfile.escape-tar", "FROM busybox\nADD evil.tar /in/\n");
  if (user) {
    const ids = userIds(user);
    Bun.spawnSync(["chown", "-R", "-h", `${ids.uid}:${ids.gid}`, dir]);
  }
  return dir;
}

/** Every file below `dir` whose bytes contain `needle` (root reads everything). */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      return;
    }
    if (!st) return;
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    else if (st.isFile() && st.size < 64 << 20 && readFileSync(p).includes(needle)) hits.push(p);
  };
  walk(dir);
  return hits;
}

for (const user of [undefined, "kittest"] as const) {
  describe(`Dockerfile features as ${user ?? "root"}`, () => {
    let root: string;
    let r: Runner;
    let ctx: string;
    beforeAll(() => {
      root = tempRoot(user ? userIds(user) : undefined);
      r = runner(user ?? "root", root, user);
      ctx = context(user, `http://127.0.0.1:${server.port}/files/note.txt`);
    });
    afterAll(async () => {
      await r.k(["__ns-down", "default"]);
      Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
      removeRoot(root);
      rmSync(ctx, { recursive: true, force: true });
    });

    test("builds every feature into the expected tree; secrets stay out of layers, history and the cache key", async () => {
      const env = registry.mirrorEnv;
      const secret = ["--secret", `id=tok,src=${join(ctx, "secret.txt")}`];
      const b = await r.k(["build", "--progress", "plain", ...secret, "-t", "feat", ctx], env, 180_000);
      expect(b.stderr).not.toContain("error");
      expect(b.code).toBe(0);
      expect(b.stderr).not.toContain("[unused");
      const script = [
        "cd /",
        'for f in out/*; do echo "$f: $(cat $f)"; done',
        "cat docs/hello.txt docs/lines docs/script",
        "find linked parents excl extracted downloads -exec stat -c '%n %F %a %U' {} + | sort",
        "readlink linked/link; cat top-link; cat downloads/note.txt; date -u -r downloads/note.txt +%Y; cat seeded.txt",
        "ls /run/secrets 2>&1",
      ].join("; ");
      const run = await r.k(["run", "--rm", "feat", "sh", "-c", script], env);
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe(
        [
          "out/bound.txt: bind data",
          "out/ignored-check: hidden",
          "out/netdevs: lo",
          "out/runs-seen: 1",
          "out/secret-check: secret-ok",
          "out/tmpfs-seen: x",
          "hello heredoc",
          "one",
          "two",
          "script /dev/pipes/EOF",
          "downloads directory 755 root",
          "downloads/note.txt regular file 600 root",
          "excl directory 755 root",
          "excl/keep.txt regular file 644 root",
          "extracted directory 755 root",
          "extracted/top directory 755 root",
          "extracted/top/file regular file 644 root",
          "linked directory 755 root",
          "linked/b directory 755 root",
          "linked/b/two.txt regular file 644 root",
          "linked/link symbolic link 777 root",
          "linked/one.txt regular file 644 root",
          "parents directory 755 root",
          "parents/a directory 755 root",
          "parents/a/b directory 755 root",
          "parents/a/b/two.txt regular file 644 root",
          "one.txt",
          "A",
          DOWNLOAD.trim(),
          "2015",
          "hello heredoc",
          "ls: /run/secrets: No such file or directory",
          "",
        ].join("\n"),
      );
      // a different secret value is not a different build: every step is a cache hit
      writeFileSync(join(ctx, "secret.txt"), "another-value");
      const again = await r.k(["build", "--progress", "plain", ...secret, "-t", "feat", ctx], env, 120_000);
      expect(again.code).toBe(0);
      expect(again.stderr.match(/CACHED/g)?.length).toBe(18);
      const history = (await r.k(["image", "inspect", "feat"])).stdout;
      expect(history).not.toContain(SECRET);
      expect(filesContaining(join(root, "data"), SECRET)).toEqual([]);
      // the cache mount outlives a --no-cache build
      const fresh = await r.k(["build", "-q", "--no-cache", ...secret, "-t", "feat2", ctx], env, 180_000);
      expect(fresh.code).toBe(0);
      expect((await r.k(["run", "--rm", "feat2", "cat", "/out/runs-seen"], env)).stdout).toBe("2\n");
    }, 300_000);

    test("a context symlink to the host and a tar entry with '..' cannot leave the build", async () => {
      const env = registry.mirrorEnv;
      const link = await r.k(["build", "-f", join(ctx, "Dockerfile.escape-link"), ctx], env, 60_000);
      expect(link.stderr).toContain('error: Dockerfile.escape-link:2: COPY failed: "outside-link" not found in the build context');
      expect(link.code).toBe(2);
      const tar = await r.k(["build", "-f", join(ctx, "Dockerfile.escape-tar"), ctx], env, 60_000);
      expect(tar.stderr).toContain("entry \"../../escaped.txt\" contains '..'");
      expect(tar.code).toBe(2);
      expect(filesContaining(join(root, "data"), "out\n").filter((p) => p.endsWith("escaped.txt"))).toEqual([]);
    }, 120_000);

    test("system df shows the build cache and builder prune frees it", async () => {
      const df = await r.k(["system", "df", "--format", "json"]);
      expect(df.code).toBe(0);
      const cache = JSON.parse(df.stdout).find((row: { type: string }) => row.type === "Build Cache");
      expect(cache.total).toBeGreaterThan(10);
      const prune = await r.k(["builder", "prune", "-a", "-f"]);
      expect(prune.code).toBe(0);
      expect(prune.stdout).toMatch(/^removed \d+ cache entries, \d+ layers and 2 cache mounts\nTotal reclaimed space: /);
      const after = JSON.parse((await r.k(["system", "df", "--format", "json"])).stdout).find((row: { type: string }) => row.type === "Build Cache");
      expect(after.total).toBe(0);
      // images keep their layers: the built image still runs
      expect((await r.k(["run", "--rm", "feat", "cat", "/docs/hello.txt"], registry.mirrorEnv)).stdout).toBe("hello heredoc\n");
    }, 120_000);
  });
}
