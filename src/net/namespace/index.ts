/**
 * A project's rootless namespace, host side: started on demand, found again by later commands
 * through its record file and process liveness, stopped when the project goes down.
 * Inside runs `catatonit -- kitten __agent`: catatonit is the pid-ns init that reaps orphans
 * (conmon double-forks), the agent serves typed requests on a unix socket in the runtime dir.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { RuntimeFailure, errorText } from "../../core/errors.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import { writeFileAtomic } from "../../core/atomic-file.ts";
import { selfCommand } from "../../core/self.ts";
import { isAlive, signalProcess, waitUntil } from "./proc.ts";
import { namespaceLayout } from "./layout.ts";
import { startRootlesskit, startUnshare } from "./drivers.ts";
import { parseNamespaceRecord, type NamespaceDriver, type NamespaceOptions, type NamespaceRecord } from "./types.ts";

export * from "./types.ts";
export { namespaceLayout } from "./layout.ts";
export { parseNamespaceRecord } from "./types.ts";

/** The running namespace of `project`, or undefined (a dead one's leftovers are cleaned up). */
export function findNamespace(paths: KittenPaths, project: string): NamespaceRecord | undefined {
  const layout = namespaceLayout(paths, project);
  const record = readRecord(layout.record);
  if (!record) return undefined;
  if (isAlive(record.pid) && isAlive(record.childPid)) return record;
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
  const child = ["catatonit", "--", ...selfCommand(), "__agent", layout.runtimeDir];
  const s = { project, layout, hostLoopback, child };
  const started = driver === "rootlesskit" ? await startRootlesskit(s) : await startUnshare(s);
  const record: NamespaceRecord = {
    project,
    ...started,
    hostLoopback,
    runtimeDir: layout.runtimeDir,
    agentSocket: layout.agentSocket,
    startedAt: new Date().toISOString(),
    build: buildIdentity(),
  };
  const ok = await waitUntil(async () => {
    if (!isAlive(record.childPid)) return false;
    return (await pingAgent(record.agentSocket)) ? true : undefined;
  }, 15_000, 5);
  if (!ok) {
    reap(record);
    let log = "";
    try {
      log = readFileSync(layout.agentLog, "utf8").trim().split("\n").slice(-2).join("; ");
    } catch {}
    throw new RuntimeFailure(`namespace "${project}": the in-namespace agent did not answer${log ? `: ${log}` : ""}`, {
      hint: `see ${layout.agentLog} and ${layout.driverLog}`,
    });
  }
  writeFileAtomic(layout.record, JSON.stringify(record), 0o600);
  return record;
}

/** Stops the namespace: with --pidns (or the unshare pid ns) every process inside dies with it. */
export async function stopNamespace(paths: KittenPaths, project: string): Promise<boolean> {
  const layout = namespaceLayout(paths, project);
  const record = readRecord(layout.record);
  if (!record) {
    rmSync(layout.runtimeDir, { recursive: true, force: true });
    return false;
  }
  const wasAlive = isAlive(record.pid);
  reap(record);
  const gone = await waitUntil(() => (isAlive(record.pid) || isAlive(record.childPid) ? undefined : true), 5_000);
  rmSync(layout.runtimeDir, { recursive: true, force: true });
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
  // a recorded pid may have been reused by an unrelated process: only signal ours, which all
  // carry the runtime dir on their command line (the agent's argument, or slirp's socket)
  const signal = (pid: number | undefined, sig: NodeJS.Signals) => {
    if (pid && isAlive(pid) && commandLine(pid).includes(record.runtimeDir)) signalProcess(pid, sig);
  };
  if (record.driver === "rootlesskit") {
    signal(record.pid, "SIGTERM");
  } else {
    // SIGTERM to the unshare parent is ignored (spike §1b): kill the pid-ns init instead
    signal(record.childPid, "SIGKILL");
  }
  signal(record.slirpPid, "SIGTERM");
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

export async function pingAgent(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  try {
    const res = await fetch("http://agent/v1/ping", { unix: socket, signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
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
