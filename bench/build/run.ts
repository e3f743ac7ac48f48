/**
 * bench/build: the same multi-stage Dockerfile and 2,000-file context built by `kitten build`
 * (rootless, as kittest), `buildah bud --layers` (Debian's, rootful, overlay, runc) and rootless
 * `podman build` (as kittest), in one run: cold (no build cache, base image present), fully
 * cached, and after one source file changed. Median of N (default 5). Then the peak memory of
 * `kitten build` on a 20,000-file / 1 GB context (--memory). Needs root.
 *
 *   bun run build && bun bench/build/run.ts [N] [--memory]
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startRegistry } from "../../test/fixtures/registry.ts";

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const MEMORY = process.argv.includes("--memory") || process.argv.includes("--memory-only");
const TIMINGS = !process.argv.includes("--memory-only");
// KITTEN_BIN: a copy of the binary, so rebuilding dist/kitten meanwhile cannot disturb a run
const KITTEN = process.env.KITTEN_BIN ?? resolve(import.meta.dir, "../../dist/kitten");
const USER = "kittest";
const id = (flag: string) => Number(Bun.spawnSync(["id", flag, USER]).stdout.toString().trim());
const UID = id("-u");
const GID = id("-g");
const work = mkdtempSync(join(tmpdir(), "kitten-bench-build-"));
chmodSync(work, 0o755);

function run(argv: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = Bun.spawnSync(argv, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

function must(argv: string[], env: Record<string, string> = {}): string {
  const r = run(argv, env);
  if (r.code !== 0) throw new Error(`${argv.slice(0, 6).join(" ")} failed (${r.code}): ${r.err.trim().split("\n").slice(-3).join(" | ")}`);
  return r.out;
}

const asUser = (argv: string[]) => ["setpriv", `--reuid=${UID}`, `--regid=${GID}`, "--init-groups", "--", ...argv];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A context of `files` files in 40 directories, `size` bytes each, and the multi-stage Dockerfile. */
function makeContext(dir: string, files: number, size: number, dockerfile: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), dockerfile);
  const block = Buffer.alloc(size);
  for (let i = 0; i < files; i++) {
    const d = join(dir, "src", `dir${i % 40}`);
    if (i < 40) mkdirSync(d, { recursive: true });
    for (let j = 0; j < size; j += 8) block.writeUInt32LE((i * 2654435761 + j) >>> 0, j);
    writeFileSync(join(d, `file${i}.txt`), block);
  }
  must(["chown", "-R", `${UID}:${GID}`, dir]);
}

const DOCKERFILE = `FROM busybox AS build
WORKDIR /src
COPY src/ ./src/
RUN find src -type f | sort | xargs cat | sha256sum > /manifest.txt && mkdir -p /out && cp -r src /out/
FROM busybox
COPY --from=build /manifest.txt /app/manifest.txt
COPY --from=build /out /app/
CMD ["cat", "/app/manifest.txt"]
`;

interface Tool {
  name: string;
  build(extra: string[]): string[];
  env: Record<string, string>;
}

const registry = await startRegistry();
await registry.pushBusyboxImage("busybox");
const ctx = join(work, "ctx");
makeContext(ctx, 2000, 1024, DOCKERFILE);

const kittenRoot = join(work, "kitten");
mkdirSync(kittenRoot);
must(["chown", `${UID}:${GID}`, kittenRoot]);
const kenv = { ...registry.mirrorEnv, KITTEN_ROOT: kittenRoot, NO_COLOR: "1" };
must(asUser([KITTEN, "pull", "busybox"]), kenv);

const buildahRoot = join(work, "buildah");
const buildah = ["buildah", "--root", join(buildahRoot, "storage"), "--runroot", join(buildahRoot, "run"), "--storage-driver", "overlay"];
must([...buildah, "pull", "--tls-verify=false", "-q", `docker://${registry.host}/library/busybox:latest`]);
must([...buildah, "tag", `${registry.host}/library/busybox:latest`, "docker.io/library/busybox:latest"]);

const podmanRoot = join(work, "podman");
mkdirSync(podmanRoot);
must(["chown", `${UID}:${GID}`, podmanRoot]);
const podman = ["podman", "--root", join(podmanRoot, "storage"), "--runroot", join(podmanRoot, "run"), "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs", "--events-backend", "none"];
const penv = { HOME: podmanRoot, XDG_RUNTIME_DIR: join(podmanRoot, "xdg") };
mkdirSync(penv.XDG_RUNTIME_DIR, { mode: 0o700 });
must(["chown", `${UID}:${GID}`, penv.XDG_RUNTIME_DIR]);
must(asUser([...podman, "pull", "--tls-verify=false", "-q", `docker://${registry.host}/library/busybox:latest`]), penv);
must(asUser([...podman, "tag", `${registry.host}/library/busybox:latest`, "docker.io/library/busybox:latest"]), penv);

