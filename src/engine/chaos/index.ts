/**
 * `kitten chaos`: failure simulation on one project's containers (the KubeLite design's
 * "simulate"), then a report of what followed, read from the supervisor's events (./report.ts).
 *
 * - kill: a signal to the container's process (SIGKILL by default) as a crash would send it —
 *   not a user `kill`, so the restart policy applies;
 * - stop: its stop signal, SIGKILL after the grace period, again not as a user stop;
 * - pause: frozen through the cgroup freezer for --duration, then thawed;
 * - net: inside the container's network namespace, --loss (nft `numgen random`), --partition
 *   from other services (nft drops to and from their addresses) and --delay (tc netem, where the
 *   kernel has it; this host's has no sch_netem and says so), undone after --duration;
 * - cpu-hog: busy loops in the container for --duration, killed with their children after it;
 * - fill-disk: a file of --size in the container's writable layer for --duration, refused when
 *   it would leave the host's disk with less than 1 GiB.
 * Only the named project's containers are ever touched: targets are its records of the service.
 */
import { statfsSync } from "node:fs";
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { didYouMeanHint } from "../../core/suggest.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { parseBytes } from "../compose/units.ts";
import type { Project } from "../compose/model.ts";
import { openStateDb } from "../state/db.ts";
import { ProjectStore, type ContainerRecord } from "../state/project-store.ts";
import { chaosReport, dependentsOf, type ChaosReport } from "./report.ts";
import { stopGraceMs } from "../orchestrate/container-spec.ts";

export type ChaosAction = "kill" | "stop" | "pause" | "net" | "cpu-hog" | "fill-disk";

export interface ChaosOptions {
  project: string;
  service: string;
  action: ChaosAction;
  signal?: string;
  /** containers to act on (default 1) */
  count?: number;
  /** pick them at random (default: the first ones) */
  random?: boolean;
  /** how long a fault lasts (pause, net, cpu-hog, fill-disk) */
  durationMs?: number;
  /** how long to watch what follows (default: until recovered, at most 30 s) */
  watchMs?: number;
  net?: { delayMs?: number; lossPercent?: number; partition?: string[] };
  /** fill-disk */
  size?: string;
  rng?: () => number;
}

/** What chaos needs of the runtime: acting on a container as a fault would, not as a user. */
export interface ChaosRuntime {
  kill(name: string, signal?: string): Promise<void>;
  stop(name: string, options?: { signal?: string; timeoutMs?: number }): Promise<unknown>;
  pause(name: string): Promise<void>;
  unpause(name: string): Promise<void>;
  exec(name: string, command: string[], options?: { timeoutMs?: number; user?: string }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** runs argv in the container's own network namespace (as root of the project's namespace) */
  inNetns(name: string, argv: string[], stdin?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** the container's addresses by network (none: it shares the namespace's network) */
  addresses(name: string): Record<string, string>;
  /** the container's writable layer on the host, for fill-disk's free-space check */
  upperDir(name: string): string;
}

