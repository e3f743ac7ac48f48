/**
 * Evidence from the orchestration state: the supervisor's container records (status, exit code,
 * restarts, health and its probe log), the project's event log (oom, die, restart), each
 * container's log file, and what failed builds and starts recorded (failure-store.ts: a build
 * step that failed, a container that could not be created or started, a post_start hook).
 * `evidenceFromState` is the pure part; `stateEvidenceSource` reads them.
 */
import type { Project } from "../../engine/compose/model.ts";
import { lastRecords } from "../../engine/runtime/log-reader.ts";
import { ps, type ProjectEngineDeps } from "../../engine/orchestrate/project-api.ts";
import { openStateDb } from "../../engine/state/db.ts";
import { ProjectStore, type ContainerRecord, type ProjectEvent } from "../../engine/state/project-store.ts";
import { FailureStore, type StartFailure } from "../../engine/state/failure-store.ts";
import { resourceWarning } from "../../engine/runtime/container-mounts.ts";
import { resources } from "../../engine/orchestrate/runtime-keys-spec.ts";
import type { ContainerEvidence, DependencyState, EvidenceSource } from "./evidence.ts";
import { buildEvidence } from "./build-source.ts";

export const LOG_LINES = 50;

export interface StateSnapshot {
  project: Project;
  containers: ContainerRecord[];
  events: ProjectEvent[];
  /** the last lines of a container's log */
  logTail: (c: ContainerRecord) => string[];
  /** the last failed start of each service (create, start, post_start, pull, secrets) */
  starts?: StartFailure[];
  /** the runtime's warning when it does not enforce a service's resource limits */
  limitsWarning?: (service: string, container: string) => string | undefined;
}

/** A container worth diagnosing: it exited with an error, never started, keeps restarting, or is unhealthy. */
export function isFailing(c: ContainerRecord): boolean {
  return (c.status === "exited" && (c.exitCode ?? 0) !== 0) || c.status === "dead" || c.restarts > 0 || c.health === "unhealthy" || (c.status === "created" && c.exitCode !== undefined);
}

function dependencyStates(snapshot: StateSnapshot, service: string): DependencyState[] {
  const config = snapshot.project.services[service];
  return Object.entries(snapshot.project.services)
    .filter(([name]) => name !== service)
    .map(([name, svc]) => {
      const cs = snapshot.containers.filter((c) => c.service === name);
      const running = cs.find((c) => c.status === "running");
      const shown = running ?? cs[0];
      return {
        service: name,
        ...(svc.image ? { image: svc.image } : {}),
        state: shown ? shown.status : "missing",
        ...(shown && shown.health !== "none" ? { healthy: shown.health === "healthy" } : {}),
        ...(shown?.exitCode !== undefined && shown.status !== "running" ? { exitCode: shown.exitCode } : {}),
        ...(config?.depends_on?.[name] ? { condition: config.depends_on[name]!.condition } : {}),
      };
    });
}

