/** Text tables of project state: `ps`, `ls`, `events`. JSON output uses the records as they are. */
import type { ContainerRecord, ProjectEvent } from "../../engine/state/project-store.ts";

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

export function ago(iso: string | undefined, now: number): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const n = (v: number, unit: string) => `${v} ${unit}${v === 1 ? "" : "s"}`;
  if (s < 1) return "less than a second";
  if (s < 60) return n(s, "second");
  if (s < 3600) return n(Math.floor(s / 60), "minute");
  if (s < 86400) return n(Math.floor(s / 3600), "hour");
  return n(Math.floor(s / 86400), "day");
}

export function statusText(c: ContainerRecord, now = Date.now()): string {
  const health = c.health === "none" ? "" : ` (${c.health})`;
  switch (c.status) {
    case "running":
      return `Up ${ago(c.startedAt, now)}${health}`;
    case "paused":
      return `Up ${ago(c.startedAt, now)} (paused)`;
    case "exited":
    case "dead":
      return `Exited (${c.exitCode ?? "unknown"})${c.finishedAt ? ` ${ago(c.finishedAt, now)} ago` : ""}`;
    case "restarting":
      return `Restarting (${c.exitCode ?? "unknown"})${c.finishedAt ? ` ${ago(c.finishedAt, now)} ago` : ""}`;
    default:
      return "Created";
  }
}

export function portsText(c: ContainerRecord): string {
  return (c.ports ?? []).map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(", ");
}

export interface PsRenderRow extends ContainerRecord {
  command?: string;
  createdAt?: string;
}

/** docker's COMMAND cell: quoted, cut to 20 characters with an ellipsis unless --no-trunc. */
export function commandCell(command: string, noTrunc = false): string {
  return JSON.stringify(!noTrunc && command.length > 20 ? `${command.slice(0, 19)}…` : command);
}

/** docker compose ps's columns: NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS. */
export function renderPs(rows: PsRenderRow[], now = Date.now(), o: { noTrunc?: boolean } = {}): string {
  // what the status cannot say (OOM, a lost monitor, a namespace gone), one line per container below
  const notes = rows.filter((c) => c.note).map((c) => `${c.name}: ${c.note}\n`);
  return (
    table(
      ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"],
      rows.map((c) => [c.name, c.image, commandCell(c.command ?? "", o.noTrunc), c.service, c.createdAt ? `${ago(c.createdAt, now)} ago` : "", statusText(c, now), portsText(c)]),
    ) + notes.join("")
  );
}

export function renderProjects(projects: Array<{ name: string; configFiles: string[]; counts: Record<string, number> }>): string {
  return table(
    ["NAME", "STATUS", "CONFIG FILES"],
    projects.map((p) => [
      p.name,
      Object.entries(p.counts)
        .map(([s, n]) => `${s}(${n})`)
        .join(", ") || "empty",
      p.configFiles.join(","),
    ]),
  );
}

export function eventLine(e: ProjectEvent): string {
  const attrs = [e.service ? `service=${e.service}` : "", e.exitCode !== undefined ? `exitCode=${e.exitCode}` : "", e.detail ? `detail=${e.detail}` : ""]
    .filter(Boolean)
    .join(", ");
  return `${e.time} container ${e.action} ${e.container ?? e.project}${attrs ? ` (${attrs})` : ""}`;
}
