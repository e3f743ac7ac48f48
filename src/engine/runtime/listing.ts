/** Rows for `kitten ps`: the documented JSON schema of `ps --format json`, one object per container. */
import type { RootlessRuntime } from "./rootless-runtime.ts";
import type { ContainerStatus } from "./types.ts";

export interface ContainerRow {
  id: string;
  name: string;
  project: string;
  service: string | null;
  image: string;
  command: string;
  status: ContainerStatus;
  exitCode: number | null;
  /** docker-like: "Up 3 seconds", "Exited (3) 2 minutes ago", "Created" */
  statusText: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  ports: Array<{ hostIp: string; hostPort: number; containerPort: number; protocol: "tcp" | "udp" }>;
  /** address per network (empty when the container shares the namespace's network) */
  ips: Record<string, string>;
  /** the OOM killer acted in its cgroup (docker inspect's State.OOMKilled) */
  oomKilled: boolean;
  /** why the state is what it is, when not plain (OOM, a lost monitor, the namespace gone) */
  note: string | null;
}

export async function listContainers(rt: RootlessRuntime, options: { all?: boolean; project?: string } = {}, now = Date.now()): Promise<ContainerRow[]> {
  const states = await rt.list({ project: options.project });
  const rows: ContainerRow[] = [];
  for (const st of states) {
    if (!options.all && st.status !== "running") continue;
    const rec = rt.store.find(st.id!);
    const spec = rec?.spec;
    const command = [...(spec?.entrypoint ?? []), ...(spec?.command ?? [])].join(" ");
    rows.push({
      id: st.id!,
      name: st.name,
      project: st.project,
      service: st.service ?? null,
      image: st.image,
      command,
      status: st.status,
      exitCode: st.exitCode ?? null,
      statusText: statusText(st.status, st.exitCode, st.startedAt, st.finishedAt, now),
      createdAt: st.createdAt ?? "",
      startedAt: st.startedAt ?? null,
      finishedAt: st.finishedAt ?? null,
      ports: st.status === "running" ? (st.ports ?? []) : [],
      ips: st.ips ?? {},
      oomKilled: st.oomKilled ?? false,
      note: st.note ?? null,
    });
  }
  return rows;
}

export function statusText(status: ContainerStatus, exitCode: number | undefined, startedAt: string | undefined, finishedAt: string | undefined, now: number): string {
  if (status === "running") return `Up ${ago(startedAt, now)}`;
  if (status === "created") return "Created";
  if (status === "exited") return `Exited (${exitCode ?? "?"})${finishedAt ? ` ${ago(finishedAt, now)} ago` : ""}`;
  if (status === "paused") return `Up ${ago(startedAt, now)} (Paused)`;
  return status[0]!.toUpperCase() + status.slice(1);
}

function ago(iso: string | undefined, now: number): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 1) return "less than a second";
  if (s < 60) return `${s} second${s === 1 ? "" : "s"}`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? "" : "s"}`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? "" : "s"}`;
  return `${Math.round(h / 24)} days`;
}
