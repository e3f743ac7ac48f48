/**
 * bench/api (issue #15), kitten serve against podman's REST API (`podman system service`) in the
 * same run, as root:
 *  1. listing 200 running containers: wrk on kitten's GET /list and GET /v1/projects (one project
 *     of 20 services × 10 replicas) and podman's GET /containers/json?all=true (200 containers of the
 *     same busybox image), p50 / p99 latency and requests/s;
 *  2. a log stream: a service printing 50,000 lines/s for 10 s, followed through each API from its
 *     start (kitten: GET /v1/projects/{name}/logs?follow=true as server-sent events; podman:
 *     GET /containers/{id}/logs?follow=true, its multiplexed frames) — lines received, lost,
 *     out of order, and the rate;
 *  3. memory: kitten serve's RSS idle after start and idle after the load, podman's service RSS.
 * Usage: bun bench/api/run.ts   (needs wrk, podman; builds dist/kitten). Results: bench/api/results/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, symlinkSync, copyFileSync, chmodSync } from "node:fs";
import { join } from "node:path";

const REPO = join(import.meta.dir, "../..");
const KITTEN = join(REPO, "dist/kitten");
const work = mkdtempSync("/tmp/kbench-api-");
chmodSync(work, 0o755);
const root = join(work, "root");
const token = `bench-${crypto.randomUUID()}`;
const podmanFlags = ["--root", join(work, "pstore"), "--runroot", join(work, "prun"), "--tmpdir", join(work, "ptmp")];
const image = "localhost/kitten-bench-busybox:latest";
const LINES = 500_000;
const out: Record<string, unknown> = { date: new Date().toISOString(), commit: git(["rev-parse", "--short", "HEAD"]) };

function git(args: string[]): string {
  return Bun.spawnSync(["git", ...args], { cwd: REPO }).stdout.toString().trim();
}

function run(argv: string[], env: Record<string, string> = {}): string {
  const r = Bun.spawnSync(argv, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
}

async function waitHttp(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url, { headers })).ok) return;
    } catch {}
    await Bun.sleep(100);
  }
  throw new Error(`${url} did not answer`);
}

function wrk(url: string, headers: string[] = []): { p50ms: number; p99ms: number; rps: number } {
  const text = run(["wrk", "-t2", "-c8", "-d10s", "--timeout", "30s", "--latency", ...headers.flatMap((h) => ["-H", h]), url]);
  const ms = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    if (!m) throw new Error(`no ${label}% in wrk output:\n${text}`);
    const v = Number(m[1]);
    return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
  };
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} failed responses`);
  return { p50ms: ms("50"), p99ms: ms("99"), rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)![1]) };
}

/** the generator: numbered lines, 10,000 then a 0.1 s pause (+ ~0.04 s for system()): at least 50,000 lines/s (its own rate is reported) */
const FLOOD = ["awk", `BEGIN { for (i = 0; i < ${LINES}; i++) { printf "line %07d the quick brown fox jumps over the lazy dog\\n", i; if (i % 10000 == 9999) { fflush(); system("sleep 0.1") } } }`];

function checkSequence(nums: number[]): { received: number; lost: number; outOfOrder: number; duplicates: number } {
  const seen = new Set<number>();
  let outOfOrder = 0;
  let duplicates = 0;
  for (let i = 0; i < nums.length; i++) {
    if (seen.has(nums[i]!)) duplicates++;
    seen.add(nums[i]!);
    if (i > 0 && nums[i]! < nums[i - 1]!) outOfOrder++;
  }
  return { received: nums.length, lost: LINES - seen.size, outOfOrder, duplicates };
}

