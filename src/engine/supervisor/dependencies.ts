/**
 * depends_on conditions as a state machine (compose-spec services.depends_on; docker compose
 * pkg/compose/convergence.go waitDependencies):
 * - service_started: every replica of the dependency has been started;
 * - service_healthy: every replica is healthy; one that is unhealthy, has exited, or has no
 *   healthcheck fails the dependent at once, as compose does;
 * - service_completed_successfully: every replica has exited; exit 0 is done (not a failure,
 *   docker/compose#10596), any other code fails naming the dependency and the code;
 * - required: false: a missing or failed dependency is reported as a warning and does not block.
 * Waiting re-evaluates on every state change (a ChangeFeed) and gives up at an optional
 * deadline on an injected clock, naming the dependency that was not ready.
 */
import { RuntimeFailure } from "../../core/errors.ts";
import type { DependsOn } from "../compose/model.ts";
import type { ContainerStatus } from "../runtime/types.ts";
import type { ChangeFeed } from "./change-feed.ts";
import type { Clock } from "./clock.ts";

export type Health = "none" | "starting" | "healthy" | "unhealthy";

export interface ReplicaView {
  container: string;
  status: ContainerStatus;
  /** true once the container has been started at least once */
  started: boolean;
  exitCode?: number;
  health: Health;
}

export interface ServiceView {
  /** false when the service is not in the project or not being run (profile, --no-deps) */
  exists: boolean;
  replicas: ReplicaView[];
}

export type DependencyState =
  | { state: "satisfied"; warning?: string }
  | { state: "waiting"; reason: string }
  | { state: "failed"; message: string };

const CONDITION_WORD: Record<DependsOn["condition"], string> = {
  service_started: "start",
  service_healthy: "become healthy",
  service_completed_successfully: "complete",
};

export function evaluateDependency(dependent: string, dep: string, spec: DependsOn, view: ServiceView | undefined): DependencyState {
  const result = evaluateCondition(dep, spec, view);
  if (spec.required === false && result.state === "failed") {
    return { state: "satisfied", warning: `service "${dependent}": optional dependency ${result.message}; starting anyway` };
  }
  return result;
}

function evaluateCondition(dep: string, spec: DependsOn, view: ServiceView | undefined): DependencyState {
  if (!view || !view.exists) return { state: "failed", message: `"${dep}" is not part of this run` };
  if (view.replicas.length === 0) return { state: "waiting", reason: `"${dep}" has no container yet` };
  switch (spec.condition) {
    case "service_started": {
      const pending = view.replicas.find((r) => !r.started);
      return pending ? { state: "waiting", reason: `${pending.container} is ${pending.status}` } : { state: "satisfied" };
    }
    case "service_healthy": {
      for (const r of view.replicas) {
        if (r.health === "none") return { state: "failed", message: `"${dep}" has no healthcheck (container ${r.container})` };
        if (r.health === "unhealthy") return { state: "failed", message: `"${dep}" is unhealthy (container ${r.container})` };
        if (r.started && (r.status === "exited" || r.status === "dead")) {
          return { state: "failed", message: `"${dep}" exited with code ${r.exitCode ?? "unknown"} (container ${r.container})` };
        }
      }
      const pending = view.replicas.find((r) => r.health !== "healthy");
      return pending ? { state: "waiting", reason: `${pending.container} is ${pending.health}` } : { state: "satisfied" };
    }
    case "service_completed_successfully": {
      for (const r of view.replicas) {
        if (r.started && (r.status === "exited" || r.status === "dead") && r.exitCode !== 0) {
          return { state: "failed", message: `"${dep}" didn't complete successfully: exit ${r.exitCode ?? "unknown"} (container ${r.container})` };
        }
      }
      const pending = view.replicas.find((r) => !(r.started && r.status === "exited"));
      return pending ? { state: "waiting", reason: `${pending.container} is ${pending.status}` } : { state: "satisfied" };
    }
  }
}

export interface WaitDependenciesOptions {
  service: string;
  dependsOn: Record<string, DependsOn>;
  view: (service: string) => ServiceView | undefined;
  changes: ChangeFeed;
  clock: Clock;
  /** absolute time (clock ms) after which waiting fails; none = wait as long as it takes */
  deadline?: number;
  signal?: AbortSignal;
  /** called with the dependencies still being waited for, whenever that changes (live status) */
  onWaiting?: (waitingFor: Array<{ dependency: string; reason: string }>) => void;
}

/** Resolves with warnings once every dependency is satisfied; throws a RuntimeFailure naming the one that failed or timed out. */
export async function waitForDependencies(o: WaitDependenciesOptions): Promise<string[]> {
  let lastWaiting = "";
  for (;;) {
    const warnings: string[] = [];
    const waiting: Array<{ dependency: string; reason: string }> = [];
    for (const [dep, spec] of Object.entries(o.dependsOn)) {
      const s = evaluateDependency(o.service, dep, spec, o.view(dep));
      if (s.state === "failed") {
        throw new RuntimeFailure(`service "${o.service}": dependency ${s.message}`, { code: "dependency_failed" });
      }
      if (s.state === "waiting") waiting.push({ dependency: dep, reason: s.reason });
      else if (s.warning) warnings.push(s.warning);
    }
    if (waiting.length === 0) return warnings;
    const key = JSON.stringify(waiting);
    if (key !== lastWaiting) {
      lastWaiting = key;
      o.onWaiting?.(waiting);
    }
    if (o.deadline !== undefined && o.clock.now() >= o.deadline) {
      const first = waiting[0]!;
      const condition = o.dependsOn[first.dependency]!.condition;
      throw new RuntimeFailure(
        `service "${o.service}": dependency "${first.dependency}" did not ${CONDITION_WORD[condition]} in time (${first.reason})`,
        { code: "dependency_timeout", hint: "raise --wait-timeout, or check the dependency with `kitten logs` and `kitten ps`" },
      );
    }
    await nextChangeOrDeadline(o);
  }
}

async function nextChangeOrDeadline(o: WaitDependenciesOptions): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(o.signal!.reason);
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const waits: Promise<void>[] = [o.changes.next(stop.signal)];
    if (o.deadline !== undefined) waits.push(o.clock.sleep(Math.max(0, o.deadline - o.clock.now()), stop.signal));
    await Promise.race(waits);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    if (!stop.signal.aborted) stop.abort();
  }
  if (o.signal?.aborted) throw o.signal.reason;
}
