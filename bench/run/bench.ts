/**
 * bench/run: `kitten run --rm <busybox dir image> true`, warm (namespace up) and cold, against
 * raw `runc run` of an equivalent bundle (as root on the host, and inside a rootless namespace
 * through nsenter) and rootless `podman run --rm` of the same rootfs imported with `podman import`.
 * Median of N (default 10) in one run. Needs root (podman and kitten run as user kittest).
 *
 *   bun run build && bun bench/run/bench.ts [N]
 */
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const N = Number(process.argv[2] ?? 10);
const KITTEN = resolve(import.meta.dir, "../../dist/kitten");
const USER = "kittest";
const ids = (flag: string) => Number(Bun.spawnSync(["id", flag, USER]).stdout.toString().trim());
const UID = ids("-u");
const GID = ids("-g");
const work = mkdtempSync(join(tmpdir(), "kitten-bench-run-"));
chmodSync(work, 0o755);

function sh(argv: string[], env: Record<string, string> = {}, quiet = true): number {
  const r = Bun.spawnSync(argv, { env: { ...process.env, ...env }, stdout: quiet ? "ignore" : "inherit", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (${r.exitCode}): ${r.stderr.toString().trim().split("\n").at(-1)}`);
  return r.exitCode;
}

function asUser(argv: string[]): string[] {
  return ["setpriv", `--reuid=${UID}`, `--regid=${GID}`, "--clear-groups", ...argv];
}

function timeOnce(argv: string[], env: Record<string, string> = {}): number {
  const t0 = performance.now();
  sh(argv, env);
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function series(label: string, n: number, run: () => number, before?: () => void): { label: string; median: number; min: number; max: number } {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    before?.();
    xs.push(run());
  }
  return { label, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

// the busybox rootfs, built inside kittest's user namespace (as an unpacked image would be)
const rootfs = join(work, "rootfs");
mkdirSync(rootfs);
chownSync(work, UID, GID);
chownSync(rootfs, UID, GID);
const sub = (file: string) => Bun.spawnSync(["grep", `^${USER}:`, file]).stdout.toString().trim().split(":");
const [, su, sn] = sub("/etc/subuid");
const [, sg, sgn] = sub("/etc/subgid");
sh(["runuser", "-u", USER, "--", "unshare", "--map-root-user", `--map-users=${su},1,${sn}`, `--map-groups=${sg},1,${sgn}`, "sh", "-c",
  `set -e; mkdir -p ${rootfs}/bin ${rootfs}/etc ${rootfs}/tmp; cp /usr/bin/busybox ${rootfs}/bin/; for a in $(${rootfs}/bin/busybox --list); do [ $a = busybox ] || ln -s busybox ${rootfs}/bin/$a; done; echo 'root:x:0:0:root:/root:/bin/sh' > ${rootfs}/etc/passwd; echo 'root:x:0:' > ${rootfs}/etc/group`]);

const results: Array<ReturnType<typeof series>> = [];
const kroot = join(work, "kitten");
mkdirSync(kroot);
chownSync(kroot, UID, GID);
const kenv = { KITTEN_ROOT: kroot, NO_COLOR: "1" };
const kitten = (...args: string[]) => asUser(["env", ...Object.entries(kenv).map(([k, v]) => `${k}=${v}`), KITTEN, ...args]);

try {
  // raw runc as root on the host: the same rootfs (read-only) and `true`, runc's default spec
  const bundle = join(work, "bundle");
  mkdirSync(bundle);
  sh(["runc", "spec", "--bundle", bundle]);
  const spec = JSON.parse(await Bun.file(join(bundle, "config.json")).text());
  spec.root = { path: rootfs, readonly: true };
  spec.process.args = ["true"];
  spec.process.terminal = false;
  writeFileSync(join(bundle, "config.json"), JSON.stringify(spec));
  let n = 0;
  // kitten warm: namespace already up
  sh(kitten("run", "--rm", rootfs, "true"));

  // raw runc inside that same rootless namespace, entered with nsenter per call (kitten's floor)
  const ns = JSON.parse(await Bun.file(join(kroot, "run/ns/default.json")).text()) as { childPid: number; runtimeDir: string };
  const nsBundle = join(work, "nsbundle");
  mkdirSync(nsBundle);
  chownSync(nsBundle, UID, GID);
  const nsSpec = structuredClone(spec);
  nsSpec.linux.namespaces = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  delete nsSpec.linux.resources;
  nsSpec.mounts = nsSpec.mounts.filter((m: { destination: string }) => m.destination !== "/sys/fs/cgroup");
  writeFileSync(join(nsBundle, "config.json"), JSON.stringify(nsSpec));
  const enter = ["nsenter", "-t", String(ns.childPid), "-U", "--preserve-credentials", "-m", "-n", "-p", "--"];

  // the three warm series interleaved, round by round, so a load spike from other processes on
  // the machine hits all of them alike
  const raw: number[] = [];
  const warm: number[] = [];
  const inNs: number[] = [];
  for (let i = 0; i < N; i++) {
    raw.push(timeOnce(["runc", "--root", join(work, "runc-root"), "run", "--bundle", bundle, `raw${n++}`]));
    warm.push(timeOnce(kitten("run", "--rm", rootfs, "true")));
    inNs.push(timeOnce(asUser([...enter, "runc", "--root", join(ns.runtimeDir, "bench-runc"), "run", "--bundle", nsBundle, `nsraw${n++}`])));
  }
  const stats = (label: string, xs: number[]) => ({ label, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  results.push(stats("raw `runc run` (root, host)", raw), stats("`kitten run --rm` warm (namespace up)", warm), stats("raw `runc run` inside the rootless namespace (nsenter)", inNs));

  // kitten cold: the namespace is stopped before each run
  results.push(series("`kitten run --rm` cold (namespace started by the run)", N, () => timeOnce(kitten("run", "--rm", rootfs, "true")), () => sh(kitten("__ns-down", "default"))));
  sh(kitten("__ns-down", "default"));

  // rootless podman (research §6 setup) with its own XDG dirs, same rootfs imported
  const p = join(work, "podman");
  for (const d of ["xdg", "config/containers", "data", "home"]) mkdirSync(join(p, d), { recursive: true, mode: 0o700 });
  writeFileSync(join(p, "config/containers/containers.conf"), '[containers]\ndefault_ulimits=["nofile=10000:10000","nproc=5000:5000"]\n[engine]\ncgroup_manager="cgroupfs"\nevents_logger="file"\nruntime="runc"\n');
  writeFileSync(join(p, "config/containers/storage.conf"), '[storage]\ndriver="overlay"\n');
  sh(["chown", "-R", `${UID}:${GID}`, p]);
  const penv = [`XDG_RUNTIME_DIR=${p}/xdg`, `XDG_CONFIG_HOME=${p}/config`, `XDG_DATA_HOME=${p}/data`, `HOME=${p}/home`];
  const podman = (...args: string[]) => asUser(["env", ...penv, "podman", ...args]);
  const tar = join(work, "rootfs.tar");
  sh(["tar", "-C", rootfs, "-cf", tar, "."]);
  chownSync(tar, UID, GID);
  try {
    sh(podman("import", tar, "localhost/kitten-bench-busybox:latest"));
    sh(podman("run", "--rm", "localhost/kitten-bench-busybox:latest", "true"));
    results.push(series("rootless `podman run --rm`", N, () => timeOnce(podman("run", "--rm", "localhost/kitten-bench-busybox:latest", "true"))));
  } finally {
    Bun.spawnSync(podman("system", "reset", "-f"), { stdout: "ignore", stderr: "ignore" });
  }
} finally {
  Bun.spawnSync(kitten("__ns-down", "default"));
  Bun.spawnSync(["runc", "--root", join(work, "runc-root"), "list"], { stdout: "ignore" });
  rmSync(work, { recursive: true, force: true });
}

const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
console.log(`kitten run benchmark — ${new Date().toISOString()} — median of ${N} — load average ${load}`);
console.log("| what | median ms | min | max |\n|---|---|---|---|");
for (const r of results) console.log(`| ${r.label} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)} | ${r.max.toFixed(1)} |`);
