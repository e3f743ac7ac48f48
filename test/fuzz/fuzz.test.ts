/**
 * The fuzz slice CI runs (issue #14): the compose loader and the Dockerfile parser under the
 * coverage-guided fuzzer (25 s and 15 s by default, FUZZ_SECONDS scales both; `bun
 * test/fuzz/run.ts compose 600` runs longer), seeded from each target's regression corpus in
 * test/fuzz/corpus/, the bad-input corpus and the examples, so every earlier finding is replayed.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { runFuzz } from "./run.ts";

setDefaultTimeout(180_000);

const SCALE = Number(process.env.FUZZ_SECONDS ?? "25") / 25;
// a fixed seed per day: a run is repeatable, and the search moves on from day to day
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Date.now() / 86_400_000));

for (const [target, seconds] of [["compose", 25], ["dockerfile", 15]] as const) {
  const s = Math.max(1, Math.round(seconds * SCALE));
  test(`the ${target} parser survives ${s} s of coverage-guided fuzzing (seed ${SEED})`, async () => {
    const report = await runFuzz(target, s, SEED);
    console.log(`fuzz ${target}: ${report.execs} inputs, ${report.corpus} kept, ${report.features} blocks covered, coverage: ${report.coverage}`);
    expect(report.findings.map((f) => `${f.kind}: ${f.message}`)).toEqual([]);
    expect(report.execs).toBeGreaterThan(50);
    // node is on every host setup-host.sh prepares: without it the run is unguided, and that is a failure here
    expect(report.coverage).toBe("v8-precise-block");
  });
}
