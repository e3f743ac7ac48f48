/**
 * The fuzzer's process (bundled for node by run.ts so V8's coverage is there): loads the target
 * bundle given as the first argument, runs the engine, prints the report as one JSON line.
 * Arguments: <target.cjs> <name> <seconds> <seed> <seed files...>
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fuzz } from "./engine.ts";

const [targetFile, name, seconds, seed, ...seedFiles] = process.argv.slice(2);
const req = createRequire(import.meta.url ?? __filename);
const target = req(targetFile!) as { run(data: Uint8Array): void };
const report = await fuzz(
  { name: name!, coverageScripts: targetFile!, run: target.run },
  { seeds: seedFiles.map((f) => new Uint8Array(readFileSync(f))), seconds: Number(seconds), seed: Number(seed) },
);
process.stdout.write(`${JSON.stringify(report)}\n`);
