/**
 * The start plan of a project (`up`, `up --dry-run`): which services, in which dependency
 * levels, with how many replicas and which container names. Pure, no I/O — the orchestration
 * compares it with observed state; `up --dry-run` prints it as it is.
 */
import { serviceImage } from "../compose/build.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { noSuchService } from "../../core/suggest.ts";
import { replicasOf, type DependsOn, type Project, type Service } from "../compose/model.ts";
import { dependencyLevels } from "./graph.ts";

export interface PlanOptions {
  /** start only these services — plus their dependencies, as `docker compose up svc` does */
  services?: string[];
  /** with `services`: leave the dependencies out (`--no-deps`) */
  noDeps?: boolean;
  /** replicas per service, overriding deploy.replicas (`--scale svc=N`) */
  scale?: Record<string, number>;
}

export interface ServicePlan {
  /** container names, `<project>-<service>-<n>` with n from 1, or the service's container_name */
  containers: string[];
  replicas: number;
  image?: string;
  /** the service's dependencies that are part of this plan */
  depends_on: Record<string, DependsOn>;
}

export interface Plan {
  project: string;
  /** service names per level; a level's services depend only on earlier levels; each sorted */
  levels: string[][];
  /** by service name, sorted */
  services: Record<string, ServicePlan>;
}

export function planProject(project: Project, options: PlanOptions = {}): Plan {
  // Validate the whole graph first, so a cycle or unknown dependency is reported whatever the selection.
  const allLevels = dependencyLevels(project.services);
  const selected = selectServices(project, options);
  const scale = options.scale ?? {};
  for (const name of Object.keys(scale)) requireService(project, name, "--scale");

  const levels = allLevels.map((level) => level.filter((name) => selected.has(name))).filter((level) => level.length > 0);
  const services: Record<string, ServicePlan> = {};
  for (const name of [...selected].sort()) {
    const service = project.services[name]!;
    const replicas = scale[name] ?? replicasOf(service);
    const dependsOn = Object.entries(service.depends_on ?? {}).filter(([dep]) => selected.has(dep));
    services[name] = {
      containers: containerNames(project.name, name, service, replicas),
      replicas,
      ...(serviceImage(project.name, name, service) === undefined ? {} : { image: serviceImage(project.name, name, service) }),
      depends_on: Object.fromEntries(dependsOn),
    };
  }
  return { project: project.name, levels, services };
}

/** `<project>-<service>-<n>` for each replica, or container_name for a single one. */
export function containerNames(project: string, name: string, service: Service, replicas: number): string[] {
  if (service.container_name !== undefined) {
    if (replicas > 1) {
      throw new InvalidInputError(`service "${name}" has container_name "${service.container_name}" and cannot run ${replicas} replicas`, {
        code: "container_name_replicas",
        hint: "remove container_name, or run one replica",
      });
    }
    return replicas === 1 ? [service.container_name] : [];
  }
  return Array.from({ length: replicas }, (_, i) => `${project}-${name}-${i + 1}`);
}

/** The selected services and, unless noDeps, everything they depend on that the project has. */
function selectServices(project: Project, options: PlanOptions): Set<string> {
  if (!options.services || options.services.length === 0) return new Set(Object.keys(project.services));
  const selected = new Set<string>();
  const pending = options.services.map((name) => requireService(project, name, "service"));
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (selected.has(name)) continue;
    selected.add(name);
    if (options.noDeps) continue;
    // An absent `required: false` dependency is skipped (compose-spec depends_on.required).
    for (const dep of Object.keys(project.services[name]!.depends_on ?? {})) {
      if (Object.hasOwn(project.services, dep)) pending.push(dep);
    }
  }
  return selected;
}

function requireService(project: Project, name: string, what: string): string {
  if (Object.hasOwn(project.services, name)) return name;
  throw noSuchService(name, Object.keys(project.services), what === "--scale" ? "--scale takes <service>=<replicas>" : "run `kitten config --services` to list the services");
}