try {
  const tools: Tool[] = [
    { name: "kitten build (rootless)", build: (extra) => asUser([KITTEN, "build", "-q", ...extra, "-t", "bench", ctx]), env: kenv },
    { name: "buildah bud --layers (rootful)", build: (extra) => [...buildah, "bud", "--layers", "--runtime", "runc", "--network", "host", "-q", ...extra, "-t", "bench", ctx], env: {} },
    { name: "podman build (rootless)", build: (extra) => asUser([...podman, "build", "--layers", "--runtime", "runc", "--network", "host", "-q", ...extra, "-t", "bench", ctx]), env: penv },
  ];

  function time(argv: string[], env: Record<string, string>): number {
    const t0 = performance.now();
    must(argv, env);
    return performance.now() - t0;
  }

  const changed = join(ctx, "src", "dir7", "file7.txt");
  const results: { tool: string; cold: number; cached: number; changed: number }[] = [];
  for (const tool of TIMINGS ? tools : []) {
    const cold: number[] = [];
    const cached: number[] = [];
    const oneFile: number[] = [];
    for (let i = 0; i < N; i++) {
      cold.push(time(tool.build(["--no-cache"]), tool.env));
      cached.push(time(tool.build([]), tool.env));
      writeFileSync(changed, `changed ${i} ${Date.now()}\n`);
      must(["chown", `${UID}:${GID}`, changed]);
      oneFile.push(time(tool.build([]), tool.env));
    }
    results.push({ tool: tool.name, cold: median(cold), cached: median(cached), changed: median(oneFile) });
    process.stderr.write(`${tool.name}: cold ${median(cold).toFixed(0)} ms, cached ${median(cached).toFixed(0)} ms, one file changed ${median(oneFile).toFixed(0)} ms\n`);
  }

  const commit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: resolve(import.meta.dir, "../..") }).stdout.toString().trim();
  console.log(`\n### bench/build — ${new Date().toISOString().slice(0, 10)}, commit ${commit}, median of ${N}\n`);
  console.log("| tool | cold | fully cached | one file changed |");
  console.log("|---|---|---|---|");
  for (const r of results) console.log(`| ${r.tool} | ${(r.cold / 1000).toFixed(2)} s | ${(r.cached / 1000).toFixed(2)} s | ${(r.changed / 1000).toFixed(2)} s |`);
  const [k, b, p] = results;
  if (TIMINGS) {
    const ratio = (x: number, y: number) => (x / y).toFixed(2);
    console.log(`\nkitten ÷ buildah: cold ${ratio(k!.cold, b!.cold)}× (target ≤ 0.8), cached ${ratio(k!.cached, b!.cached)}× (≤ 0.3), one file ${ratio(k!.changed, b!.changed)}× (≤ 0.6)`);
    console.log(`kitten ÷ podman: cold ${ratio(k!.cold, p!.cold)}×, cached ${ratio(k!.cached, p!.cached)}×, one file ${ratio(k!.changed, p!.changed)}×`);
  }

  if (MEMORY) {
    must(asUser([KITTEN, "builder", "prune", "-a"]), kenv);
    // 20,000 files, 1 GB: peak RSS of each kitten process (the CLI and its worker), by /usr/bin/time
    const big = join(work, "big");
    makeContext(big, 20_000, 50 * 1024, "FROM busybox\nCOPY src/ /ctx/\n");
    const report = join(work, "time.txt");
    const t = run(["/usr/bin/time", "-v", "-o", report, ...asUser([KITTEN, "build", "-q", "--no-cache", "-t", "big", big])], kenv);
    if (t.code !== 0) throw new Error(`big build failed (exit ${t.code}): ${t.err.trim().split("\n").slice(-3).join(" | ")}`);
    const timeReport = readFileSync(report, "utf8");
    const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeReport)?.[1] ?? 0);
    const seconds = /Elapsed \(wall clock\) time.*: (.*)/.exec(timeReport)?.[1];
    console.log(`\npeak memory, kitten build of 20,000 files / 1 GB (COPY of it all): ${(rss / 1024).toFixed(0)} MB (largest single process), wall ${seconds}`);
  }

} finally {
  // also after a failure: the namespaces, mounts and files a run made must not outlive it
  await registry.stop();
  run(asUser([KITTEN, "__ns-down", "default"]), kenv);
  run(["umount", "-R", join(buildahRoot, "storage", "overlay")]);
  run(asUser(["podman", "unshare", "rm", "-rf", podmanRoot]), penv);
  const range = (file: string) => Bun.spawnSync(["grep", `^${USER}:`, file]).stdout.toString().trim().split(":");
  const [, su, sn] = range("/etc/subuid");
  const [, sg, sgn] = range("/etc/subgid");
  run(asUser(["unshare", "--user", "--map-root-user", `--map-users=${su},1,${sn}`, `--map-groups=${sg},1,${sgn}`, "rm", "-rf", kittenRoot]));
  rmSync(work, { recursive: true, force: true });
}
