/**
 * Benchmark: pushing a one-layer image of ~250 MB of real binaries (/usr/bin and part of
 * /usr/lib, stored uncompressed as a build's layers are) to a local docker-registry — `kitten
 * push` against rootful `podman push` (containers/image, private storage) of the same root
 * filesystem tar, imported once into each store. Per run a fresh registry, then:
 *
 * - cold: every blob is compressed (gzip) and uploaded;
 * - again: the same tag pushed a second time (every blob is on the registry already);
 *
 * the two tools interleaved run by run so machine noise hits both alike. Prints a markdown table of
 * medians.
 *
 *   bun run build && bun bench/push/run.ts [runs=3]
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startRegistry } from "../../test/fixtures/registry.ts";

const runs = Number(process.argv[2] ?? 3);
const KITTEN = resolve(import.meta.dir, "../../dist/kitten");
const work = mkdtempSync(join(tmpdir(), "kitten-bench-push-"));

async function run(argv: string[], env: Record<string, string> = {}): Promise<number> {
  const start = performance.now();
  const proc = Bun.spawn(argv, { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.slice(0, 4).join(" ")} failed: ${err}`);
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const rootfs = join(work, "rootfs.tar");
const env = { KITTEN_ROOT: join(work, "kitten") };
const podman = ["podman", "--root", join(work, "podman/root"), "--runroot", join(work, "podman/run"), "--storage-driver", "vfs"];
try {
  await run(["tar", "-C", "/", "-cf", rootfs, "usr/bin", "usr/lib/x86_64-linux-gnu/perl-base", "usr/lib/x86_64-linux-gnu/gconv", "usr/lib/gcc"]);
  await run([KITTEN, "image", "import", rootfs, "bench:1"], env);
  await run([...podman, "import", rootfs, "bench:1"]);
  const times = { kittenCold: [] as number[], podmanCold: [] as number[], kittenAgain: [] as number[], podmanAgain: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const registry = await startRegistry();
    try {
      const k = `${registry.host}/bench/kitten:1`;
      const p = `${registry.host}/bench/podman:1`;
      await run([KITTEN, "tag", "bench:1", k], env);
      times.kittenCold.push(await run([KITTEN, "push", "-q", k], env));
      times.podmanCold.push(await run([...podman, "push", "-q", "--tls-verify=false", "bench:1", `docker://${p}`]));
      times.kittenAgain.push(await run([KITTEN, "push", "-q", k], env));
      times.podmanAgain.push(await run([...podman, "push", "-q", "--tls-verify=false", "bench:1", `docker://${p}`]));
    } finally {
      await registry.stop();
    }
  }
  const mb = (statSync(rootfs).size / 1e6).toFixed(0);
  console.log(`one layer, ${mb} MB uncompressed, ${runs} runs (medians)\n`);
  console.log("| push | kitten | podman | kitten / podman |\n|---|---|---|---|");
  for (const [what, k, p] of [["cold (gzip + upload)", times.kittenCold, times.podmanCold], ["again (all blobs present)", times.kittenAgain, times.podmanAgain]] as const) {
    console.log(`| ${what} | ${fmt(median(k))} | ${fmt(median(p))} | ${(median(k) / median(p)).toFixed(2)}x |`);
  }
} finally {
  Bun.spawnSync([...podman, "rmi", "-a", "-f"], { stdout: "ignore", stderr: "ignore" });
  rmSync(work, { recursive: true, force: true });
}
