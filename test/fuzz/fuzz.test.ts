/**
 * The fuzz slice CI runs (issue #14): the compose loader under the coverage-guided fuzzer for
 * FUZZ_SECONDS (25 by default; `bun test/fuzz/run.ts compose 600` runs longer), seeded from the
 * regression corpus, the bad-input corpus and the examples. Every earlier finding lives in
 * test/fuzz/corpus/<target>/ and is replayed on every run through the seeds.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { runFuzz } from "./run.ts";

setDefaultTimeout(180_000);

const SECONDS = Number(process.env.FUZZ_SECONDS ?? "25");
// a fixed seed per day: runs are repeatable, and the search moves on from day to day
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Date.now() / 86_400_000));

test(`the compose loader survives ${SECONDS} s of coverage-guided fuzzing (seed ${SEED})`, async () => {
  const report = await runFuzz("compose", SECONDS, SEED);
  console.log(`fuzz compose: ${report.execs} inputs, ${report.corpus} kept, ${report.features} blocks covered, coverage: ${report.coverage}`);
  expect(report.findings.map((f) => `${f.kind}: ${f.message}`)).toEqual([]);
  expect(report.execs).toBeGreaterThan(100);
  // node is on every host setup-host.sh prepares: without it the run is unguided, and that is a failure here
  expect(report.coverage).toBe("v8-precise-block");
});