const procs: Array<ReturnType<typeof Bun.spawn>> = [];
try {
  run(["bun", "run", "build"]);
  // the image: busybox-static, as a rootfs directory for kitten and imported for podman
  const rootfs = join(work, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  mkdirSync(join(rootfs, "tmp"));
  mkdirSync(join(rootfs, "etc"));
  copyFileSync("/usr/bin/busybox", join(rootfs, "bin/busybox"));
  for (const a of ["sh", "sleep", "awk"]) symlinkSync("busybox", join(rootfs, "bin", a));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  run(["tar", "-C", rootfs, "-cf", join(work, "rootfs.tar"), "."]);
  run(["podman", ...podmanFlags, "import", "-q", join(work, "rootfs.tar"), image]);

  // 200 containers each
  const compose = ["name: bench", "services:", ...Array.from({ length: 20 }, (_, i) => `  s${i}:\n    image: ${rootfs}\n    command: ["sleep", "1000"]\n    deploy: {replicas: 10}`)].join("\n");
  mkdirSync(join(work, "k"));
  writeFileSync(join(work, "k/compose.yaml"), `${compose}\n`);
  const kenv = { KITTEN_ROOT: root };
  const listing = process.env.BENCH_ONLY !== "logs";
  let t = performance.now();
  if (listing) run([KITTEN, "up", "-d", "-f", join(work, "k/compose.yaml")], kenv);
  console.log(`kitten: 200 containers up in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const names = listing ? Array.from({ length: 200 }, (_, i) => `bench-${i}`) : [];
  for (let i = 0; i < names.length; i += 8) {
    await Promise.all(names.slice(i, i + 8).map((n) => Bun.spawn(["podman", ...podmanFlags, "run", "-d", "--runtime", "runc", "--name", n, "--network", "none", image, "sleep", "1000"], { stdout: "ignore", stderr: "ignore" }).exited));
  }
  console.log(`podman: 200 containers run in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const kport = freePort();
  const serve = Bun.spawn([KITTEN, "serve", "--listen", `127.0.0.1:${kport}`], { env: { ...process.env, ...kenv, KITTEN_API_TOKEN: token }, cwd: work, stdout: "ignore", stderr: "ignore" });
  procs.push(serve);
  const pport = freePort();
  const podman = Bun.spawn(["podman", ...podmanFlags, "system", "service", "--time=0", `tcp://127.0.0.1:${pport}`], { stdout: "ignore", stderr: "ignore" });
  procs.push(podman);
  const auth = { authorization: `Bearer ${token}` };
  await waitHttp(`http://127.0.0.1:${kport}/health`);
  await waitHttp(`http://127.0.0.1:${pport}/_ping`);
  await Bun.sleep(2000);
  out.memory = { kittenIdleStartKb: rssKb(serve.pid) };
  const klist = (await (await fetch(`http://127.0.0.1:${kport}/v1/containers`, { headers: auth })).json()) as unknown[];
  const plist = (await (await fetch(`http://127.0.0.1:${pport}/v1.41/containers/json?all=true`)).json()) as unknown[];
  console.log(`listing: kitten ${klist.length} containers, podman ${plist.length}`);

  // 1. listing
  if (listing) {
    const bearer = [`Authorization: Bearer ${token}`];
    out.list = {
      kittenList: wrk(`http://127.0.0.1:${kport}/list`, bearer),
      kittenProjects: wrk(`http://127.0.0.1:${kport}/v1/projects`, bearer),
      kittenContainers: wrk(`http://127.0.0.1:${kport}/v1/containers`, bearer),
      podmanContainersJson: wrk(`http://127.0.0.1:${pport}/v1.41/containers/json?all=true`),
    };
    console.log(JSON.stringify(out.list, null, 2));
  }

  // 2. log streams (the 200-container stacks stay up: a busy machine, as in use)
  const floodYaml = `name: flood\nservices:\n  gen:\n    image: ${rootfs}\n    command: ${JSON.stringify(FLOOD)}\n    restart: "no"\n`;
  const up = await fetch(`http://127.0.0.1:${kport}/v1/projects`, { method: "POST", headers: { ...auth, "content-type": "application/yaml" }, body: floodYaml });
  if (up.status !== 201) throw new Error(`flood up: ${await up.text()}`);
  t = performance.now();
  const res = await fetch(`http://127.0.0.1:${kport}/v1/projects/flood/logs?follow=true`, { headers: auth });
  const nums: number[] = [];
  let first = 0;
  let last = 0;
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  // a record without a newline (conmon's P) is the start of a line the next record continues
  let partial = "";
  let genFirst = "";
  let genLast = "";
  while (nums.length < LINES && performance.now() - t < 60_000) {
    const r = await reader.read();
    if (r.done) break;
    buf += r.value;
    const end = buf.lastIndexOf("\n");
    for (const line of buf.slice(0, end).split("\n")) {
      if (!line.startsWith("data: ")) continue;
      const rec = JSON.parse(line.slice(6)) as { text: string; time: string };
      genFirst ||= rec.time;
      genLast = rec.time;
      const text = partial + rec.text;
      if (!text.endsWith("\n")) {
        partial = text;
        continue;
      }
      partial = "";
      const m = /^line (\d{7})/.exec(text);
      if (m) {
        if (!first) first = performance.now();
        nums.push(Number(m[1]));
        last = performance.now();
      }
    }
    buf = buf.slice(end + 1);
  }
  await reader.cancel();
  const genSeconds = (Date.parse(genLast) - Date.parse(genFirst)) / 1000;
  out.logsKitten = { ...checkSequence(nums), seconds: (last - first) / 1000, linesPerSecond: Math.round(nums.length / ((last - first) / 1000)), generatorSeconds: genSeconds, generatorLinesPerSecond: Math.round(LINES / genSeconds) };
  console.log("kitten logs", out.logsKitten);

  // podman: the same generator, its API's logs follow (8-byte frame headers, stdout frames)
  // (crun's setrlimit of NOFILE and NPROC was refused here without explicit --ulimit) — following from the start reads it all
  const started = Bun.spawn(["podman", ...podmanFlags, "run", "-d", "--runtime", "runc", "--name", "flood", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", image, ...FLOOD], { stdout: "ignore", stderr: "pipe" });
  if ((await started.exited) !== 0) throw new Error(`podman run flood: ${await new Response(started.stderr).text()}`);
  const pres = fetch(`http://127.0.0.1:${pport}/v1.41/containers/flood/logs?follow=true&stdout=true&stderr=true`);
  const pr = (await pres).body!.getReader();
  const pnums: number[] = [];
  let pending = new Uint8Array(0);
  let pfirst = 0;
  let plast = 0;
  let text = "";
  const t2 = performance.now();
  while (pnums.length < LINES && performance.now() - t2 < 60_000) {
    const r = await pr.read();
    if (r.done) break;
    const chunk = new Uint8Array(pending.length + r.value.length);
    chunk.set(pending);
    chunk.set(r.value, pending.length);
    let off = 0;
    while (chunk.length - off >= 8) {
      const size = new DataView(chunk.buffer, chunk.byteOffset + off + 4, 4).getUint32(0);
      if (chunk.length - off - 8 < size) break;
      text += new TextDecoder().decode(chunk.subarray(off + 8, off + 8 + size));
      off += 8 + size;
    }
    pending = chunk.slice(off);
    const end = text.lastIndexOf("\n");
    for (const m of text.slice(0, end).matchAll(/line (\d{7})/g)) {
      if (!pfirst) pfirst = performance.now();
      pnums.push(Number(m[1]));
      plast = performance.now();
    }
    text = text.slice(end + 1);
  }
  await pr.cancel();
  out.logsPodman = { ...checkSequence(pnums), seconds: (plast - pfirst) / 1000, linesPerSecond: Math.round(pnums.length / ((plast - pfirst) / 1000)) };
  console.log("podman logs", out.logsPodman);

  await Bun.sleep(5000);
  (out.memory as Record<string, number>).kittenIdleAfterLoadKb = rssKb(serve.pid);
  (out.memory as Record<string, number>).podmanServiceIdleAfterLoadKb = rssKb(podman.pid);
  console.log("memory", out.memory);
  mkdirSync(join(REPO, "bench/api/results"), { recursive: true });
  writeFileSync(join(REPO, `bench/api/results/${listing ? "latest" : "logs"}.json`), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  for (const p of procs) p.kill("SIGTERM");
  await Promise.all(procs.map((p) => p.exited));
  Bun.spawnSync([KITTEN, "down", "-p", "flood", "-t", "1"], { env: { ...process.env, KITTEN_ROOT: root } });
  Bun.spawnSync([KITTEN, "down", "-p", "bench", "-t", "1"], { env: { ...process.env, KITTEN_ROOT: root } });
  Bun.spawnSync(["podman", ...podmanFlags, "rm", "-a", "-f", "-t", "0"], { stdout: "ignore", stderr: "ignore" });
  Bun.spawnSync(["podman", ...podmanFlags, "system", "reset", "-f"], { stdout: "ignore", stderr: "ignore" });
  rmSync(work, { recursive: true, force: true });
}
