/**
 * bench/net: TCP throughput (iperf3) host → container through a published port and
 * container → container on one bridge network, kitten's network library vs rootless podman,
 * in the same run, both as the same unprivileged user.
 *
 *   bun bench/net/run.ts [--user kittest] [--seconds 10] [--repeat 3]
 *
 * Runs alternate kitten / podman `repeat` times and reports the median of each path.
 *
 * kitten side: a rootless namespace (rootlesskit --net=slirp4netns --port-driver=builtin
 * --pidns, as research §1a), a bridge network from src/net (CNI bridge + host-local, nft masq),
 * two containers as processes in their own netns, the port published through rootlesskit's
 * REST API with childIP. podman side: bench/net/podman.sh (netavark bridge network, rootlessport).
 * The same iperf3 binary serves both (podman runs it from a rootfs built from the host's files).
 */
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startNamespace } from "../../test/e2e/net-lib/namespace.ts";
import { hostPortProbe } from "../../src/net/port-probe.ts";
import type { Attachment } from "../../src/net/networks.ts";

const { values } = parseArgs({ options: { user: { type: "string", default: "kittest" }, seconds: { type: "string", default: "10" }, repeat: { type: "string", default: "3" } } });
const user = values.user!;
const seconds = Number(values.seconds);
const repeat = Number(values.repeat);

function ids(name: string) {
  const get = (flag: string) => Number(new TextDecoder().decode(Bun.spawnSync(["id", flag, name]).stdout).trim());
  return { uid: get("-u"), gid: get("-g") };
}

function gbits(json: string): number {
  const r = JSON.parse(json) as { end?: { sum_received?: { bits_per_second: number } }; error?: string };
  if (!r.end?.sum_received) throw new Error(`iperf3: ${r.error ?? "no result"}`);
  return r.end.sum_received.bits_per_second / 1e9;
}

/** iperf3's server takes a moment to accept the next test after the readiness probe. */
async function retryBusy(run: () => Promise<string>): Promise<number> {
  for (let i = 0; ; i++) {
    const out = await run();
    if (i < 10 && out.includes("busy")) {
      await Bun.sleep(500);
      continue;
    }
    return gbits(out);
  }
}

/** A minimal rootfs with the host's iperf3, its libraries and busybox sh, as a tar for podman import. */
function buildRootfs(dir: string): string {
  const root = join(dir, "rootfs");
  const libs = new TextDecoder().decode(Bun.spawnSync(["ldd", "/usr/bin/iperf3"]).stdout).match(/\/\S+/g) ?? [];
  for (const f of ["/usr/bin/iperf3", "/bin/busybox", ...libs]) {
    mkdirSync(join(root, dirname(f)), { recursive: true });
    cpSync(f, join(root, f), { dereference: true });
  }
  for (const l of ["sh", "sleep"]) symlinkSync("busybox", join(root, "bin", l));
  mkdirSync(join(root, "tmp"), { mode: 0o1777 });
  mkdirSync(join(root, "etc"));
  const tar = join(dir, "rootfs.tar");
  Bun.spawnSync(["tar", "-C", root, "-cf", tar, "."]);
  return tar;
}

