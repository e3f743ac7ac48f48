/**
 * Applies a reconcile plan through the project supervisor: level by level, the services of a
 * level in parallel, each first waiting for its depends_on conditions, then its actions in
 * parallel. A failure stops later levels (their services are never started); actions already
 * running in the failing level are let finish, so state stays consistent.
 * `waitReady` is `up --wait`: every service running, or healthy when it has a healthcheck.
 */
import type { Reporter } from "../../core/reporter.ts";
import { RuntimeFailure } from "../../core/errors.ts";
import type { DependsOn, Project } from "../compose/model.ts";
import type { Plan } from "../plan/plan.ts";
import type { ContainerSpec } from "../runtime/types.ts";
import type { Clock } from "../supervisor/clock.ts";
import { waitForDependencies } from "../supervisor/dependencies.ts";
import type { ProjectSupervisor } from "../supervisor/supervisor.ts";
import { containerSpec, stopGraceMs } from "./container-spec.ts";
import type { Action, ReconcilePlan } from "./reconcile.ts";

export interface ApplyContext {
  project: Project;
  plan: Plan;
  supervisor: ProjectSupervisor;
  clock: Clock;
  reporter: Reporter;
  /** clock ms after which dependency waits fail (up --wait-timeout) */
  deadline?: number;
  signal?: AbortSignal;
  /** stop timeout override (-t) */
  timeoutMs?: number;
  /** create (or recreate) containers without starting them (up --no-start, create) */
  noStart?: boolean;
  specFor?: (project: Project, action: Extract<Action, { configHash: string }>) => ContainerSpec;
  /** up -V: recreated containers get new anonymous volumes instead of the old ones' */
  renewAnonVolumes?: boolean;
}

function defaultSpec(project: Project, a: Extract<Action, { configHash: string }>): ContainerSpec {
  return containerSpec(project, a.service, a.replica, a.container, a.configHash);
}

async function settleAll(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

export async function applyPlan(rplan: ReconcilePlan, ctx: ApplyContext): Promise<void> {
  for (const w of rplan.warnings) ctx.reporter.emit({ type: "warning", message: w });
  for (const step of rplan.steps) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    const byService = new Map<string, Action[]>();
    for (const a of step.actions) byService.set(a.service, [...(byService.get(a.service) ?? []), a]);
    await settleAll([...byService].map(([service, actions]) => applyService(service, actions, step.level < 0, ctx)));
  }
}

async function applyService(service: string, actions: Action[], orphan: boolean, ctx: ApplyContext): Promise<void> {
  const starts = actions.some((a) => a.kind !== "keep" && a.kind !== "remove");
  if (!orphan && starts && !ctx.noStart) {
    const dependsOn = ctx.plan.services[service]?.depends_on ?? {};
    if (Object.keys(dependsOn).length > 0) {
      const warnings = await waitForDependencies({
        service,
        dependsOn,
        view: (s) => (ctx.plan.services[s] ? ctx.supervisor.view(s) : undefined),
        changes: ctx.supervisor.changes,
        clock: ctx.clock,
        deadline: ctx.deadline,
        signal: ctx.signal,
        onWaiting: (deps) =>
          ctx.reporter.emit({ type: "progress", id: service, action: `waiting for ${deps.map((d) => `${d.dependency} (${d.reason})`).join(", ")}` }),
      });
      for (const message of warnings) ctx.reporter.emit({ type: "warning", message });
    }
  }
  // surplus replicas go first so a scale-down frees what it holds before anything new starts
  const removals = actions.filter((a) => a.kind === "remove");
  await settleAll(removals.map((a) => applyAction(a, ctx)));
  await settleAll(actions.filter((a) => a.kind !== "remove").map((a) => applyAction(a, ctx)));
}

async function applyAction(a: Action, ctx: ApplyContext): Promise<void> {
  const sup = ctx.supervisor;
  const grace = ctx.timeoutMs ?? stopGraceMs(ctx.project.services[a.service]);
  const spec = ctx.specFor ?? defaultSpec;
  switch (a.kind) {
    case "keep": {
      const rec = sup.containers().find((c) => c.name === a.container);
      if (rec && !sup.isWatching(a.container)) sup.watch(rec);
      // say so, as compose prints "Container x Running": an unchanged up is not a silent one
      ctx.reporter.emit({ type: "container", action: "running", container: a.container, service: a.service });
      return;
    }
    case "start":
      if (!ctx.noStart) await sup.start(a.container);
      return;
    case "restart":
      await sup.stop(a.container, grace);
      await sup.start(a.container);
      return;
    case "create":
      await sup.create(spec(ctx.project, a));
      if (!ctx.noStart) await sup.start(a.container);
      return;
    case "recreate": {
      // compose keeps a replaced container's anonymous volumes (and the image's VOLUMEs) by
      // handing them to its successor; -V renews them, and the old ones go with the old container
      const inherit = ctx.renewAnonVolumes ? undefined : await sup.anonymousVolumes(a.container);
      await sup.stop(a.container, grace);
      await sup.remove(a.container, { volumes: ctx.renewAnonVolumes === true });
      await sup.create({ ...spec(ctx.project, a), ...(inherit ? { inheritVolumes: inherit } : {}) });
      if (!ctx.noStart) await sup.start(a.container);
      return;
    }
    case "remove":
      await sup.stop(a.container, grace);
      await sup.remove(a.container);
      return;
  }
}

/** `up --wait`: every selected service running, and healthy when it has a healthcheck; fails naming the first that is not at the deadline. */
export async function waitReady(ctx: ApplyContext, hasHealthcheck: (service: string) => boolean): Promise<void> {
  const dependsOn: Record<string, DependsOn> = {};
  for (const [service, sp] of Object.entries(ctx.plan.services)) {
    if (sp.replicas === 0) continue;
    dependsOn[service] = { condition: hasHealthcheck(service) ? "service_healthy" : "service_started", required: true };
  }
  try {
    await waitForDependencies({
      service: "up --wait",
      dependsOn,
      view: (s) => ctx.supervisor.view(s),
      changes: ctx.supervisor.changes,
      clock: ctx.clock,
      deadline: ctx.deadline,
      signal: ctx.signal,
      onWaiting: (deps) => ctx.reporter.emit({ type: "progress", id: "wait", action: `waiting for ${deps.map((d) => `${d.dependency} (${d.reason})`).join(", ")}` }),
    });
  } catch (err) {
    if (err instanceof RuntimeFailure) {
      throw new RuntimeFailure(err.message.replace(/^service "up --wait": dependency /, "up --wait: service "), { code: err.code, hint: err.hint });
    }
    throw err;
  }
}
