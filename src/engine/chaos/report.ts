/**
 * What happened after a chaos action (pure): read from the supervisor's event log between the
 * action and the end of the watch — the restarts its restart policies made, the health
 * transitions, the services depending on the target that were affected, and how long until every
 * target container ran (healthy, when it has a healthcheck) again.
 */
import type { ProjectEvent } from "../state/project-store.ts";

export interface ChaosReport {
  project: string;
  action: string;
  service: string;
  /** the containers acted on */
  targets: string[];
  /** when the action was done (ISO) */
  at: string;
  /** the events of the project after it, in order */
  events: Array<Pick<ProjectEvent, "time" | "container" | "service" | "action" | "exitCode" | "detail">>;
  /** restarts by the restart policy, per container */
  restarts: Record<string, number>;
  /** health status changes, in order */
  health: Array<{ container: string; status: string; time: string }>;
  /** services that depend on the target's and had events meanwhile */
  dependentsAffected: string[];
  /** ms from the action until every target ran again; null when not within the watch */
  recoveredAfterMs: number | null;
  /** what the action left changed (a network fault, a filled disk) and was undone */
  undone?: string;
}

export interface ReportInput {
  project: string;
  action: string;
  service: string;
  targets: string[];
  at: number;
  events: ProjectEvent[];
  /** services that depend (directly or not) on the target service */
  dependents: string[];
  recoveredAt?: number;
  undone?: string;
}

export function chaosReport(i: ReportInput): ChaosReport {
  const after = i.events.filter((e) => Date.parse(e.time) >= i.at);
  const restarts: Record<string, number> = {};
  for (const e of after) if (e.action === "restart" && e.container) restarts[e.container] = (restarts[e.container] ?? 0) + 1;
  return {
    project: i.project,
    action: i.action,
    service: i.service,
    targets: i.targets,
    at: new Date(i.at).toISOString(),
    events: after.map((e) => ({
      time: e.time,
      ...(e.container ? { container: e.container } : {}),
      ...(e.service ? { service: e.service } : {}),
      action: e.action,
      ...(e.exitCode === undefined ? {} : { exitCode: e.exitCode }),
      ...(e.detail ? { detail: e.detail } : {}),
    })),
    restarts,
    health: after.filter((e) => e.action === "health_status" && e.container).map((e) => ({ container: e.container!, status: e.detail ?? "", time: e.time })),
    dependentsAffected: [...new Set(after.filter((e) => e.service && i.dependents.includes(e.service)).map((e) => e.service!))].sort(),
    recoveredAfterMs: i.recoveredAt === undefined ? null : Math.max(0, i.recoveredAt - i.at),
    ...(i.undone ? { undone: i.undone } : {}),
  };
}

/** Services that depend on `service`, directly or through others (compose depends_on). */
export function dependentsOf(services: Record<string, { depends_on?: Record<string, unknown> }>, service: string): string[] {
  const out = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, s] of Object.entries(services)) {
      if (out.has(name) || name === service) continue;
      if (Object.keys(s.depends_on ?? {}).some((d) => d === service || out.has(d))) {
        out.add(name);
        grew = true;
      }
    }
  }
  return [...out].sort();
}

/** The report as text, one fact a line. */
export function renderChaosReport(r: ChaosReport): string {
  const lines = [`chaos ${r.action} on ${r.service} (${r.targets.join(", ")}) at ${r.at}`];
  for (const e of r.events) lines.push(`  +${Date.parse(e.time) - Date.parse(r.at)}ms ${e.action} ${e.container ?? ""}${e.exitCode === undefined ? "" : ` exit ${e.exitCode}`}${e.detail ? ` (${e.detail})` : ""}`.trimEnd());
  const restarts = Object.entries(r.restarts);
  lines.push(`restarts: ${restarts.length ? restarts.map(([c, n]) => `${c} ×${n}`).join(", ") : "none"}`);
  lines.push(`health: ${r.health.length ? r.health.map((h) => `${h.container} ${h.status}`).join(", ") : "no change"}`);
  lines.push(`dependents affected: ${r.dependentsAffected.length ? r.dependentsAffected.join(", ") : "none"}`);
  lines.push(r.recoveredAfterMs === null ? "recovered: not within the watch" : `recovered after ${r.recoveredAfterMs} ms`);
  if (r.undone) lines.push(`undone: ${r.undone}`);
  return `${lines.join("\n")}\n`;
}
