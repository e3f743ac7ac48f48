/**
 * A project's rootless namespace, host side: started on demand, found again by later commands
 * through its record file and the holder's liveness, stopped when the project goes down.
 * The namespace is held by `catatonit -P` (./drivers.ts), the one process whose death ends it;
 * the agent (src/engine/runtime/agent-process.ts), the port forwarders and slirp4netns
 * (./slirp.ts, ensureSlirp) are helpers restarted around it when they die.
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RuntimeFailure, errorText } from "../../core/errors.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import { writeFileAtomic } from "../../core/atomic-file.ts";
import { selfCommand } from "../../core/self.ts";
import { isAlive, sameProcess, signalProcess, waitUntil } from "./proc.ts";
import { namespaceLayout } from "./layout.ts";
import { startRootlesskit, startUnshare } from "./drivers.ts";
import { startSlirp } from "./slirp.ts";
import { parseNamespaceRecord, type NamespaceDriver, type NamespaceOptions, type NamespaceRecord } from "./types.ts";

export * from "./types.ts";
export { namespaceLayout } from "./layout.ts";
export { parseNamespaceRecord } from "./types.ts";

/** Whether the namespace of this record still lives: its holder (or, in older records, driver and init) runs. */
export function namespaceAlive(record: NamespaceRecord): boolean {
  // a killed holder is not gone at once: as pid 1 it waits in exit until every process of its
  // pid namespace died (seconds with a database flushing), its namespaces already released —
  // the namespace is alive only while they can still be entered
  if (record.holder) return sameProcess(record.childPid, record.childStart) && enterable(record.childPid);
  return isAlive(record.pid) && isAlive(record.childPid);
}

function enterable(pid: number): boolean {
  try {
    readlinkSync(`/proc/${pid}/ns/net`);
    return true;
  } catch {
    return false;
  }
}

/** The namespace's record as it is on disk, alive or not: read-only (for ps and doctor). */
export function readNamespace(paths: KittenPaths, project: string): { record: NamespaceRecord; alive: boolean } | undefined {
  const record = readRecord(namespaceLayout(paths, project).record);
  return record ? { record, alive: namespaceAlive(record) } : undefined;
}

/** The running namespace of `project`, or undefined (a dead one's leftovers are cleaned up). */
export function findNamespace(paths: KittenPaths, project: string): NamespaceRecord | undefined {
  const layout = namespaceLayout(paths, project);
  const record = readRecord(layout.record);
  if (!record) return undefined;
  if (namespaceAlive(record)) return record;
  reap(record);
  return undefined;
}

export async function ensureNamespace(paths: KittenPaths, project: string, options: NamespaceOptions = {}): Promise<NamespaceRecord> {
  const found = findNamespace(paths, project);
  if (found) return found;
  const layout = namespaceLayout(paths, project);
  ensureDir(dirname(layout.record));
  const unlock = await lock(`${layout.record}.lock`, project);
  try {
    const again = findNamespace(paths, project);
    if (again) return again;
    return await start(paths, project, options);
  } finally {
    unlock();
  }
}

async function start(paths: KittenPaths, project: string, options: NamespaceOptions): Promise<NamespaceRecord> {
  const layout = namespaceLayout(paths, project);
  // the runtime dir holds runc state and netns files of the previous namespace: all void now
  rmSync(layout.runtimeDir, { recursive: true, force: true });
  rmSync(layout.stateDir, { recursive: true, force: true });
  ensureDir(layout.runtimeDir);
  // a long project name's sockets live in <runtime>/s/ (core/socket-path.ts)
  for (const p of [layout.agentSocket, layout.slirpSocket, layout.stateDir]) ensureDir(dirname(p));
  writeFileSync(layout.driverLog, "");
  const hostLoopback = options.hostLoopback ?? false;
  const driver = chooseDriver(options.driver);
  const s = { project, layout, hostLoopback };
  const started = driver === "rootlesskit" ? await startRootlesskit(s) : await startUnshare(s);
  const record: NamespaceRecord = {
    project,
    ...started,
    holder: true,
    hostLoopback,
    runtimeDir: layout.runtimeDir,
    agentSocket: layout.agentSocket,
    startedAt: new Date().toISOString(),
    build: buildIdentity(),
  };
  writeRecord(record);
  return record;
}

/**
 * Brings the namespace's outbound network back when slirp4netns died (killed, crashed, or gone
 * with rootlesskit): a new one attached to the holder. Returns the record as it is now, and
 * whether it restarted anything.
 */
export async function ensureSlirp(paths: KittenPaths, project: string): Promise<{ record: NamespaceRecord | undefined; restarted: boolean }> {
  const first = findNamespace(paths, project);
  if (!first?.holder || sameProcess(first.slirpPid, first.slirpStart)) return { record: first, restarted: false };
  const layout = namespaceLayout(paths, project);
  const unlock = await lock(`${layout.record}.lock`, project);
  try {
    const record = findNamespace(paths, project);
    if (!record?.holder || sameProcess(record.slirpPid, record.slirpStart)) return { record, restarted: false };
    // with an API socket in both cases: under rootlesskit it is the port driver left for UDP
    // once rootlesskit (and its port API) died too
    const apiSocket = record.slirpSocket ?? layout.slirpSocket;
    const slirp = await startSlirp({
      project,
      holderPid: record.childPid,
      // rootlesskit's tap device outlives slirp4netns; the unshare driver's went with it
      configure: record.driver === "unshare",
      apiSocket,
      hostLoopback: record.hostLoopback,
      logPath: layout.driverLog,
    });
    const next: NamespaceRecord = { ...record, slirpSocket: apiSocket, slirpPid: slirp.pid, ...(slirp.start === undefined ? {} : { slirpStart: slirp.start }) };
    writeRecord(next);
    return { record: next, restarted: true };
  } finally {
    unlock();
  }
}

