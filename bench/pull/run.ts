/**
 * Benchmark: pull + unpack of a ~116 MB (35 MB gzip), 5-layer image from a local docker-registry,
 * `kitten pull` (download, verify, unpack inside the user namespace) against `skopeo copy` to an
 * OCI layout followed by `umoci unpack` of it — the same image, fresh stores each run, the two
 * interleaved run by run so machine noise hits both alike. Prints a markdown table of medians.
 *
 *   bun run build && bun bench/pull/run.ts [runs=5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startRegistry } from "../../test/fixtures/registry.ts";
import { writeBenchImage } from "./image.ts";

const runs = Number(process.argv[2] ?? 5);
const KITTEN = resolve(import.meta.dir, "../../dist/kitten");
const work = mkdtempSync(join(tmpdir(), "kitten-bench-pull-"));

async function timed(argv: string[], env: Record<string, string> = {}): Promise<number> {
  const start = performance.now();
  const proc = Bun.spawn(argv, { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} failed: ${err}`);
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const registry = await startRegistry();
try {
  const sizes = writeBenchImage(join(work, "layout"));
  await registry.pushLayout(join(work, "layout"), "big", "bench/big:1");
  const ref = `${registry.host}/bench/big:1`;
  const kitten: number[] = [];
  const skopeo: number[] = [];
  const umoci: number[] = [];
  for (let i = 0; i < runs; i++) {
    const root = join(work, `kitten-${i}`);
    kitten.push(await timed([KITTEN, "pull", "--quiet", ref], { KITTEN_ROOT: root }));
    rmSync(root, { recursive: true, force: true });
    const oci = join(work, `oci-${i}`);
    const bundle = join(work, `bundle-${i}`);
    skopeo.push(await timed(["skopeo", "copy", "--quiet", "--src-tls-verify=false", `docker://${ref}`, `oci:${oci}:big`]));
    umoci.push(await timed(["umoci", "unpack", "--image", `${oci}:big`, bundle]));
    rmSync(oci, { recursive: true, force: true });
    rmSync(bundle, { recursive: true, force: true });
  }
  const peer = skopeo.map((s, i) => s + umoci[i]!);
  const line = (what: string, xs: number[]) => `| ${what} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))} … ${fmt(Math.max(...xs))} |`;
  console.log(`image: ${sizes.layers} layers, ${(sizes.uncompressed / 1e6).toFixed(0)} MB uncompressed, ${(sizes.compressed / 1e6).toFixed(0)} MB gzip; ${runs} runs each, interleaved\n`);
  console.log("| what | median | min … max |\n|---|---|---|");
  console.log(line("`kitten pull` (download + verify + unpack in the user namespace)", kitten));
  console.log(line("`skopeo copy` + `umoci unpack`", peer));
  console.log(line("… of which `skopeo copy`", skopeo));
  console.log(line("… of which `umoci unpack`", umoci));
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
