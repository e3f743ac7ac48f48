/**
 * The in-namespace agent as a restartable helper, host side. The agent is not the namespace's
 * init (the holder is, src/net/namespace/drivers.ts): it is started into the holder's
 * namespaces with `nsenter -t <holder> -U -m -n -p -- kitten __agent <runtime dir>`, so its death
 * costs only the requests in flight. Any command that finds it gone starts it again; an agent of
 * another kitten build is replaced the same way (its containers never notice: they run under
 * conmon, reparented to the holder). At most one agent serves a namespace: each takes the flock
 * `<runtime dir>/agent.lock` for its life, and a second one exits at once.
 *
 * `<runtime dir>/agent.json` names the running agent by its host pid and start time (the agent
 * itself only sees pids of its own pid namespace), so it can be stopped without a pid guess.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../core/errors.ts";
import { fileLock, tryFileLock } from "../../core/file-lock.ts";
import { writeFileAtomic } from "../../core/atomic-file.ts";
import { selfCommand } from "../../core/self.ts";
import { buildIdentity, type NamespaceRecord } from "../../net/namespace/index.ts";
import { agentSocketPath } from "../../net/namespace/layout.ts";
import { childrenOf, processStartTime, sameProcess, signalProcess, waitUntil } from "../../net/namespace/proc.ts";

export interface AgentPing {
  /** pid inside the namespace */
  pid: number;
  /** the kitten build the agent runs (buildIdentity) */
  build?: string;
}

interface AgentRecord {
  /** host pid and start time of the agent process */
  pid: number;
  start: number;
  build: string;
}

export function agentFiles(runtimeDir: string) {
  return {
    // a long project name's socket lives in <runtime>/s/ (core/socket-path.ts)
    socket: agentSocketPath(runtimeDir),
    log: join(runtimeDir, "agent.log"),
    record: join(runtimeDir, "agent.json"),
    /** held by the serving agent for its whole life */
    lock: join(runtimeDir, "agent.lock"),
    /** held by a host command while it starts one */
    startLock: join(runtimeDir, "agent-start.lock"),
  };
}

/** how long a live agent may take to answer before it counts as hung */
const PATIENT_PING_MS = 30_000;

export async function pingAgent(socket: string, timeoutMs = 2000): Promise<AgentPing | undefined> {
  if (!existsSync(socket)) return undefined;
  try {
    const res = await fetch("http://agent/v1/ping", { unix: socket, method: "POST", body: "{}", headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? ((await res.json()) as AgentPing) : undefined;
  } catch {
    return undefined;
  }
}

function readAgentRecord(runtimeDir: string): AgentRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(agentFiles(runtimeDir).record, "utf8")) as AgentRecord;
    return Number.isInteger(r.pid) && Number.isInteger(r.start) ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The agent's host pid while it runs (for doctor and the fault tests). */
export function agentProcess(runtimeDir: string): { pid: number; build: string } | undefined {
  const r = readAgentRecord(runtimeDir);
  return r && sameProcess(r.pid, r.start) ? { pid: r.pid, build: r.build } : undefined;
}

export interface EnsureAgentResult {
  /** a new agent was started (the previous one was gone, or of another build) */
  started: boolean;
  replacedBuild?: string;
}

/**
 * Makes sure the namespace's agent answers, and runs this build's code when `sameBuild` is
 * asked for. Only namespaces with a holder: in an older build's namespace the agent is init's
 * only child, and stopping it would end the namespace.
 */
export async function ensureAgent(ns: NamespaceRecord, o: { sameBuild?: boolean } = {}): Promise<EnsureAgentResult> {
  const files = agentFiles(ns.runtimeDir);
  const build = buildIdentity();
  const ok = (p: AgentPing | undefined) => p !== undefined && (!o.sameBuild || !ns.holder || p.build === build);
  if (ok(await pingAgent(files.socket))) return { started: false };
  if (!ns.holder) throw new RuntimeFailure(`namespace "${ns.project}": agent unreachable`, { hint: `the namespace may have died; \`kitten __ns-down ${ns.project}\` resets it` });
  const lock = await fileLock(files.startLock, 30_000);
  if (!lock) throw new RuntimeFailure(`namespace "${ns.project}": timed out waiting for another kitten to start its agent`);
  try {
    let now = await pingAgent(files.socket);
    // alive but slow to answer: an agent busy with hundreds of creates at once on a loaded machine
    // answers late, and ending it would fail every request it is serving; only a silent one goes
    if (!now && agentProcess(ns.runtimeDir)) now = await pingAgent(files.socket, PATIENT_PING_MS);
    if (ok(now)) return { started: false };
    let replacedBuild: string | undefined;
    if (now) {
      // another build's agent answers: stop it (its containers stay, under conmon and the holder)
      replacedBuild = now.build ?? "unknown";
      await stopAgent(ns.runtimeDir);
    } else {
      // it may hang rather than be gone: a live agent that does not answer is ended too
      await stopAgent(ns.runtimeDir);
    }
    await startAgent(ns);
    return { started: true, ...(replacedBuild ? { replacedBuild } : {}) };
  } finally {
    lock.release();
  }
}

/** Ends the recorded agent (SIGTERM, then SIGKILL) and waits until its lock is free. */
export async function stopAgent(runtimeDir: string): Promise<void> {
  const files = agentFiles(runtimeDir);
  const r = readAgentRecord(runtimeDir);
  if (r && sameProcess(r.pid, r.start)) {
    signalProcess(r.pid, "SIGTERM");
    if (!(await waitUntil(() => (sameProcess(r.pid, r.start) ? undefined : true), 3_000, 5))) signalProcess(r.pid, "SIGKILL");
  }
  // whoever holds the lock is an agent serving (perhaps one nobody recorded): wait for it to go
  const free = await waitUntil(() => {
    const l = tryFileLock(files.lock);
    if (!l) return undefined;
    l.release();
    return true;
  }, 5_000, 5);
  if (!free) throw new RuntimeFailure(`namespace: an agent that does not answer still holds ${files.lock}`);
}

async function startAgent(ns: NamespaceRecord): Promise<void> {
  const files = agentFiles(ns.runtimeDir);
  const log = openSync(files.log, "a", 0o600);
  // -p makes nsenter fork: the agent is its child inside the holder's pid namespace; if nsenter
  // dies the agent is reparented to the holder, which reaps it when it ends
  const argv = ["nsenter", "-t", String(ns.childPid), "-U", "--preserve-credentials", "-m", "-n", "-p", "--", ...selfCommand(), "__agent", ns.runtimeDir];
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", log, log], env: process.env });
  child.unref();
  closeSync(log);
  const nsenter = child.pid;
  if (!nsenter) throw new RuntimeFailure(`namespace "${ns.project}": nsenter did not start`);
  const answered = await waitUntil(async () => {
    if (!sameProcess(ns.childPid, ns.childStart)) return false;
    return (await pingAgent(files.socket, 1000)) ? true : undefined;
  }, 15_000, 5);
  const agentPid = childrenOf(nsenter)[0];
  if (!answered) {
    if (agentPid) signalProcess(agentPid, "SIGKILL");
    let why = "";
    try {
      why = readFileSync(files.log, "utf8").trim().split("\n").slice(-2).join("; ");
    } catch {}
    throw new RuntimeFailure(`namespace "${ns.project}": the in-namespace agent did not answer${why ? `: ${why}` : ""}`, { hint: `see ${files.log}` });
  }
  if (agentPid) writeFileAtomic(files.record, JSON.stringify({ pid: agentPid, start: processStartTime(agentPid) ?? 0, build: buildIdentity() } satisfies AgentRecord), 0o600);
}
