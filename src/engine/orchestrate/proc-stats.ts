/**
 * `top` and `stats` from /proc, for hosts where rootless containers have no cgroup of their own
 * (cgroup v1, no delegation): a container's processes are the descendants of its conmon
 * (found by the container name after -n, or its log file, on conmon's command line); CPU is the
 * utime+stime of that process tree sampled twice, memory the sum of its resident set sizes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

/** USER_HZ: the unit of /proc/<pid>/stat times (100 on Linux everywhere that matters). */
export const CLOCK_TICKS = 100;

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
  /** utime + stime, in clock ticks */
  cpuTicks: number;
  /** start time after boot, in clock ticks */
  startTicks: number;
  rssKb: number;
  uid: number;
  argv: string[];
}

/** /proc/<pid>/stat: comm is in parentheses and may hold spaces, so split after the last ")". */
export function parseStat(text: string): Pick<ProcInfo, "pid" | "ppid" | "comm" | "state" | "cpuTicks" | "startTicks"> | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(" ");
  // fields after comm start at field 3 (state); utime=14, stime=15, starttime=22 (1-based, proc(5))
  const f = (n: number) => Number(rest[n - 3]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? "?",
    ppid: f(4),
    cpuTicks: f(14) + f(15),
    startTicks: f(22),
  };
}

/** VmRSS (kB) and the real uid from /proc/<pid>/status. */
export function parseStatus(text: string): { rssKb: number; uid: number } {
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
  const uid = /^Uid:\s+(\d+)/m.exec(text);
  return { rssKb: rss ? Number(rss[1]) : 0, uid: uid ? Number(uid[1]) : -1 };
}

export function scanProcs(root = "/proc"): Map<number, ProcInfo> {
  const procs = new Map<number, ProcInfo>();
  for (const entry of readdirSync(root)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseStat(readFileSync(join(root, entry, "stat"), "utf8"));
      if (!stat) continue;
      const status = parseStatus(readFileSync(join(root, entry, "status"), "utf8"));
      const argv = readFileSync(join(root, entry, "cmdline"), "utf8").split("\0").filter((a, i, all) => a !== "" || i < all.length - 1);
      procs.set(stat.pid, { ...stat, ...status, argv });
    } catch {
      // the process exited while we looked
    }
  }
  return procs;
}

/** The conmon process monitoring a container: its command line names the container (-n) or its log file. */
export function findMonitor(procs: Map<number, ProcInfo>, container: { name: string; logPath?: string }): ProcInfo | undefined {
  for (const p of procs.values()) {
    if (basename(p.argv[0] ?? "") !== "conmon" && p.comm !== "conmon") continue;
    const named = p.argv.some((a, i) => (a === "-n" || a === "--name") && p.argv[i + 1] === container.name) || p.argv.includes(`--name=${container.name}`);
    const logged = container.logPath !== undefined && p.argv.some((a) => a.endsWith(container.logPath!));
    if (named || logged) return p;
  }
  return undefined;
}

/** Every descendant of a process, parents before children. */
export function descendants(procs: Map<number, ProcInfo>, rootPid: number): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []).sort((a, b) => a.pid - b.pid));
  }
  return out;
}

/** The processes of a container (not its monitor), or [] when it is not running. */
export function containerProcesses(procs: Map<number, ProcInfo>, container: { name: string; logPath?: string }): ProcInfo[] {
  const monitor = findMonitor(procs, container);
  return monitor ? descendants(procs, monitor.pid).filter((p) => p.state !== "Z") : [];
}

export interface ContainerUsage {
  container: string;
  /** percent of one CPU over the sample */
  cpuPercent: number;
  memoryKb: number;
  pids: number;
}

/** CPU and memory of containers: two /proc scans `intervalMs` apart. */
export interface SampleOptions {
  intervalMs?: number;
  scan?: () => Map<number, ProcInfo>;
  sleep?: (ms: number) => Promise<void>;
  /** monotonic ms */
  now?: () => number;
}

export async function sampleUsage(containers: Array<{ name: string; logPath?: string }>, o: SampleOptions = {}): Promise<ContainerUsage[]> {
  const scan = o.scan ?? (() => scanProcs());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? (() => performance.now());
  const before = scan();
  const t0 = now();
  const first = new Map(containers.map((c) => [c.name, new Map(containerProcesses(before, c).map((p) => [p.pid, p.cpuTicks]))]));
  await sleep(o.intervalMs ?? 1000);
  const after = scan();
  const seconds = Math.max(0.001, (now() - t0) / 1000);
  return containers.map((c) => {
    const now = containerProcesses(after, c);
    const prev = first.get(c.name)!;
    // a process that started between the samples counts from zero
    const delta = now.reduce((n, p) => n + p.cpuTicks - (prev.get(p.pid) ?? 0), 0);
    return {
      container: c.name,
      cpuPercent: Math.max(0, (delta / CLOCK_TICKS / seconds) * 100),
      memoryKb: now.reduce((n, p) => n + p.rssKb, 0),
      pids: now.length,
    };
  });
}
