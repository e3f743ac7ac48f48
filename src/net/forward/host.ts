/**
 * Host side of kitten's published-port forwarder: binds the host ports itself (so a taken port
 * fails right here, naming it), then starts `kitten __portfwd` inside the namespace's user and
 * network namespaces with those listening sockets as inherited descriptors. The forwarder dials
 * the container from within the namespace and splices the bytes (./forwarder.ts). It ends on
 * its own when the container's ports are released (a marker file), the container dir is removed
 * or the namespace's holder dies; stopForwarder ends it sooner, by pid and start time so a reused
 * pid is never signalled. It is a helper: when it dies, the host ports are bound again by a new one.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync } from "node:fs";
import { selfCommand } from "../../core/self.ts";
import { isAlive, processStartTime, signalProcess, waitUntil } from "../namespace/proc.ts";
import { libc } from "./libc.ts";
import { listenTcp } from "./sockets.ts";
import type { ForwarderConfig } from "./forwarder.ts";

export interface ForwardPort {
  hostIp: string;
  hostPort: number;
  childIp: string;
  childPort: number;
}

/** A running forwarder, as recorded with the container's ports. */
export interface ForwarderRef {
  pid: number;
  /** start time in clock ticks since boot (/proc/<pid>/stat field 22) */
  start: number;
}

export interface StartForwarder {
  /** host pid of the namespace's init: nsenter target, and watched; absent: forward within the caller's own network */
  nsPid?: number;
  ports: ForwardPort[];
  /** the forwarder ends once this file exists (ports released) */
  releaseFile?: string;
  containerDir?: string;
  /** the forwarder's stderr */
  logFile: string;
}

/** Binds every port, then starts the forwarder; throws `<ip>:<port>/tcp <reason>` for a port that cannot be bound. */
export async function startForwarder(o: StartForwarder): Promise<ForwarderRef> {
  const fds: number[] = [];
  try {
    for (const p of o.ports) {
      try {
        fds.push(listenTcp(p.hostIp, p.hostPort).fd);
      } catch (err) {
        throw new Error(`${p.hostIp}:${p.hostPort}/tcp ${(err as Error).message}`);
      }
    }
    const config: ForwarderConfig = {
      listeners: o.ports.map((p, i) => ({ fd: 3 + i, childIp: p.childIp, childPort: p.childPort })),
      releaseFile: o.releaseFile,
      containerDir: o.containerDir,
      watchPid: o.nsPid,
    };
    const log = openSync(o.logFile, "a", 0o600);
    const [cmd, ...args] = selfCommand();
    // user namespace first (its owner may enter it), then the network namespace it owns; the
    // mount namespace stays the host's, where the container's exit file has the same path
    const role = [cmd!, ...args, "__portfwd", JSON.stringify(config)];
    const argv = o.nsPid ? ["nsenter", "-t", String(o.nsPid), "-U", "--preserve-credentials", "-n", "--", ...role] : role;
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: ["ignore", "pipe", log, ...fds],
    });
    closeSync(log);
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      child.stdout!.once("data", () => {
        clearTimeout(timer);
        resolve(true);
      });
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.once("error", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    child.stdout!.destroy();
    child.unref();
    if (!ready || !child.pid) {
      if (child.pid) child.kill("SIGKILL");
      throw new Error(`the port forwarder did not start (its log: ${o.logFile})`);
    }
    return { pid: child.pid, start: processStartTime(child.pid) ?? 0 };
  } finally {
    // the forwarder holds its own copies now (or failed): ours would keep the ports bound
    for (const fd of fds) libc().close(fd);
  }
}

/**
 * Ends a forwarder (unless it ended by itself) and waits until its sockets are closed, so the
 * ports can be bound again at once.
 */
export async function stopForwarder(ref: ForwarderRef): Promise<void> {
  if (processStartTime(ref.pid) !== ref.start) return;
  const gone = () => (processStartTime(ref.pid) !== ref.start || released(ref.pid) ? true : undefined);
  if (isAlive(ref.pid)) signalProcess(ref.pid, "SIGTERM");
  if (await waitUntil(gone, 5_000, 5)) return;
  // it ignored SIGTERM (it should not: nothing handles it)
  signalProcess(ref.pid, "SIGKILL");
  await waitUntil(gone, 5_000, 5);
}

/**
 * Whether every thread of pid has finished exiting. A zombie leader is not enough: the
 * descriptors (the listening sockets) are shared by all threads and closed by the last one to
 * exit, which may still be running after the leader turned Z.
 */
function released(pid: number): boolean {
  if (isAlive(pid)) return false;
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true;
  }
}
