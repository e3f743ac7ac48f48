/**
 * In-process split of the 300-service benchmark: how long loading (read, parse, interpolate,
 * validate, normalize) and planning take once the code is warm, median of N runs.
 *   bun bench/config/inprocess.ts <compose.yaml> [runs]
 */
import { loadProject } from "../../src/engine/compose/index.ts";
import { planProject } from "../../src/engine/plan/plan.ts";

const [file, n] = process.argv.slice(2);
if (!file) {
  console.error("usage: bun bench/config/inprocess.ts <compose.yaml> [runs]");
  process.exit(2);
}
const runs = Number(n ?? 30);
const load: number[] = [];
const plan: number[] = [];
for (let i = 0; i < runs + 3; i++) {
  const t0 = performance.now();
  const { project } = await loadProject({ files: [file] });
  const t1 = performance.now();
  planProject(project);
  const t2 = performance.now();
  if (i >= 3) {
    load.push(t1 - t0);
    plan.push(t2 - t1);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`warm in-process, median of ${runs}: load ${median(load).toFixed(1)} ms, plan ${median(plan).toFixed(2)} ms`);
