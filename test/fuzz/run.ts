/**
 * Runs a fuzz target (issue #14): bundles the target and the engine for node (V8 coverage guides
 * the search; without node it runs under bun, unguided, and the report says so), feeds it the
 * seed corpus, and reports. Findings are written to test/fuzz/findings/ to be replayed.
 *
 *   bun test/fuzz/run.ts [target=compose] [seconds=60] [seed=random]
 *
 * CI runs a short slice through test/fuzz/fuzz.test.ts; a longer run is this command.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FuzzReport } from "./engine.ts";

const HERE = import.meta.dir;
const REPO = resolve(HERE, "../..");

/** the seed corpus of each target: files in these directories, recursively */
export const SEEDS: Record<string, string[]> = {
  compose: ["test/fuzz/corpus/compose", "test/fixtures/bad", "test/fixtures/warn", "compose-examples"],
  dockerfile: ["test/fuzz/corpus/dockerfile", "test/fixtures/folders"],
};

function files(dir: string): string[] {
  const abs = join(REPO, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .map((f) => join(abs, String(f)))
    .filter((f) => statSync(f).isFile() && statSync(f).size < 256 * 1024 && /\.(ya?ml|json|env)$|Dockerfile|^[^.]+$/.test(f.split("/").at(-1)!));
}

export async function runFuzz(target: string, seconds: number, seed: number): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), "kitten-fuzz-"));
  try {
    const built = await Bun.build({ entrypoints: [join(HERE, "targets", `${target}.ts`), join(HERE, "node-main.ts")], outdir: dir, target: "node", format: "esm", naming: "[name].mjs" });
    if (!built.success) throw new Error(`bundling the fuzz target failed: ${built.logs.join("\n")}`);
    const seeds = (SEEDS[target] ?? []).flatMap(files);
    const node = Bun.which("node");
    const argv = [node ?? process.execPath, join(dir, "node-main.mjs"), join(dir, `${target}.mjs`), target, String(seconds), String(seed), ...seeds];
    const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", cwd: dir });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`the fuzzer exited ${code}: ${err.trim().split("\n").slice(-12).join("\n")}`);
    const report = JSON.parse(out.trim().split("\n").at(-1)!) as FuzzReport;
    if (report.findings.length > 0) {
      const dest = join(HERE, "findings");
      mkdirSync(dest, { recursive: true });
      report.findings.forEach((f, i) => writeFileSync(join(dest, `${target}-${seed}-${i}.bin`), Buffer.from(f.input, "base64")));
    }
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const [target = "compose", seconds = "60", seed = String(Date.now() % 2 ** 31)] = process.argv.slice(2);
  const report = await runFuzz(target, Number(seconds), Number(seed));
  const { findings, ...rest } = report;
  console.log(JSON.stringify(rest));
  for (const f of findings) console.log(`${f.kind}: ${f.message}`);
  process.exit(findings.length > 0 ? 1 : 0);
}
