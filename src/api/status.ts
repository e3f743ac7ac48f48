/**
 * How the API and the dashboard read a project's containers (pure). A service that ran once and
 * exited 0 without a restart policy that would bring it back is "done", not "exited": users of
 * Dockge asked for exactly this for years (louislam/dockge#11, #177, #474; PR #950 counts exit 0
 * as done), and compose's own `up --wait` treats such a service as completed.
 */
import type { Project } from "../engine/compose/model.ts";
import type { ContainerRecord } from "../engine/state/project-store.ts";
import type { ContainerView, Phase, ProjectStatus, ProjectSummary } from "./schemas.ts";

/** restart policies that start an exited container again even after exit 0 */
const RESTARTS_ON_SUCCESS = new Set(["always", "unless-stopped"]);

export function containerPhase(c: ContainerRecord, restart: string | undefined): Phase {
  switch (c.status) {
    case "created":
      return "created";
    case "paused":
      return "paused";
    case "restarting":
      // its restart policy brings it back after the backoff
      return "starting";
    case "running":
      if (c.health === "unhealthy") return "unhealthy";
      if (c.health === "starting") return "starting";
      return "running";
    default:
      if (c.manualStop) return "stopped";
      if (c.exitCode === 0 && !RESTARTS_ON_SUCCESS.has(restart ?? "no")) return "done";
      return c.exitCode === 0 ? "stopped" : "failed";
  }
}

export function containerView(c: ContainerRecord, project: Project | undefined): ContainerView {
  return { ...c, phase: containerPhase(c, project?.services[c.service]?.restart) };
}

export function projectStatus(phases: Phase[]): ProjectStatus {
  if (phases.length === 0) return "empty";
  const count = (p: Phase) => phases.filter((x) => x === p).length;
  const up = count("running") + count("starting") + count("unhealthy") + count("paused");
  if (count("failed") + count("unhealthy") > 0) return up > 0 ? "degraded" : "failed";
  if (count("starting") + count("created") > 0) return "starting";
  if (count("done") === phases.length) return "done";
  if (count("running") + count("done") + count("paused") === phases.length) return "running";
  return up > 0 ? "degraded" : "stopped";
}

export function portText(p: NonNullable<ContainerRecord["ports"]>[number]): string {
  return `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

/** One project as the dashboard lists it. */
export function projectSummary(
  record: { name: string; workingDir: string; configFiles: string[]; config?: unknown },
  containers: ContainerRecord[],
): ProjectSummary {
  const project = record.config as Project | undefined;
  const views = containers.map((c) => containerView(c, project));
  const phases = views.map((v) => v.phase);
  const services = [...new Set([...Object.keys(project?.services ?? {}), ...containers.map((c) => c.service)])].sort();
  return {
    name: record.name,
    status: projectStatus(phases),
    workingDir: record.workingDir,
    configFiles: record.configFiles,
    services,
    containers: {
      total: views.length,
      running: phases.filter((p) => p === "running" || p === "starting" || p === "unhealthy").length,
      done: phases.filter((p) => p === "done").length,
      failed: phases.filter((p) => p === "failed").length,
    },
    restarts: containers.reduce((n, c) => n + c.restarts, 0),
    health: {
      healthy: containers.filter((c) => c.health === "healthy").length,
      unhealthy: containers.filter((c) => c.health === "unhealthy").length,
      starting: containers.filter((c) => c.health === "starting").length,
    },
    ports: containers.flatMap((c) => (c.status === "running" ? (c.ports ?? []).map(portText) : [])),
  };
}
