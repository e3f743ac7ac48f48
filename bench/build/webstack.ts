/**
 * bench/build/webstack: the webstack example's real Dockerfiles (Debian base, apt-get installs)
 * built by `kitten build` (rootless, as kittest) and `buildah bud --layers` (rootful), cold
 * (--no-cache; apt downloads included, so the network is part of it) and fully cached.
 * The base image comes from scripts/debian-base.sh's archive (debootstrap), loaded into both.
 * The two tools take turns going first (apt's downloads dominate a cold build).
 *
 *   bun run build && bash scripts/debian-base.sh && bun bench/build/webstack.ts [WEBSTACK DIR] [N]
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const DIR = resolve(process.argv[2] ?? join(import.meta.dir, "../../compose-examples/webstack"));
const N = Number(process.argv[3] ?? 2);
const KITTEN = process.env.KITTEN_BIN ?? resolve(import.meta.dir, "../../dist/kitten");
const ARCHIVE = process.env.KITTEN_BASE_ARCHIVE ?? "/var/cache/kitten/debian-bookworm-slim.docker-archive.tar";
const USER = "kittest";
const id = (flag: string) => Number(Bun.spawnSync(["id", flag, USER]).stdout.toString().trim());
const UID = id("-u");
const GID = id("-g");
if (!existsSync(ARCHIVE)) throw new Error(`${ARCHIVE} is missing: run scripts/debian-base.sh first`);

function must(argv: string[], env: Record<string, string> = {}): void {
  const r = Bun.spawnSync(argv, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.slice(0, 6).join(" ")} failed: ${r.stderr.toString().trim().split("\n").slice(-3).join(" | ")}`);
}
const asUser = (argv: string[]) => ["setpriv", `--reuid=${UID}`, `--regid=${GID}`, "--init-groups", "--", ...argv];
const time = (argv: string[], env: Record<string, string> = {}) => {
  const t0 = performance.now();
  must(argv, env);
  return performance.now() - t0;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = mkdtempSync(join(tmpdir(), "kitten-bench-webstack-"));
chmodSync(work, 0o755);
const kroot = join(work, "kitten");
mkdirSync(kroot);
must(["chown", `${UID}:${GID}`, kroot]);
const kenv = { KITTEN_ROOT: kroot, NO_COLOR: "1" };
must(asUser([KITTEN, "image", "load", "-i", ARCHIVE]), kenv);
const buildah = ["buildah", "--root", join(work, "buildah", "storage"), "--runroot", join(work, "buildah", "run"), "--storage-driver", "overlay"];
must([...buildah, "pull", "-q", `docker-archive:${ARCHIVE}`]);
must([...buildah, "tag", "debian:bookworm-slim", "docker.io/library/debian:bookworm-slim"]);

const services = readdirSync(DIR).filter((d) => existsSync(join(DIR, d, "Dockerfile"))).sort();
const rows: string[] = [];
for (const svc of services) {
  const ctx = join(DIR, svc);
  const k = { cold: [] as number[], cached: [] as number[] };
  const b = { cold: [] as number[], cached: [] as number[] };
  const kitten = () => {
    k.cold.push(time(asUser([KITTEN, "build", "-q", "--no-cache", "-t", `ws-${svc}`, ctx]), kenv));
    k.cached.push(time(asUser([KITTEN, "build", "-q", "-t", `ws-${svc}`, ctx]), kenv));
  };
  const bah = () => {
    b.cold.push(time([...buildah, "bud", "--layers", "--no-cache", "--runtime", "runc", "--network", "host", "-q", "-t", `ws-${svc}`, ctx]));
    b.cached.push(time([...buildah, "bud", "--layers", "--runtime", "runc", "--network", "host", "-q", "-t", `ws-${svc}`, ctx]));
  };
  // apt downloads dominate a cold build: alternate who goes first, so neither always meets a cold mirror
  for (let i = 0; i < N; i++) {
    if (i % 2 === 0) {
      bah();
      kitten();
    } else {
      kitten();
      bah();
    }
  }
  const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
  rows.push(`| ${svc} | ${s(median(k.cold))} | ${s(median(b.cold))} | ${(median(k.cold) / median(b.cold)).toFixed(2)}× | ${s(median(k.cached))} | ${s(median(b.cached))} | ${(median(k.cached) / median(b.cached)).toFixed(2)}× |`);
  process.stderr.write(`${rows.at(-1)}\n`);
}
console.log(`\n### bench/build/webstack — ${new Date().toISOString().slice(0, 10)}, median of ${N}\n`);
console.log("| service | kitten cold | buildah cold | ratio | kitten cached | buildah cached | ratio |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
must(asUser([KITTEN, "__ns-down", "default"]), kenv);
Bun.spawnSync(["umount", "-R", join(work, "buildah", "storage", "overlay")]);
Bun.spawnSync(asUser(["unshare", "--user", "--map-root-user", "--map-auto", "rm", "-rf", kroot]));
rmSync(work, { recursive: true, force: true });
