/**
 * The reconcile planner (pure, no I/O): desired state (the Project, its dependency levels and the
 * resolved image ids) against observed state (the runtime's containers) gives ordered, levelled
 * actions, as docker compose's convergence does (pkg/compose/convergence.go):
 * - a running container whose config hash matches is left alone; a stopped one is started;
 * - a changed hash (or --force-recreate of its service) recreates the container under the same
 *   name; --no-recreate keeps it (starting it when stopped);
 * - a container in another service's network namespace (network_mode service:X) is recreated
 *   when X's first container is created or recreated: the namespace it joined is gone (compose
 *   does the same);
 * - a running container whose dependency was created, recreated or restarted, with
 *   `depends_on.<dep>.restart: true`, is restarted after it (compose-spec depends_on.restart);
 * - missing replicas are created, surplus ones removed, highest replica number first;
 * - containers of services no longer in the file are orphans: warned about, or removed with
 *   --remove-orphans (before anything else, like compose);
 * Selection (named services, --no-deps), --scale and container names come from planProject.
 * Actions of one level run in parallel; levels run in dependency order.
 */
import type { Project } from "../compose/model.ts";
import type { Plan } from "../plan/plan.ts";
import type { ContainerState } from "../runtime/types.ts";
import { serviceConfigHash } from "./config-hash.ts";

export type RecreateReason = "config changed" | "forced" | `service:${string} recreated`;

export type Action =
  | { kind: "create"; service: string; replica: number; container: string; configHash: string }
  | { kind: "recreate"; service: string; replica: number; container: string; configHash: string; reason: RecreateReason }
  | { kind: "start"; service: string; replica: number; container: string }
  | { kind: "restart"; service: string; replica: number; container: string; reason: `${string} updated` }
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
  /** planProject(project, {services, noDeps, scale}): selection, levels, replicas, container names */
  plan: Plan;
  /** resolved image id per service (missing: the image is not known yet, hashed as such) */
  imageIds: Record<string, string>;
  observed: ContainerState[];
}

export interface ReconcileOptions {
  /** recreate unchanged containers: all (true) or only these services' (up --force-recreate web) */
  forceRecreate?: boolean | string[];
  /** keep existing containers even when their configuration changed (up --no-recreate) */
  noRecreate?: boolean;
  removeOrphans?: boolean;
}

function forced(options: ReconcileOptions, service: string): boolean {
  const f = options.forceRecreate;
  return Array.isArray(f) ? f.includes(service) : Boolean(f);
}

export function planReconcile(input: ReconcileInput, options: ReconcileOptions = {}): ReconcilePlan {
  const { project, plan, imageIds } = input;
  const observed = input.observed.filter((c) => c.project === project.name && c.service !== undefined);
  const byService = new Map<string, ContainerState[]>();
  for (const c of observed) {
    const list = byService.get(c.service!) ?? [];
    list.push(c);
    byService.set(c.service!, list);
  }

  const orphanContainers = observed.filter((c) => !project.services[c.service!]).sort((a, b) => a.name.localeCompare(b.name));
  const orphans = orphanContainers.map((c) => c.name);
  const warnings: string[] = [];
  const steps: PlanStep[] = [];
  if (orphans.length > 0) {
    if (options.removeOrphans) {
      const actions: Action[] = orphanContainers.map((c) => ({ kind: "remove", service: c.service!, replica: c.replica, container: c.name, reason: "orphan" }));
      steps.push({ level: -1, actions });
    } else {
      warnings.push(
        `found orphan containers (${orphans.join(", ")}) for project "${project.name}"; run up with --remove-orphans to remove them`,
      );
    }
  }

  // services whose first container gets a new network namespace in this plan
  const renewed = new Set<string>();
  // services with a container created, recreated or restarted in this plan
  const updated = new Set<string>();
  plan.levels.forEach((services, level) => {
    const actions: Action[] = [];
    for (const service of services) {
      const sp = plan.services[service];
      if (!sp) continue;
      const hash = serviceConfigHash(project.services[service]!, imageIds[service], project);
      const joined = project.services[service]!.network_mode?.match(/^service:(.+)$/)?.[1];
      const joinedRenewed = joined !== undefined && renewed.has(joined) ? joined : undefined;
      let own = serviceActions(service, sp.containers, byService.get(service) ?? [], hash, options, joinedRenewed);
      const restartFor = Object.entries(sp.depends_on).find(([dep, d]) => d.restart && updated.has(dep))?.[0];
      if (restartFor) {
        own = own.map((a) => (a.kind === "keep" ? { kind: "restart", service, replica: a.replica, container: a.container, reason: `${restartFor} updated` } : a));
      }
      if (own.some((a) => (a.kind === "create" || a.kind === "recreate") && a.replica === 1)) renewed.add(service);
      if (own.some((a) => a.kind === "create" || a.kind === "recreate" || a.kind === "restart")) updated.add(service);
      actions.push(...own);
    }
    if (actions.length > 0) steps.push({ level, actions });
  });
  return { project: project.name, steps, orphans, warnings };
}

function serviceActions(service: string, names: string[], existing: ContainerState[], hash: string, options: ReconcileOptions, joinedRenewed?: string): Action[] {
  const want = names.length;
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
    const container = c?.name ?? names[replica - 1]!;
    if (!c) actions.push({ kind: "create", service, replica, container, configHash: hash });
    else if (forced(options, service)) actions.push({ kind: "recreate", service, replica, container, configHash: hash, reason: "forced" });
    else if (c.configHash !== hash && options.noRecreate) actions.push(c.status === "running" || c.status === "paused" ? { kind: "keep", service, replica, container } : { kind: "start", service, replica, container });
    else if (c.configHash !== hash) actions.push({ kind: "recreate", service, replica, container, configHash: hash, reason: "config changed" });
    else if (joinedRenewed) actions.push({ kind: "recreate", service, replica, container, configHash: hash, reason: `service:${joinedRenewed} recreated` });
    else if (c.status === "running" || c.status === "paused") actions.push({ kind: "keep", service, replica, container });
    else actions.push({ kind: "start", service, replica, container });
  }
  return actions;
}

/** True when applying the plan would change nothing. */
export function isNoop(plan: ReconcilePlan): boolean {
  return plan.steps.every((s) => s.actions.every((a) => a.kind === "keep"));
}
