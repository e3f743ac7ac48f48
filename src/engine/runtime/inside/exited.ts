/**
 * `kitten __exited <id>`: conmon's --exit-command for every monitored container, run inside the
 * namespace once the container exited and its exit file is written — with no kitten process on
 * the host needed. It does what must not wait for a supervisor:
 * - a `run -d --rm` container is removed (./cleanup.ts);
 * - a project's container gets its restart policy applied when no supervisor runs
 *   (engine/supervisor/exit-policy.ts): restarted in place here, or its ports released;
 * - any other container's published ports are released (docker frees them on exit).
 * While a supervisor runs, a project's container is left to it (it watches the exit file).
 */
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KittenPaths } from "../../../core/paths.ts";
import { selfCommand } from "../../../core/self.ts";
import { namespaceLayout, parseNamespaceRecord, type NamespaceRecord } from "../../../net/namespace/index.ts";
import { rootlesskitPorts, slirpPorts } from "../../../net/ports.ts";
import { openStateDb } from "../../state/db.ts";
import { ProjectStore } from "../../state/project-store.ts";
import { claimSupervision, supervisorRuns } from "../../supervisor/claim.ts";
import { systemClock } from "../../supervisor/clock.ts";
import { applyExitPolicy } from "../../supervisor/exit-policy.ts";
import { supervisorLockPath } from "../../supervisor/process.ts";
import { containerFiles, exitFile } from "../container-files.ts";
import { ContainerStore, type ContainerRecord } from "../store.ts";
import { cleanupInside } from "./cleanup.ts";
import { oomKilled } from "./cgroups.ts";
import { oomNote } from "../container-status.ts";
import { monitorLogSettings } from "../log-policy.ts";
import { Containers } from "./containers.ts";

export async function containerExited(paths: KittenPaths, id: string): Promise<string> {
  const containers = new ContainerStore(openStateDb(paths));
  const rec = containers.find(id);
  if (!rec) return "unknown container";
  if (rec.autoRemove) {
    await cleanupInside(paths, id);
    return "removed";
  }
  const layout = namespaceLayout(paths, rec.project);
  const ns = readRecord(layout.record);
  const release = () => releasePortsInside(containers, rec, ns);
  if (!rec.service) {
    await release();
    return "ports released";
  }
  const exit = readExit(rec);
  const lockPath = supervisorLockPath(paths, rec.project);
  return applyExitPolicy({
    store: new ProjectStore(openStateDb(paths)),
    project: rec.project,
    container: rec.name,
    exit,
    claim: () => claimSupervision(lockPath, "exit", systemClock),
    supervisorAnswers: async () => supervisorRuns(lockPath),
    restartInPlace: () => restartInPlace(containers, rec.id, layout.runtimeDir),
    releasePorts: release,
    dropLock: () => rmSync(lockPath, { force: true }),
    clock: systemClock,
  });
}

/** A line in the namespace's agent log about a container's exit command. */
export function exitedLog(paths: KittenPaths, id: string, message: string): void {
  try {
    const rec = new ContainerStore(openStateDb(paths)).find(id);
    if (!rec) return;
    appendFileSync(join(namespaceLayout(paths, rec.project).runtimeDir, "agent.log"), `${new Date().toISOString()} exited ${rec.name}: ${message}\n`);
  } catch {}
}

function readRecord(path: string): NamespaceRecord | undefined {
  try {
    return parseNamespaceRecord(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return undefined;
  }
}

function readExit(rec: ContainerRecord): { code?: number; finishedAt: string; note?: string; oomKilled?: boolean } {
  const file = exitFile(rec.dir, rec.id);
  try {
    const code = Number(readFileSync(file, "utf8").trim());
    const oom = rec.cgroupsPath !== undefined && oomKilled(rec.cgroupsPath);
    return { code: Number.isFinite(code) ? code : undefined, finishedAt: statSync(file).mtime.toISOString(), ...(oom ? { oomKilled: true, note: oomNote(rec) } : {}) };
  } catch {
    return { finishedAt: new Date().toISOString(), note: "exit code unknown: its monitor (conmon) wrote no exit file" };
  }
}

/**
 * Releases a container's published ports from inside: the marker ends its forwarder (a host
 * process this pid namespace cannot see), and driver mappings are removed through the API
 * socket of the process that holds them (recorded pids are compared, never signalled).
 */
async function releasePortsInside(store: ContainerStore, rec: ContainerRecord, ns: NamespaceRecord | undefined): Promise<void> {
  if (rec.ports.length === 0) return;
  try {
    writeFileSync(containerFiles(rec.dir).portsReleased, "");
  } catch {}
  for (const p of rec.ports) {
    if (p.driverId === undefined || !ns) continue;
    const holder = p.driverProc?.pid;
    const driver =
      ns.apiSocket && (holder === undefined || holder === ns.pid) ? rootlesskitPorts(ns.apiSocket) : ns.slirpSocket && holder === ns.slirpPid ? slirpPorts(ns.slirpSocket) : undefined;
    await driver?.remove(p.driverId).catch(() => {});
  }
  rec.ports = [];
  store.update(rec);
}

/** `docker start` of the exited container, as the agent would do it (the agent may be gone too). */
async function restartInPlace(store: ContainerStore, id: string, runtimeDir: string): Promise<number> {
  const rec = store.find(id);
  if (!rec) throw new Error(`container ${id} was removed`);
  const c = new Containers(runtimeDir);
  await c.delete({ id: rec.id, runtime: rec.runtime, containerDir: rec.dir, cgroupsPath: rec.cgroupsPath, force: true, removeDir: false });
  const oci = JSON.parse(readFileSync(containerFiles(rec.dir).config, "utf8")) as { process?: { terminal?: boolean } };
  const res = await c.create({
    id: rec.id,
    runtime: rec.runtime,
    containerDir: rec.dir,
    lowerDirs: rec.lowerDirs,
    netnsPath: rec.netnsPath,
    volumes: [],
    files: [],
    ...(rec.shm ? { shm: rec.shm } : {}),
    name: rec.name,
    terminal: oci.process?.terminal ?? false,
    monitor: true,
    exitCommand: [...selfCommand(), "__exited", rec.id],
    log: monitorLogSettings(rec.spec.logging),
  });
  // a netns made anew needs its networks attached, which only the host side does
  if (res.netnsCreated) throw new Error(`container ${rec.name}: its network namespace was gone; the supervisor restarts it`);
  await c.start(rec.id, rec.runtime);
  rec.startedAt = new Date().toISOString();
  store.update(rec);
  return res.pid;
}
