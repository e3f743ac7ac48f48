/**
 * Project lifecycle beyond `up`, run by the supervisor: down (reverse dependency order, parallel
 * per level, stop signal then SIGKILL after the grace period, then remove), and the service verbs
 * stop / start / restart / kill / pause / unpause / rm, each over the named services or all.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { noSuchService } from "../../core/suggest.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { Project } from "../compose/model.ts";
import { dependencyLevels } from "../plan/graph.ts";
import type { ContainerRecord } from "../state/project-store.ts";
import type { ProjectSupervisor } from "../supervisor/supervisor.ts";
import { stopGraceMs } from "./container-spec.ts";

export type ServiceAction = "stop" | "start" | "restart" | "kill" | "pause" | "unpause" | "rm";

/** Containers grouped by dependency level of their service; services unknown to the project (orphans) form a level of their own first. */
function containerLevels(project: Project | undefined, containers: ContainerRecord[]): { orphans: ContainerRecord[]; levels: ContainerRecord[][] } {
  const levels = project ? dependencyLevels(project.services) : [];
  const known = new Set(levels.flat());
  return {
    orphans: containers.filter((c) => !known.has(c.service)),
    levels: levels.map((names) => containers.filter((c) => names.includes(c.service))).filter((l) => l.length > 0),
  };
}

function selectContainers(sup: ProjectSupervisor, project: Project | undefined, services: string[]): ContainerRecord[] {
  const all = sup.containers();
  if (services.length === 0) return all;
  const known = new Set([...Object.keys(project?.services ?? {}), ...all.map((c) => c.service)]);
  for (const s of services) {
    if (!known.has(s)) throw noSuchService(s, [...known].sort());
  }
  return all.filter((c) => services.includes(c.service));
}

/**
 * The named services and, transitively, every service depending on one of them with
 * `depends_on.<dep>.restart: true`: what `restart` of the named ones restarts (compose-spec
 * depends_on.restart; docker compose restart includes those dependents the same way).
 */
export function withRestartDependents(project: Project | undefined, services: string[]): string[] {
  const out = new Set(services);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, s] of Object.entries(project?.services ?? {})) {
      if (out.has(name)) continue;
      if (Object.entries(s.depends_on ?? {}).some(([dep, d]) => d.restart && out.has(dep))) {
        out.add(name);
        grew = true;
      }
    }
  }
  return [...out];
}

async function inParallel<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(items.map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

function grace(project: Project | undefined, c: ContainerRecord, timeoutMs: number | undefined): number {
  return timeoutMs ?? stopGraceMs(project?.services[c.service]);
}

export interface DownOptions {
  timeoutMs?: number;
  removeOrphans?: boolean;
}

/** Stops and removes the project's containers, dependents first. Returns the names removed. */
export async function downProject(sup: ProjectSupervisor, project: Project | undefined, o: DownOptions, reporter: Reporter): Promise<string[]> {
  const { orphans, levels } = containerLevels(project, sup.containers());
  const removed: string[] = [];
  const take = async (c: ContainerRecord) => {
    if (c.status === "running" || c.status === "paused") await sup.stop(c.name, grace(project, c, o.timeoutMs));
    await sup.remove(c.name);
    removed.push(c.name);
  };
  if (orphans.length > 0 && project) {
    if (o.removeOrphans) await inParallel(orphans, take);
    else reporter.emit({ type: "warning", message: `found orphan containers (${orphans.map((c) => c.name).join(", ")}); run down with --remove-orphans to remove them` });
  } else if (!project) {
    await inParallel(orphans, take);
  }
  for (const level of [...levels].reverse()) await inParallel(level, take);
  return removed.sort();
}

export interface ServiceOpOptions {
  services?: string[];
  /** only these containers, by name */
  containers?: string[];
  timeoutMs?: number;
  signal?: string;
  /** rm: stop running containers first */
  stop?: boolean;
  /** rm: remove their anonymous volumes too (compose rm -v) */
  volumes?: boolean;
  /** restart: only the named services, not their depends_on.restart dependents */
  noDeps?: boolean;
}

/** Applies a service verb; returns the containers it acted on. */
export async function serviceOp(
  sup: ProjectSupervisor,
  project: Project | undefined,
  action: ServiceAction,
  o: ServiceOpOptions,
  reporter: Reporter,
): Promise<string[]> {
  const services = action === "restart" && !o.containers?.length && !o.noDeps ? withRestartDependents(project, o.services ?? []) : (o.services ?? []);
  let selected = selectContainers(sup, project, services);
  if (o.containers?.length) {
    const missing = o.containers.filter((n) => !selected.some((c) => c.name === n));
    if (missing.length > 0) throw new InvalidInputError(`no such container in project "${sup.project}": ${missing.join(", ")}`);
    selected = selected.filter((c) => o.containers!.includes(c.name));
  }
  const { orphans, levels } = containerLevels(project, selected);
  const ordered = [orphans, ...levels].filter((l) => l.length > 0);
  const forward = ordered;
  const reverse = [...ordered].reverse();
  const acted: string[] = [];
  const each = async (order: ContainerRecord[][], fn: (c: ContainerRecord) => Promise<boolean>) => {
    for (const level of order) {
      await inParallel(level, async (c) => {
        if (await fn(c)) acted.push(c.name);
      });
    }
  };
  const running = (c: ContainerRecord) => c.status === "running" || c.status === "paused";
  switch (action) {
    case "stop":
      // a container waiting out its restart backoff counts as running: stopping it cancels the
      // restart and keeps it down (docker compose stops a "restarting" container the same way)
      await each(reverse, async (c) => (running(c) || c.status === "restarting" || sup.isWatching(c.name) ? (await sup.stop(c.name, grace(project, c, o.timeoutMs)), true) : false));
      break;
    case "start":
      await each(forward, async (c) => (running(c) ? false : (await sup.start(c.name), true)));
      break;
    case "restart":
      await each(reverse, async (c) => (running(c) ? (await sup.stop(c.name, grace(project, c, o.timeoutMs)), false) : false));
      await each(forward, async (c) => (await sup.start(c.name), true));
      break;
    case "kill":
      await each(reverse, async (c) => (running(c) ? (await sup.kill(c.name, o.signal ?? "SIGKILL"), true) : false));
      break;
    case "pause":
      await each(reverse, async (c) => (c.status === "running" ? (await sup.pause(c.name), true) : false));
      break;
    case "unpause":
      await each(forward, async (c) => (c.status === "paused" ? (await sup.unpause(c.name), true) : false));
      break;
    case "rm": {
      const skipped = selected.filter((c) => running(c) && !o.stop).map((c) => c.name);
      if (skipped.length > 0) reporter.emit({ type: "warning", message: `not removing running containers (${skipped.join(", ")}); stop them first or use --stop` });
      await each(reverse, async (c) => {
        if (running(c)) {
          if (!o.stop) return false;
          await sup.stop(c.name, grace(project, c, o.timeoutMs));
        }
        await sup.remove(c.name, { volumes: o.volumes === true });
        return true;
      });
      break;
    }
  }
  return acted.sort();
}
