/**
 * The two ways to start a project's rootless namespace (rootless-spike.md §1): rootlesskit
 * (preferred: ready signal, REST port API) and a hand-rolled unshare + slirp4netns fallback for
 * hosts without rootlesskit. Both make the same thing: a pid namespace whose init is the holder,
 * `catatonit -P` — a process that only waits and reaps, as podman's pause process holds a
 * rootless podman's namespaces. Nothing else kitten runs is the namespace's life: the agent,
 * forwarders and slirp4netns enter or serve it and may die and be restarted around it.
 *
 * - rootlesskit runs without --pidns: with it, rootlesskit's child would be the pid-ns init and
 *   rootlesskit's death (its parent dies with Pdeathsig, measured) would end every container.
 *   Its command is `unshare --pid --fork --mount-proc -- catatonit -P` instead: the holder is
 *   pid 1 of a pid namespace of its own inside rootlesskit's user and network namespaces, and
 *   outlives rootlesskit (measured: kill -9 of the rootlesskit parent leaves it and the tap
 *   device in place; only slirp4netns and the port API go, see ./slirp.ts).
 * - unshare runs without --kill-child, so the unshare parent's death leaves the holder too.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../core/errors.ts";
import { currentSubIds } from "../../core/subid.ts";
import { childrenOf, commandName, isAlive, processStartTime, waitUntil } from "./proc.ts";
import { startSlirp } from "./slirp.ts";
import { driverLogTail, spawnDetached } from "./spawn.ts";
import { SLIRP, type NamespaceRecord } from "./types.ts";
import type { NamespaceLayout } from "./layout.ts";

/** The holder: catatonit in pause mode runs no program, only reaps what is reparented to it. */
export const HOLDER = ["catatonit", "-P"];

export interface DriverStart {
  project: string;
  layout: NamespaceLayout;
  hostLoopback: boolean;
}

type Started = Pick<NamespaceRecord, "driver" | "pid" | "pidStart" | "childPid" | "childStart" | "apiSocket" | "slirpSocket" | "slirpPid" | "slirpStart">;

/** The first process named `comm` below pid, `depth` generations down. */
function descendant(pid: number, comm: string, depth: number): number | undefined {
  let level = [pid];
  for (let i = 0; i < depth; i++) level = level.flatMap(childrenOf);
  return level.find((p) => commandName(p) === comm && isAlive(p));
}

export async function startRootlesskit(s: DriverStart): Promise<Started> {
  const argv = [
    "rootlesskit",
    `--state-dir=${s.layout.stateDir}`,
    "--net=slirp4netns",
    `--mtu=${SLIRP.mtu}`,
    "--port-driver=builtin",
    ...(s.hostLoopback ? [] : ["--disable-host-loopback"]),
    "unshare",
    "--pid",
    "--fork",
    "--mount-proc",
    "--",
    ...HOLDER,
  ];
  const child = spawnDetached(argv, s.layout.driverLog);
  const pid = child.pid;
  if (!pid) throw new RuntimeFailure(`namespace "${s.project}": rootlesskit did not start`);
  const pidStart = processStartTime(pid);
  const apiSocket = join(s.layout.stateDir, "api.sock");
  const childPidFile = join(s.layout.stateDir, "child_pid");
  // rootlesskit's child → unshare → catatonit: the holder is ready once it runs
  const holder = await waitUntil(() => {
    if (!isAlive(pid)) return -1;
    if (!existsSync(apiSocket)) return undefined;
    const text = readText(childPidFile);
    return text ? descendant(Number(text), "catatonit", 2) : undefined;
  }, 10_000);
  if (holder === undefined || holder < 0) {
    throw new RuntimeFailure(`namespace "${s.project}": rootlesskit failed to start${detail(driverLogTail(s.layout.driverLog))}`, {
      hint: "run `kitten doctor`: /dev/net/tun must be mode 0666 and the user needs /etc/subuid and /etc/subgid ranges",
    });
  }
  const slirpPid = descendant(pid, "slirp4netns", 1);
  return {
    driver: "rootlesskit",
    pid,
    pidStart,
    childPid: holder,
    childStart: processStartTime(holder),
    apiSocket,
    slirpPid,
    slirpStart: slirpPid ? processStartTime(slirpPid) : undefined,
  };
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
    "--mount-proc",
    "--propagation",
    "private",
    ...HOLDER,
  ];
  const parent = spawnDetached(argv, s.layout.driverLog);
  const pid = parent.pid;
  if (!pid) throw new RuntimeFailure(`namespace "${s.project}": unshare did not start`);
  const pidStart = processStartTime(pid);
  // the holder is unshare's child, ready once newuidmap/newgidmap wrote both maps
  const holder = await waitUntil(() => {
    if (!isAlive(pid)) return -1;
    const cpid = childrenOf(pid)[0];
    if (!cpid) return undefined;
    const mapped = (f: string) => (readText(`/proc/${cpid}/${f}`) ?? "").split("\n").length >= 2;
    return mapped("uid_map") && mapped("gid_map") && commandName(cpid) === "catatonit" ? cpid : undefined;
  }, 10_000);
  if (holder === undefined || holder < 0) {
    throw new RuntimeFailure(`namespace "${s.project}": unshare failed to start${detail(driverLogTail(s.layout.driverLog))}`, {
      hint: "run `kitten doctor`: the uidmap package and /etc/subuid, /etc/subgid ranges are needed",
    });
  }
  const slirpSocket = s.layout.slirpSocket;
  const childStart = processStartTime(holder);
  try {
    const slirp = await startSlirp({ project: s.project, holderPid: holder, configure: true, apiSocket: slirpSocket, hostLoopback: s.hostLoopback, logPath: s.layout.driverLog });
    return { driver: "unshare", pid, pidStart, childPid: holder, childStart, slirpSocket, slirpPid: slirp.pid, slirpStart: slirp.start };
  } catch (err) {
    try {
      process.kill(holder, "SIGKILL");
    } catch {}
    throw err;
  }
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