export interface ChaosDeps {
  paths: KittenPaths;
  runtime: ChaosRuntime;
  /** the project as `up` last applied it */
  project?: Project;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const CHAOS_TABLE = "kitten_chaos";
const FILL_FILE = "/.kitten-chaos-fill";
const KEEP_FREE = 1024 ** 3;

export async function runChaos(o: ChaosOptions, d: ChaosDeps): Promise<ChaosReport> {
  const sleep = d.sleep ?? ((ms: number) => Bun.sleep(ms));
  const now = d.now ?? Date.now;
  const store = new ProjectStore(openStateDb(d.paths));
  const all = store.listContainers(o.project);
  if (all.length === 0 && !store.getProject(o.project)) throw new InvalidInputError(`no such project: "${o.project}"`, { hint: "`kitten ls` lists the projects" });
  const services = [...new Set(all.map((c) => c.service))];
  if (!services.includes(o.service)) {
    throw new InvalidInputError(`project "${o.project}" has no service "${o.service}" with containers`, { hint: didYouMeanHint(o.service, services) ?? `its services are: ${services.sort().join(", ") || "none"}` });
  }
  const targets = pick(all.filter((c) => c.service === o.service && c.status === "running"), o);
  if (targets.length === 0) throw new InvalidInputError(`service "${o.service}" of project "${o.project}" has no running container to act on`);
  const names = targets.map((t) => t.name);
  const at = now();
  let undone: string | undefined;
  const duration = o.durationMs ?? 10_000;
  switch (o.action) {
    case "kill":
      for (const n of names) await d.runtime.kill(n, (o.signal ?? "KILL").replace(/^SIG/i, "").toUpperCase());
      break;
    case "stop":
      for (const n of names) {
        const grace = d.project?.services[o.service] ? stopGraceMs(d.project.services[o.service]) : undefined;
        await d.runtime.stop(n, { ...(o.signal ? { signal: o.signal.replace(/^SIG/i, "").toUpperCase() } : {}), ...(grace === undefined ? {} : { timeoutMs: grace }) });
      }
      break;
    case "pause":
      for (const n of names) await d.runtime.pause(n);
      await sleep(duration);
      for (const n of names) await d.runtime.unpause(n);
      undone = `unpaused after ${duration} ms`;
      break;
    case "net":
      undone = await netFault(o, d, names, all, duration, sleep);
      break;
    case "cpu-hog":
      // one busy loop per CPU; exec's deadline kills them with their children
      await Promise.all(names.map((n) => d.runtime.exec(n, ["sh", "-c", "for i in $(seq $(nproc 2>/dev/null || echo 2)); do (while :; do :; done) & done; wait"], { timeoutMs: duration })));
      undone = `busy loops killed after ${duration} ms`;
      break;
    case "fill-disk":
      undone = await fillDisk(o, d, names, duration, sleep);
      break;
  }
  // watch what follows: until every target runs again (healthy if it has a healthcheck)
  const watch = o.watchMs ?? 30_000;
  const end = at + Math.max(watch, now() - at);
  let recoveredAt: number | undefined;
  // a killed or stopped container has recovered once it was started again after the action;
  // the others once they run (healthy, with a healthcheck) after the fault was undone
  // (a signal it ignores leaves it running: unaffected, once the supervisor had a second to see a death)
  const restartedSince = (name: string) => {
    if (o.action !== "kill" && o.action !== "stop") return true;
    const evs = store.listEvents({ project: o.project, since: new Date(at).toISOString() }).filter((e) => e.container === name);
    if (!evs.some((e) => e.action === "die")) return now() - at >= 1_000;
    return evs.some((e) => e.action === "start");
  };
  while (now() < end) {
    const rows = store.listContainers(o.project).filter((c) => names.includes(c.name));
    if (rows.length === names.length && rows.every(recovered) && names.every(restartedSince)) {
      recoveredAt ??= now();
      if (o.watchMs === undefined) break;
    } else recoveredAt = undefined;
    await sleep(100);
  }
  const dependents = d.project ? dependentsOf(d.project.services, o.service) : [];
  return chaosReport({ project: o.project, action: o.action, service: o.service, targets: names, at, events: store.listEvents({ project: o.project, since: new Date(at - 1).toISOString() }), dependents, ...(recoveredAt === undefined ? {} : { recoveredAt }), ...(undone ? { undone } : {}) });
}

function recovered(c: ContainerRecord): boolean {
  return c.status === "running" && (c.health === "none" || c.health === "healthy");
}

function pick(candidates: ContainerRecord[], o: ChaosOptions): ContainerRecord[] {
  const n = Math.max(1, o.count ?? 1);
  if (!o.random) return candidates.slice(0, n);
  const rng = o.rng ?? Math.random;
  const pool = [...candidates];
  const out: ContainerRecord[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]!);
  return out;
}

