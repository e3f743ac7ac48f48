/**
 * The two ways to start a project's rootless namespace (rootless-spike.md §1):
 * rootlesskit (preferred: ready signal, pid-ns reaping, REST port API) and a hand-rolled
 * unshare + slirp4netns fallback for hosts without rootlesskit. Both run the namespace's init
 * as `catatonit -- kitten __agent`, so the in-namespace agent is the only long-lived child.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../core/errors.ts";
import { currentSubIds } from "../../core/subid.ts";
import { isAlive, waitUntil } from "./proc.ts";
import { SLIRP, type NamespaceRecord } from "./types.ts";
import type { NamespaceLayout } from "./layout.ts";

export interface DriverStart {
  project: string;
  layout: NamespaceLayout;
  hostLoopback: boolean;
  /** the namespace's init command (catatonit + agent) */
  child: string[];
}

type Started = Omit<NamespaceRecord, "project" | "hostLoopback" | "runtimeDir" | "agentSocket" | "startedAt">;

function spawnDetached(argv: string[], logPath: string, extraFd = false) {
  const log = openSync(logPath, "a");
  try {
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: extraFd ? ["ignore", log, log, "pipe"] : ["ignore", log, log],
      env: process.env,
    });
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

function tail(path: string): string {
  try {
    const lines = readFileSync(path, "utf8").trim().split("\n").filter((l) => !/level=warning/.test(l));
    return lines.slice(-3).join("; ");
  } catch {
    return "";
  }
}

export async function startRootlesskit(s: DriverStart): Promise<Started> {
  const argv = [
    "rootlesskit",
    `--state-dir=${s.layout.stateDir}`,
    "--net=slirp4netns",
    `--mtu=${SLIRP.mtu}`,
    "--port-driver=builtin",
    "--pidns",
    ...(s.hostLoopback ? [] : ["--disable-host-loopback"]),
    ...s.child,
  ];
  const child = spawnDetached(argv, s.layout.driverLog);
  const pid = child.pid;
  if (!pid) throw new RuntimeFailure(`namespace "${s.project}": rootlesskit did not start`);
  const apiSocket = join(s.layout.stateDir, "api.sock");
  const childPidFile = join(s.layout.stateDir, "child_pid");
  const childPid = await waitUntil(() => {
    if (!isAlive(pid)) return -1;
    if (!existsSync(apiSocket)) return undefined;
    const text = readText(childPidFile);
    return text ? Number(text) : undefined;
  }, 10_000);
  if (childPid === undefined || childPid < 0) {
    throw new RuntimeFailure(`namespace "${s.project}": rootlesskit failed to start${detail(tail(s.layout.driverLog))}`, {
      hint: "run `kitten doctor`: /dev/net/tun must be mode 0666 and the user needs /etc/subuid and /etc/subgid ranges",
    });
  }
  return { driver: "rootlesskit", pid, childPid, apiSocket };
}

export async function startUnshare(s: DriverStart): Promise<Started> {
  const ids = currentSubIds();
  const argv = [
    "unshare",
    "--map-root-user",
    `--map-users=${ids.subuid.start},1,${ids.subuid.count}`,
    `--map-groups=${ids.subgid.start},1,${ids.subgid.count}`,
    "--mount",
    "--net",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
    "--propagation",
    "private",
    ...s.child,
  ];
  const parent = spawnDetached(argv, s.layout.driverLog);
  const pid = parent.pid;
  if (!pid) throw new RuntimeFailure(`namespace "${s.project}": unshare did not start`);
  // the namespace's init is unshare's child, ready once newuidmap/newgidmap wrote both maps
  const childPid = await waitUntil(() => {
    if (!isAlive(pid)) return -1;
    const first = readText(`/proc/${pid}/task/${pid}/children`)?.split(" ")[0];
    if (!first) return undefined;
    const cpid = Number(first);
    const mapped = (f: string) => (readText(`/proc/${cpid}/${f}`) ?? "").split("\n").length >= 2;
    return mapped("uid_map") && mapped("gid_map") ? cpid : undefined;
  }, 10_000);
  if (childPid === undefined || childPid < 0) {
    throw new RuntimeFailure(`namespace "${s.project}": unshare failed to start${detail(tail(s.layout.driverLog))}`, {
      hint: "run `kitten doctor`: the uidmap package and /etc/subuid, /etc/subgid ranges are needed",
    });
  }
  const slirpSocket = s.layout.slirpSocket;
  const slirp = spawnDetached(
    [
      "slirp4netns",
      "--configure",
      `--mtu=${SLIRP.mtu}`,
      ...(s.hostLoopback ? [] : ["--disable-host-loopback"]),
      "--api-socket",
      slirpSocket,
      "-r",
      "3",
      String(childPid),
      "tap0",
    ],
    s.layout.driverLog,
    true,
  );
  const ready = await new Promise<boolean>((resolve) => {
    const fd3 = slirp.stdio[3] as NodeJS.ReadableStream | null;
    const timer = setTimeout(() => resolve(false), 10_000);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    if (!fd3) return done(false);
    fd3.once("data", () => done(true));
    fd3.once("end", () => done(false));
    slirp.once("exit", () => done(false));
  });
  (slirp.stdio[3] as unknown as { destroy?: () => void } | null)?.destroy?.();
  if (!ready || !slirp.pid) {
    try {
      process.kill(childPid, "SIGKILL");
    } catch {}
    throw new RuntimeFailure(`namespace "${s.project}": slirp4netns failed to start${detail(tail(s.layout.driverLog))}`, {
      hint: "run `kitten doctor`: /dev/net/tun must be mode 0666",
    });
  }
  return { driver: "unshare", pid, childPid, slirpSocket, slirpPid: slirp.pid };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

function detail(text: string): string {
  return text ? `: ${text}` : "";
}
