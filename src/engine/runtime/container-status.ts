/** A container's ContainerState from its record and what the agent (or its exit file) says. */
import { readFileSync } from "node:fs";
import type { InsideState } from "./agent-protocol.ts";
import { containerFiles, exitFile } from "./container-files.ts";
import type { ContainerRecord } from "./store.ts";
import type { ContainerState } from "./types.ts";
import { mountinfo, oomKilled } from "./cgroups.ts";

/** A container whose namespace is gone: its exit file tells, else it died with the namespace (SIGKILL). */
export function deadState(rec: ContainerRecord): InsideState {
  if (rec.exitCode !== undefined) return { id: rec.id, status: "exited", exitCode: rec.exitCode };
  try {
    const code = Number(readFileSync(exitFile(rec.dir, rec.id), "utf8").trim());
    // its cgroup stays until the container is removed: the OOM killer's count is still there
    const oom = rec.cgroupsPath !== undefined && oomKilled(mountinfo(), rec.cgroupsPath);
    return { id: rec.id, status: "exited", exitCode: code, ...(oom ? { oomKilled: true } : {}) };
  } catch {}
  return {
    id: rec.id,
    status: "exited",
    exitCode: rec.startedAt ? 137 : undefined,
    ...(rec.startedAt ? { note: "killed with its namespace (the holder process died, or the project went down)" } : {}),
  };
}

export function stateOf(rec: ContainerRecord, st: InsideState): ContainerState {
  const status = st.status === "unknown" ? "dead" : st.status;
  return {
    id: rec.id,
    name: rec.name,
    project: rec.project,
    service: rec.service,
    replica: rec.replica,
    status,
    pid: st.pid,
    exitCode: st.exitCode,
    ...(st.note ? { note: st.note } : st.oomKilled ? { note: oomNote(rec) } : {}),
    ...(st.oomKilled ? { oomKilled: true } : {}),
    startedAt: rec.startedAt,
    finishedAt: st.finishedAt,
    createdAt: rec.createdAt,
    configHash: rec.spec.configHash,
    image: rec.image,
    ips: rec.ips,
    ports: rec.ports.map(({ driverId: _, forwarder: __, driverProc: ___, ...p }) => p),
    logPath: containerFiles(rec.dir).log,
    ...(rec.anonymousMounts && Object.keys(rec.anonymousMounts).length > 0 ? { anonymousVolumes: rec.anonymousMounts } : {}),
  };
}

/** The note of a container the OOM killer acted in: what its limit was. */
export function oomNote(rec: ContainerRecord): string {
  const limit = rec.spec.resources?.memory;
  return `killed by the OOM killer: it needed more memory than its limit${limit ? ` (${limit}${/^\d+$/.test(limit) ? " bytes" : ""})` : ""}`;
}