export function evidenceFromState(snapshot: StateSnapshot, services: string[]): ContainerEvidence[] {
  const wanted = (service: string) => services.length === 0 || services.includes(service);
  const starts = (snapshot.starts ?? []).filter((f) => wanted(f.service));
  // a start failure names its container when there was one; pulls and secrets fail before any
  const startOf = (c: ContainerRecord) => starts.find((f) => f.service === c.service && (f.container === undefined || f.container === c.name));
  const fromRecords = snapshot.containers
    .filter((c) => (isFailing(c) || startOf(c) !== undefined) && wanted(c.service))
    .map((c): ContainerEvidence => {
      const start = startOf(c);
      const mine = snapshot.events.filter((e) => e.container === c.name);
      const lastFailedProbe = [...(c.healthLog ?? [])].reverse().find((p) => p.exitCode !== 0);
      const lastDie = mine.filter((e) => e.action === "die").at(-1);
      const lastDieAt = lastDie ? Date.parse(lastDie.time) : undefined;
      return {
        service: c.service,
        container: c.name,
        state: c.status,
        ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : lastDie?.exitCode !== undefined ? { exitCode: lastDie.exitCode } : {}),
        ...(c.exitCode === 137 || lastDie?.exitCode === 137 ? { signal: "SIGKILL" } : c.exitCode === 139 ? { signal: "SIGSEGV" } : {}),
        // an oom event belongs to the last death when it comes right before it
        oomKilled: mine.some((e) => e.action === "oom" && (lastDieAt === undefined || Math.abs(Date.parse(e.time) - lastDieAt) < 5000)),
        restartCount: c.restarts,
        restartTimes: mine.filter((e) => e.action === "restart").map((e) => Date.parse(e.time)),
        ...(start ? { startError: start.error, startPhase: start.phase } : {}),
        logs: snapshot.logTail(c),
        ...(c.health !== "none"
          ? { health: { status: c.health as "healthy" | "unhealthy" | "starting", ...(lastFailedProbe ? { lastOutput: lastFailedProbe.output, lastExitCode: lastFailedProbe.exitCode } : {}) } }
          : {}),
        ...limits(snapshot, c.service, c.name),
        config: snapshot.project.services[c.service] ?? { image: c.image, environment: {}, ports: [] },
        dependencies: dependencyStates(snapshot, c.service),
      };
    });
  // failures that left no container: a create that failed, a pull, the secrets
  const seen = new Set(fromRecords.map((e) => e.container));
  const withoutRecord = starts
    .filter((f) => !(f.container !== undefined ? seen.has(f.container) : fromRecords.some((e) => e.service === f.service)))
    .filter((f) => snapshot.project.services[f.service] !== undefined)
    .map(
      (f): ContainerEvidence => ({
        service: f.service,
        container: f.container ?? "",
        state: "not created",
        restartCount: 0,
        startError: f.error,
        startPhase: f.phase,
        logs: [],
        ...limits(snapshot, f.service, f.container ?? f.service),
        config: snapshot.project.services[f.service]!,
        dependencies: dependencyStates(snapshot, f.service),
      }),
    );
  return [...fromRecords, ...withoutRecord];
}

function limits(snapshot: StateSnapshot, service: string, container: string): { limitsNotEnforced?: string } {
  const warning = snapshot.limitsWarning?.(service, container);
  return warning ? { limitsNotEnforced: warning } : {};
}

/** The runtime's own word on whether a service's limits hold (the warning `up` gives). */
function limitsWarning(project: Project): (service: string, container: string) => string | undefined {
  return (service, container) => {
    const s = project.services[service];
    return s ? resourceWarning({ name: container, resources: resources(s) }) : undefined;
  };
}

/** Log records as lines: a partial record (no newline, "P" in k8s-file) continues in the next one of its stream. */
export function recordLines(records: { stream: string; text: string }[]): string[] {
  const lines: string[] = [];
  const open = new Map<string, string>();
  for (const r of records) {
    const text = (open.get(r.stream) ?? "") + r.text;
    if (text.endsWith("\n")) {
      lines.push(text.slice(0, -1));
      open.delete(r.stream);
    } else open.set(r.stream, text);
  }
  for (const rest of open.values()) if (rest) lines.push(rest);
  return lines;
}

function readLogTail(c: ContainerRecord, n = LOG_LINES): string[] {
  if (!c.logPath) return [];
  // from the end: a huge log costs only its last lines
  return recordLines(lastRecords(c.logPath, n)).slice(-n);
}

/** The evidence of a project as the supervisor last recorded it; `project` is the loaded config (else the one `up` applied). */
export function stateEvidenceSource(deps: ProjectEngineDeps, projectName: string, loaded?: Project): EvidenceSource {
  return {
    async gather(services) {
      const store = new ProjectStore(openStateDb(deps.paths));
      const applied = store.getProject(projectName)?.config as Project | undefined;
      const project = applied ?? loaded;
      if (!project) return [];
      const containers = await ps({ project: projectName, all: true }, deps);
      const events = store.listEvents({ project: projectName });
      const { starts } = new FailureStore(store.db).forProject(projectName);
      return evidenceFromState({ project, containers, events, logTail: (c) => readLogTail(c), starts, limitsWarning: limitsWarning(project) }, services);
    },
    async builds(services) {
      const store = new ProjectStore(openStateDb(deps.paths));
      const project = loaded ?? (store.getProject(projectName)?.config as Project | undefined);
      const { builds } = new FailureStore(store.db).forProject(projectName);
      // a service since removed from the file is no news
      const known = (b: { service?: string }) => !project || (b.service !== undefined && project.services[b.service] !== undefined);
      return builds.filter((b) => known(b) && (services.length === 0 || services.includes(b.service ?? ""))).map(buildEvidence);
    },
  };
}
