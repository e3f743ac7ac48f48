/**
 * `ps` of a project with N containers, in process: the engine path the CLI takes (state db →
 * supervisor status over its unix socket → filter), with a supervisor whose runtime reports the
 * N containers as running. Prints the median of R runs in ms.
 *   bun bench/up/ps-inprocess.ts [N=200] [R=50]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentReporter } from "../../src/core/reporter.ts";
import { ps } from "../../src/engine/orchestrate/project-api.ts";
import type { ContainerRuntime, ContainerState } from "../../src/engine/runtime/types.ts";
import { openStateDb, closeStateDbs } from "../../src/engine/state/db.ts";
import { ProjectStore } from "../../src/engine/state/project-store.ts";
import { requestSupervisor, supervisorSocketPath } from "../../src/engine/supervisor/client.ts";
import { runSupervisor } from "../../src/engine/supervisor/process.ts";
import { renderPs } from "../../src/cli/render/project.ts";

const n = Number(process.argv[2] ?? 200);
const runs = Number(process.argv[3] ?? 50);
const dir = mkdtempSync(join(tmpdir(), "kitten-bench-ps-"));
const paths = { data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") };
const started = new Date().toISOString();
const states: ContainerState[] = Array.from({ length: n }, (_, i) => ({
  name: `bench-s${i % 20}-${Math.floor(i / 20) + 1}`,
  project: "bench",
  service: `s${i % 20}`,
  replica: Math.floor(i / 20) + 1,
  status: "running",
  pid: 1000 + i,
  startedAt: started,
  image: "busybox",
}));
const never = new Promise<number>(() => {});
const runtime: ContainerRuntime = {
  create: async () => { throw new Error("not in this benchmark"); },
  start: async () => { throw new Error("not in this benchmark"); },
  stop: async () => { throw new Error("not in this benchmark"); },
  kill: async () => {},
  remove: async () => {},
  pause: async () => {},
  unpause: async () => {},
  inspect: async (name) => states.find((s) => s.name === name),
  list: async () => states,
  exec: async () => ({ exitCode: 0, stdout: "", stderr: "" }),
  wait: () => never,
};
const store = new ProjectStore(openStateDb(paths));
store.saveProject({ name: "bench", workingDir: dir, configFiles: [], config: { name: "bench", services: {} } });
const sup = runSupervisor("bench", paths, runtime);
const deps = { paths, reporter: silentReporter, launch: () => {} };
await requestSupervisor(supervisorSocketPath(paths, "bench"), "bench", { op: "status" }).catch(() => {});
await Bun.sleep(200);
const times: number[] = [];
for (let i = 0; i < runs + 3; i++) {
  const t = performance.now();
  const rows = await ps({ project: "bench" }, deps);
  renderPs(rows);
  if (i >= 3) times.push(performance.now() - t);
  if (rows.length !== n) throw new Error(`expected ${n} rows, got ${rows.length}`);
}
times.sort((a, b) => a - b);
console.log(`ps of ${n} containers, in process: median ${times[Math.floor(times.length / 2)]!.toFixed(2)} ms, min ${times[0]!.toFixed(2)}, max ${times.at(-1)!.toFixed(2)} (${runs} runs)`);
await requestSupervisor(supervisorSocketPath(paths, "bench"), "bench", { op: "shutdown" });
await sup;
closeStateDbs();
rmSync(dir, { recursive: true, force: true });
