/**
 * bench/net/attach: what the network library costs per container — CNI attach (lo + bridge +
 * host-local) and detach, median of N runs, inside a rootless namespace of its own.
 *
 *   bun bench/net/attach.ts [runs=20]
 */
import { attach, createNetwork, detach, removeNetwork } from "../../src/net/networks.ts";
import { createNetns, removeNetns } from "../../src/net/netns.ts";
import { removeDir, startNamespace } from "../../test/e2e/net-lib/namespace.ts";

const [mode, runtimeDir, runsArg] = process.argv.slice(2);

if (mode === "--inside") {
  const runs = Number(runsArg);
  const ctx = { runtimeDir: runtimeDir!, project: "bench" };
  await createNetwork(ctx, { key: "n", name: "bench_n", subnet: "10.89.0.0/24", gateway: "10.89.0.1", internal: false });
  const a: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < runs; i++) {
    const netns = `${runtimeDir}/netns/c${i}`;
    await createNetns(netns);
    let t = performance.now();
    await attach(ctx, `c${i}`, netns, [{ network: "n" }]);
    a.push(performance.now() - t);
    t = performance.now();
    await detach(ctx, `c${i}`);
    d.push(performance.now() - t);
    await removeNetns(netns);
  }
  await removeNetwork(ctx, "n");
  const med = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!.toFixed(1);
  console.log(`attach ${med(a)} ms, detach ${med(d)} ms (median of ${runs})`);
} else {
  const runs = mode ?? "20";
  const ns = await startNamespace();
  try {
    const argv = ["nsenter", "-t", String(ns.childPid), "-U", "--preserve-credentials", "-m", "-n", "-p", "env", "-C", "/"];
    const p = Bun.spawnSync([...argv, process.execPath, import.meta.path, "--inside", ns.runtimeDir, runs], { stderr: "inherit" });
    process.stdout.write(p.stdout);
  } finally {
    await ns.stop();
    removeDir(ns.dir);
  }
}