async function kittenRun(): Promise<{ hostToContainer: number; containerToContainer: number }> {
  const ns = await startNamespace({ user });
  try {
    const ctx = { runtimeDir: ns.runtimeDir, project: "bench" };
    await ns.inside({ op: "createNetwork", ctx, net: { key: "net", name: "bench_net", subnet: "10.89.0.0/24", gateway: "10.89.0.1", internal: false } });
    const ctrs: Record<string, { pid: number; ip: string }> = {};
    for (const [name, argv] of [["srv", ["iperf3", "-s"]], ["cli", ["sleep", "3600"]]] as const) {
      const netns = join(ns.runtimeDir, "netns", name);
      await ns.inside({ op: "netns", path: netns });
      const [att] = await ns.inside<Attachment[]>({ op: "attach", ctx, id: name, netns, requests: [{ network: "net" }] });
      const hosts = await ns.inside<{ paths: string[] }>({ op: "hosts", runtimeDir: ns.runtimeDir, peers: [{ name, networks: { net: { ip: att!.ip } } }] });
      const { pid } = await ns.inside<{ pid: number }>({ op: "start", netns, hosts: hosts.paths[0], argv: [...argv] });
      ctrs[name] = { pid, ip: att!.ip };
    }
    const port = await hostPortProbe.ephemeral("127.0.0.1", "tcp");
    const spec = { proto: "tcp", parentIP: "127.0.0.1", parentPort: port, childIP: ctrs.srv!.ip, childPort: 5201 };
    const res = await fetch("http://rootlesskit/v1/ports", { unix: ns.apiSocket, method: "POST", body: JSON.stringify(spec), headers: { "content-type": "application/json" } });
    if (res.status !== 201) throw new Error(`rootlesskit: ${await res.text()}`);
    for (let i = 0; i < 30; i++) {
      if (Bun.spawnSync(["iperf3", "-c", "127.0.0.1", "-p", String(port), "-t", "1"]).exitCode === 0) break;
      await Bun.sleep(200);
    }
    const h2c = await retryBusy(async () => new TextDecoder().decode(Bun.spawnSync(["iperf3", "-c", "127.0.0.1", "-p", String(port), "-t", String(seconds), "-J"]).stdout));
    const c2c = await retryBusy(async () => {
      const r = await ns.inside<{ stdout: string }>({ op: "exec", pid: ctrs.cli!.pid, argv: ["iperf3", "-c", ctrs.srv!.ip, "-t", String(seconds), "-J"], timeoutMs: (seconds + 20) * 1000 });
      return r.stdout;
    });
    return { hostToContainer: h2c, containerToContainer: c2c };
  } finally {
    await ns.stop();
    rmSync(ns.dir, { recursive: true, force: true });
  }
}

function podmanRun(tar: string, work: string): { hostToContainer: number; containerToContainer: number } {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const r = Bun.spawnSync(["runuser", "-u", user, "--", "bash", resolve(import.meta.dir, "podman.sh"), work, tar, String(port), String(seconds)], { stderr: "pipe" });
  const out = new TextDecoder().decode(r.stdout);
  const pick = (label: string) => Number(new RegExp(`${label} (\\S+)`).exec(out)?.[1]) / 1e9;
  if (r.exitCode !== 0) throw new Error(`podman.sh failed: ${new TextDecoder().decode(r.stderr)}`);
  return { hostToContainer: pick("podman host->container"), containerToContainer: pick("podman container->container") };
}

const dir = mkdtempSync(join(tmpdir(), "kitten-bench-net-"));
chmodSync(dir, 0o755);
try {
  const owner = ids(user);
  const tar = buildRootfs(dir);
  chownSync(tar, owner.uid, owner.gid);
  const work = join(dir, "podman");
  mkdirSync(work);
  chownSync(work, owner.uid, owner.gid);
  const runs: Array<{ kitten: Awaited<ReturnType<typeof kittenRun>>; podman: ReturnType<typeof podmanRun> }> = [];
  for (let i = 0; i < repeat; i++) runs.push({ kitten: await kittenRun(), podman: podmanRun(tar, work) });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const row = (what: string, key: "hostToContainer" | "containerToContainer") => {
    const k = runs.map((r) => r.kitten[key]);
    const p = runs.map((r) => r.podman[key]);
    const all = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(", ");
    return `| ${what} | ${median(k).toFixed(1)} (${all(k)}) | ${median(p).toFixed(1)} (${all(p)}) | ${(median(k) / median(p)).toFixed(2)}× |`;
  };
  const lines = [
    `bench/net ${new Date().toISOString()} user=${user} iperf3 -t ${seconds}, ${repeat} alternating runs (Gbit/s, TCP, one stream; median (runs))`,
    "| path | kitten | rootless podman | kitten/podman |",
    "|---|---|---|---|",
    row("host → container, published port on 127.0.0.1", "hostToContainer"),
    row("container → container, same bridge network", "containerToContainer"),
  ];
  console.log(lines.join("\n"));
} finally {
  // podman leaves files owned by the user's subordinate ids: root removes them
  rmSync(dir, { recursive: true, force: true });
}
