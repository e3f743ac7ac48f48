/**
 * The reconcile planner (pure, no I/O): desired state (the Project, its dependency levels and the
 * resolved image ids) against observed state (the runtime's containers) gives ordered, levelled
 * actions, as docker compose's convergence does (pkg/compose/convergence.go):
 * - a running container whose config hash matches is left alone; a stopped one is started;
 * - a changed hash (or --force-recreate) recreates the container under the same name;
 * - missing replicas are created, surplus ones removed, highest replica number first;
 * - containers of services no longer in the file are orphans: warned about, or removed with
 *   --remove-orphans (before anything else, like compose);
 * - naming services selects them plus their dependencies, or only them with --no-deps.
 * Actions of one level run in parallel; levels run in dependency order.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { replicasOf, type Project } from "../compose/model.ts";
import type { ContainerState } from "../runtime/types.ts";
import { serviceConfigHash } from "./config-hash.ts";

export type RecreateReason = "config changed" | "forced";

export type Action =
  | { kind: "create"; service: string; replica: number; container: string; configHash: string }
  | { kind: "recreate"; service: string; replica: number; container: string; configHash: string; reason: RecreateReason }
  | { kind: "start"; service: string; replica: number; container: string }
  | { kind: "keep"; service: string; replica: number; container: string }
  | { kind: "remove"; service: string; replica?: number; container: string; reason: "surplus" | "orphan" };

export interface PlanStep {
  /** dependency level (0 = no dependencies); -1 for the orphan clean-up that runs first */
  level: number;
  actions: Action[];
}

export interface ReconcilePlan {
  project: string;
  steps: PlanStep[];
  /** names of containers whose service is no longer in the project */
  orphans: string[];
  warnings: string[];
}

export interface ReconcileInput {
  project: Project;
  /** service names per dependency level, from dependencyLevels(project) */
  levels: string[][];
  /** resolved image id per service (missing: the image is not known yet, hashed as such) */
  imageIds: Record<string, string>;
  observed: ContainerState[];
}

export interface ReconcileOptions {
  /** services named on the command line; empty or absent means all */
  services?: string[];
  noDeps?: boolean;
  forceRecreate?: boolean;
  removeOrphans?: boolean;
  /** --scale svc=N, over deploy.replicas */
  scale?: Record<string, number>;
}

/** `<project>-<service>-<n>`, or container_name (then only one replica is possible). */
export function containerName(project: Project, service: string, replica: number): string {
  const explicit = project.services[service]?.container_name;
  return explicit ?? `${project.name}-${service}-${replica}`;
}

export function desiredReplicas(project: Project, service: string, scale: Record<string, number> = {}): number {
  const svc = project.services[service];
  if (!svc) return 0;
  const n = scale[service] ?? replicasOf(svc);
  if (n > 1 && svc.container_name) {
    throw new InvalidInputError(`service "${service}": container_name "${svc.container_name}" cannot be used with ${n} replicas`, {
      hint: "remove container_name or keep the service at one replica",
    });
  }
  return n;
}

/** The named services plus, unless noDeps, everything they depend on (transitively). */
export function selectServices(project: Project, names: string[] | undefined, noDeps = false): Set<string> {
  if (!names || names.length === 0) return new Set(Object.keys(project.services));
  const selected = new Set<string>();
  const visit = (name: string) => {
    if (selected.has(name)) return;
    if (!project.services[name]) {
      throw new InvalidInputError(`no such service: "${name}"`, { hint: `services are: ${Object.keys(project.services).sort().join(", ")}` });
    }
    selected.add(name);
    if (noDeps) return;
    for (const dep of Object.keys(project.services[name]?.depends_on ?? {})) if (project.services[dep]) visit(dep);
  };
  for (const n of names) visit(n);
  return selected;
}

export function planReconcile(input: ReconcileInput, options: ReconcileOptions = {}): ReconcilePlan {
  const { project, levels, imageIds } = input;
  for (const [svc, n] of Object.entries(options.scale ?? {})) {
    if (!project.services[svc]) throw new InvalidInputError(`--scale: no such service: "${svc}"`);
    if (!Number.isInteger(n) || n < 0) throw new InvalidInputError(`--scale: replicas of "${svc}" must be a whole number ≥ 0`);
  }
  const selected = selectServices(project, options.services, options.noDeps);
  const observed = input.observed.filter((c) => c.project === project.name && c.service !== undefined);
  const byService = new Map<string, ContainerState[]>();
  for (const c of observed) {
    const list = byService.get(c.service!) ?? [];
    list.push(c);
    byService.set(c.service!, list);
  }

  const orphans = observed
    .filter((c) => !project.services[c.service!])
    .map((c) => c.name)
    .sort();
  const warnings: string[] = [];
  const steps: PlanStep[] = [];
  if (orphans.length > 0) {
    if (options.removeOrphans) {
      const actions: Action[] = observed
        .filter((c) => !project.services[c.service!])
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) => ({ kind: "remove", service: c.service!, replica: c.replica, container: c.name, reason: "orphan" }));
      steps.push({ level: -1, actions });
    } else {
      warnings.push(
        `found orphan containers (${orphans.join(", ")}) for project "${project.name}"; run up with --remove-orphans to remove them`,
      );
    }
  }

  const levelled = new Set(levels.flat());
  const allLevels = [...levels];
  const unlevelled = [...selected].filter((s) => !levelled.has(s)).sort();
  if (unlevelled.length > 0) allLevels.push(unlevelled);

  allLevels.forEach((services, level) => {
    const actions: Action[] = [];
    for (const service of [...services].sort()) {
      if (!selected.has(service)) continue;
      actions.push(...serviceActions(project, service, byService.get(service) ?? [], imageIds[service], options));
    }
    if (actions.length > 0) steps.push({ level, actions });
  });
  return { project: project.name, steps, orphans, warnings };
}

function serviceActions(
  project: Project,
  service: string,
  existing: ContainerState[],
  imageId: string | undefined,
  options: ReconcileOptions,
): Action[] {
  const want = desiredReplicas(project, service, options.scale);
  const hash = serviceConfigHash(project.services[service]!, imageId);
  const actions: Action[] = [];
  const byReplica = new Map<number, ContainerState>();
  const surplus: ContainerState[] = [];
  for (const c of existing) {
    const r = c.replica ?? 1;
    if (r > want || r < 1 || byReplica.has(r)) surplus.push(c);
    else byReplica.set(r, c);
  }
  // highest replica numbers go first, as compose scales down
  surplus.sort((a, b) => (b.replica ?? 0) - (a.replica ?? 0) || b.name.localeCompare(a.name));
  for (const c of surplus) actions.push({ kind: "remove", service, replica: c.replica, container: c.name, reason: "surplus" });
  for (let replica = 1; replica <= want; replica++) {
    const c = byReplica.get(replica);
    const container = c?.name ?? containerName(project, service, replica);
    if (!c) actions.push({ kind: "create", service, replica, container, configHash: hash });
    else if (options.forceRecreate) actions.push({ kind: "recreate", service, replica, container, configHash: hash, reason: "forced" });
    else if (c.configHash !== hash) actions.push({ kind: "recreate", service, replica, container, configHash: hash, reason: "config changed" });
    else if (c.status === "running" || c.status === "paused") actions.push({ kind: "keep", service, replica, container });
    else actions.push({ kind: "start", service, replica, container });
  }
  return actions;
}

/** True when applying the plan would change nothing. */
export function isNoop(plan: ReconcilePlan): boolean {
  return plan.steps.every((s) => s.actions.every((a) => a.kind === "keep"));
}