/** The lock a kitten holds shared while it uses the project's namespace (see RootlessRuntime.releaseIfIdle). */
export function namespaceUseLock(paths: KittenPaths, project: string): string {
  return `${namespaceLayout(paths, project).record}.use`;
}

/** Whether the driver process (rootlesskit: the TCP/UDP port API) still runs. */
export function driverAlive(record: NamespaceRecord): boolean {
  return sameProcess(record.pid, record.pidStart);
}

function writeRecord(record: NamespaceRecord): void {
  writeFileAtomic(recordPathFor(record), JSON.stringify(record), 0o600);
}

/**
 * Stops the namespace: SIGKILL to the holder ends its pid namespace and every process in it
 * (containers, conmon, agent); then the driver and slirp4netns, which do not die with it.
 */
export async function stopNamespace(paths: KittenPaths, project: string): Promise<boolean> {
  const layout = namespaceLayout(paths, project);
  const record = readRecord(layout.record);
  if (!record) {
    rmSync(layout.runtimeDir, { recursive: true, force: true });
    rmSync(layout.stateDir, { recursive: true, force: true });
    return false;
  }
  const wasAlive = namespaceAlive(record);
  reap(record);
  const gone = await waitUntil(() => (isAlive(record.pid) || isAlive(record.childPid) || isAlive(record.slirpPid) ? undefined : true), 5_000);
  rmSync(layout.runtimeDir, { recursive: true, force: true });
  // rootlesskit removes its state dir when it exits cleanly; not when it went with its child
  if (gone) rmSync(layout.stateDir, { recursive: true, force: true });
  rmSync(namespaceUseLock(paths, project), { force: true });
  // sockets of a long project name live outside the runtime dir (core/socket-path.ts)
  for (const p of [layout.agentSocket, layout.slirpSocket]) rmSync(p, { force: true });
  // the driver's log explains a namespace that failed or would not die: kept only then
  if (gone) rmSync(layout.driverLog, { force: true });
  return wasAlive;
}

function readRecord(path: string): NamespaceRecord | undefined {
  try {
    return parseNamespaceRecord(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return undefined;
  }
}

function reap(record: NamespaceRecord): void {
  if (record.holder) {
    // a recorded pid may have been reused by an unrelated process: only signal the processes
    // whose start times were recorded with them
    if (sameProcess(record.childPid, record.childStart)) signalProcess(record.childPid, "SIGKILL");
    if (sameProcess(record.pid, record.pidStart)) signalProcess(record.pid, "SIGTERM");
    if (sameProcess(record.slirpPid, record.slirpStart)) signalProcess(record.slirpPid!, "SIGTERM");
  } else {
    // an older build's namespace: its processes carry the runtime dir on their command line
    const signal = (pid: number | undefined, sig: NodeJS.Signals) => {
      if (pid && isAlive(pid) && commandLine(pid).includes(record.runtimeDir)) signalProcess(pid, sig);
    };
    if (record.driver === "rootlesskit") signal(record.pid, "SIGTERM");
    else signal(record.childPid, "SIGKILL");
    signal(record.slirpPid, "SIGTERM");
  }
  try {
    unlinkSync(recordPathFor(record));
  } catch {}
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

function recordPathFor(record: NamespaceRecord): string {
  // the record sits beside the runtime dir's parent: <runtime>/ns/<project>.json
  return `${dirname(dirname(record.runtimeDir))}/ns/${record.project}.json`;
}

/** The running kitten's build: its executable (or dev entry file), size and mtime. */
export function buildIdentity(): string {
  const file = selfCommand().at(-1)!;
  try {
    const st = statSync(file);
    return `${file}:${st.size}:${Math.round(st.mtimeMs)}`;
  } catch {
    return file;
  }
}

export function chooseDriver(forced?: NamespaceDriver): NamespaceDriver {
  const env = process.env.KITTEN_NS_DRIVER;
  if (forced) return forced;
  if (env === "rootlesskit" || env === "unshare") return env;
  if (env) throw new RuntimeFailure(`KITTEN_NS_DRIVER must be rootlesskit or unshare, not "${env}"`);
  return Bun.which("rootlesskit") ? "rootlesskit" : "unshare";
}

/** A crude cross-process lock: O_EXCL file holding the owner's pid; a dead owner's lock is taken over. */
async function lock(path: string, project: string): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => {
        try {
          unlinkSync(path);
        } catch {}
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new RuntimeFailure(`namespace "${project}": cannot lock: ${errorText(err)}`);
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(path, "utf8"));
    } catch {}
    if (owner && !isAlive(owner)) {
      try {
        unlinkSync(path);
      } catch {}
      continue;
    }
    if (performance.now() > deadline) throw new RuntimeFailure(`namespace "${project}": timed out waiting for another kitten to start it`);
    await Bun.sleep(10);
  }
}