/** nft rules (and a netem qdisc) in each target's network namespace for `duration`, then removed. */
async function netFault(o: ChaosOptions, d: ChaosDeps, names: string[], all: ContainerRecord[], duration: number, sleep: (ms: number) => Promise<void>): Promise<string> {
  const net = o.net ?? {};
  if (!net.delayMs && !net.lossPercent && !net.partition?.length) throw new InvalidInputError("chaos net needs --delay, --loss or --partition");
  const others = (net.partition ?? []).flatMap((s) => {
    const cs = all.filter((c) => c.service === s);
    if (cs.length === 0) throw new InvalidInputError(`--partition: project "${o.project}" has no service "${s}"`);
    return cs.flatMap((c) => Object.values(d.runtime.addresses(c.name)));
  });
  for (const n of names) {
    if (Object.keys(d.runtime.addresses(n)).length === 0) {
      throw new InvalidInputError(`container "${n}" shares the namespace's network: chaos net acts on a container network of its own`, { hint: "give the service a compose network (the default one does)" });
    }
  }
  const rules = [
    `table inet ${CHAOS_TABLE} {`,
    "  chain out { type filter hook output priority 0; policy accept;",
    ...(net.lossPercent ? [`    numgen random mod 100 < ${Math.round(net.lossPercent)} drop`] : []),
    ...(others.length ? [`    ip daddr { ${others.join(", ")} } drop`] : []),
    "  }",
    "  chain in { type filter hook input priority 0; policy accept;",
    ...(others.length ? [`    ip saddr { ${others.join(", ")} } drop`] : []),
    "  }",
    "}",
  ].join("\n");
  const applied: string[] = [];
  try {
    for (const n of names) {
      const r = await d.runtime.inNetns(n, ["nft", "-f", "-"], `${rules}\n`);
      if (r.exitCode !== 0) throw new RuntimeFailure(`container "${n}": chaos net: ${r.stderr.trim()}`);
      applied.push(n);
      if (net.delayMs) {
        const q = await d.runtime.inNetns(n, ["tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay", `${net.delayMs}ms`]);
        if (q.exitCode !== 0) {
          throw new RuntimeFailure(`container "${n}": --delay needs tc netem, which this kernel does not have (${q.stderr.trim()})`, { hint: "load sch_netem (modprobe sch_netem) or use --loss and --partition" });
        }
      }
    }
    await sleep(duration);
  } finally {
    for (const n of applied) {
      await d.runtime.inNetns(n, ["nft", "delete", "table", "inet", CHAOS_TABLE]);
      if (net.delayMs) await d.runtime.inNetns(n, ["tc", "qdisc", "del", "dev", "eth0", "root"]);
    }
  }
  const what = [net.lossPercent ? `${net.lossPercent}% loss` : "", net.delayMs ? `${net.delayMs} ms delay` : "", others.length ? `partition from ${net.partition!.join(", ")}` : ""].filter(Boolean);
  return `${what.join(", ")} removed after ${duration} ms`;
}

async function fillDisk(o: ChaosOptions, d: ChaosDeps, names: string[], duration: number, sleep: (ms: number) => Promise<void>): Promise<string> {
  const size = o.size ? parseBytes(o.size) : 100 * 1024 ** 2;
  if (!size) throw new InvalidInputError(`--size "${o.size}" is not a size like 100m`);
  for (const n of names) {
    const fs = statfsSync(d.runtime.upperDir(n));
    const free = fs.bavail * fs.bsize;
    if (free - size * names.length < KEEP_FREE) {
      throw new InvalidInputError(`fill-disk of ${o.size ?? "100m"} would leave less than 1 GiB free on the host's disk (${Math.floor(free / 1024 ** 2)} MiB free)`, { hint: "ask for a smaller --size" });
    }
  }
  const mib = Math.ceil(size / 1024 ** 2);
  try {
    for (const n of names) {
      const r = await d.runtime.exec(n, ["dd", "if=/dev/zero", `of=${FILL_FILE}`, "bs=1M", `count=${mib}`], { user: "0" });
      if (r.exitCode !== 0) throw new RuntimeFailure(`container "${n}": fill-disk: ${r.stderr.trim().split("\n").at(-1) ?? ""}`);
    }
    await sleep(duration);
  } finally {
    for (const n of names) await d.runtime.exec(n, ["rm", "-f", FILL_FILE], { user: "0" }).catch(() => undefined);
  }
  return `${mib} MiB file removed after ${duration} ms`;
}
