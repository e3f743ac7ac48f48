/**
 * bench/net: TCP throughput (iperf3) host → container through a published port and
 * container → container on one bridge network, kitten vs rootless podman, in the same run,
 * both as the same unprivileged user.
 *
 *   bun bench/net/run.ts [--user kittest] [--seconds 10] [--repeat 3]
 *
 * Runs alternate kitten / kitten with rootlesskit's port driver / podman `repeat` times and
 * report the median of each path.
 *
 * kitten side: the compiled binary (dist/kitten, `bun run build` first) as the user: `kitten up
 * -d` of a two-service compose file (iperf3 server with a published port, a client) on one
 * network, `kitten exec` for container → container by service name, `kitten down`. Once with
 * kitten's own TCP forwarder (the default), once with KITTEN_PORT_FORWARDER=rootlesskit
 * (rootlesskit's builtin driver, the mechanism podman's rootlessport shares). podman side:
 * bench/net/podman.sh (netavark bridge network, rootlessport). The same iperf3 binary serves
 * all (a rootfs built from the host's files).
 */
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { user: { type: "string", default: "kittest" }, seconds: { type: "string", default: "10" }, repeat: { type: "string", default: "3" } } });
const user = values.user!;
const seconds = Number(values.seconds);
const repeat = Number(values.repeat);
const KITTEN = resolve(import.meta.dir, "../../dist/kitten");

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

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** One kitten run: up, iperf3 from the host and from the client container, down. */
async function kittenRun(rootfs: string, forwarder: "kitten" | "rootlesskit"): Promise<{ hostToContainer: number; containerToContainer: number }> {
  const owner = ids(user);
  const root = mkdtempSync(join(tmpdir(), "kitten-bench-net-root-"));
  chownSync(root, owner.uid, owner.gid);
  const port = freePort();
  const compose = join(root, "compose.yaml");
  writeFileSync(
    compose,
    `name: benchnet
services:
  srv:
    image: ${rootfs}
    command: ["iperf3", "-s"]
    ports: ["127.0.0.1:${port}:5201"]
    networks: [net]
  cli:
    image: ${rootfs}
    command: ["sleep", "3600"]
    networks: [net]
networks:
  net: {}
`,
  );
  const env = [`KITTEN_ROOT=${root}`, `KITTEN_PORT_FORWARDER=${forwarder}`, "NO_COLOR=1", `HOME=${root}`, `PATH=${process.env.PATH}`];
  const k = (args: string[]) => {
    const r = Bun.spawnSync(["runuser", "-u", user, "--", "env", ...env, KITTEN, ...args], { cwd: root, stderr: "pipe", stdout: "pipe" });
    if (r.exitCode !== 0) throw new Error(`kitten ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
    return new TextDecoder().decode(r.stdout);
  };
  try {
    k(["up", "-d", "--wait", "-f", compose]);
    for (let i = 0; i < 30; i++) {
      if (Bun.spawnSync(["iperf3", "-c", "127.0.0.1", "-p", String(port), "-t", "1"]).exitCode === 0) break;
      await Bun.sleep(200);
    }
    const h2c = await retryBusy(async () => new TextDecoder().decode(Bun.spawnSync(["iperf3", "-c", "127.0.0.1", "-p", String(port), "-t", String(seconds), "-J"]).stdout));
    const c2c = await retryBusy(async () => {
      const r = Bun.spawnSync(["runuser", "-u", user, "--", "env", ...env, KITTEN, "exec", "benchnet-cli-1", "iperf3", "-c", "srv", "-t", String(seconds), "-J"], { cwd: root });
      return new TextDecoder().decode(r.stdout);
    });
    return { hostToContainer: h2c, containerToContainer: c2c };
  } finally {
    try {
      k(["down", "-f", compose]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
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

if (!existsSync(KITTEN)) throw new Error("dist/kitten is missing: run `bun run build` first");
const dir = mkdtempSync(join(tmpdir(), "kitten-bench-net-"));
chmodSync(dir, 0o755);
type Result = { hostToContainer: number; containerToContainer: number };
try {
  const owner = ids(user);
  const tar = buildRootfs(dir);
  chownSync(tar, owner.uid, owner.gid);
  // kitten uses the directory in place: owned by the user, it is root's inside the namespace
  const rootfs = join(dir, "rootfs");
  Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, rootfs]);
  const work = join(dir, "podman");
  mkdirSync(work);
  chownSync(work, owner.uid, owner.gid);
  const runs: Array<{ kitten: Result; rootlesskit: Result; podman: Result }> = [];
  for (let i = 0; i < repeat; i++) {
    runs.push({ kitten: await kittenRun(rootfs, "kitten"), rootlesskit: await kittenRun(rootfs, "rootlesskit"), podman: podmanRun(tar, work) });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const all = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(", ");
  const row = (what: string, key: keyof Result) => {
    const cell = (tool: "kitten" | "rootlesskit" | "podman") => {
      const xs = runs.map((r) => r[tool][key]);
      return `${median(xs).toFixed(1)} (${all(xs)})`;
    };
    const ratio = median(runs.map((r) => r.kitten[key])) / median(runs.map((r) => r.podman[key]));
    return `| ${what} | ${cell("kitten")} | ${cell("rootlesskit")} | ${cell("podman")} | ${ratio.toFixed(2)}× |`;
  };
  const lines = [
    `bench/net ${new Date().toISOString()} user=${user} iperf3 -t ${seconds}, ${repeat} alternating runs (Gbit/s, TCP, one stream; median (runs))`,
    "| path | kitten | kitten, KITTEN_PORT_FORWARDER=rootlesskit | rootless podman | kitten / podman |",
    "|---|---|---|---|---|",
    row("host → container, published port on 127.0.0.1", "hostToContainer"),
    row("container → container, same bridge network, by service name", "containerToContainer"),
  ];
  console.log(lines.join("\n"));
} finally {
  // podman leaves files owned by the user's subordinate ids: root removes them
  rmSync(dir, { recursive: true, force: true });
}
