/**
 * Restart policies without a live supervisor: what conmon's exit command (`kitten __exited`,
 * run inside the namespace as the container exits) does for a project's container when no
 * supervisor runs. It decides as the supervisor would (restart-policy.ts: docker's policies and
 * backoff, the delay carried in the record), records the exit and the decision, waits out the
 * delay and restarts the container in place — or releases its ports when it stays down.
 *
 * The supervisor cannot be started from here: the exit command runs in the namespace's user
 * namespace, and a supervisor must run on the host (it binds host ports for the forwarders and
 * watches host processes). So the exit command applies the policy itself, and the next
 * supervisor carries on from the records: a container left "restarting" with `restartAt` is
 * restarted by it when due (supervisor.ts, adopt).
 *
 * Coordination is the supervisor lock (./claim.ts): held by a live supervisor (then this does
 * nothing: the supervisor's own watch sees the exit), or for a moment by one exit command.
 */
import type { HeldLock } from "../../core/file-lock.ts";
import type { ProjectStore } from "../state/project-store.ts";
import type { Clock } from "./clock.ts";
import { parseRestartPolicy, RestartTracker } from "./restart-policy.ts";

export interface ExitPolicyDeps {
  store: ProjectStore;
  project: string;
  /** the container's name */
  container: string;
  /** the exit as conmon recorded it (and whether the OOM killer acted in its cgroup) */
  exit: { code?: number; finishedAt: string; note?: string; oomKilled?: boolean };
  /** the supervisor lock, or undefined when a running supervisor handles it (claimSupervision) */
  claim(): Promise<HeldLock | undefined>;
  /** whether a supervisor holds the supervisor lock (starting or serving) */
  supervisorAnswers(): Promise<boolean>;
  /** the container's pid (as its namespace sees it) */
  restartInPlace(): Promise<number>;
  releasePorts(): Promise<void>;
  /** removes the supervisor lock file (a `down` took the project away while this waited: the claim made it again) */
  dropLock?(): void;
  clock: Clock;
}

export type ExitOutcome = "supervisor" | "unknown" | "left alone" | "stays down" | "restarted";

/** The restart policy text of a service in a stored project config, read without the schema. */
export function storedRestartPolicy(config: unknown, service: string): string | undefined {
  const services = (config as { services?: Record<string, { restart?: unknown }> } | null)?.services;
  const restart = services?.[service]?.restart;
  return typeof restart === "string" ? restart : undefined;
}

export async function applyExitPolicy(d: ExitPolicyDeps): Promise<ExitOutcome> {
  const iso = () => new Date(d.clock.now()).toISOString();
  const event = (action: "die" | "restart" | "start" | "oom", extra: { exitCode?: number; detail?: string } = {}) => {
    const rec = d.store.getContainer(d.container);
    d.store.appendEvent({ project: d.project, service: rec?.service, container: d.container, action, time: iso(), ...extra });
  };
  // the record still describes the run that just ended (not a later one restarted meanwhile)
  const ourRun = (startedAt: string | undefined) => !startedAt || Date.parse(startedAt) <= Date.parse(d.exit.finishedAt);
  // stopped by a user, or being taken down: nothing to decide, and no lock to take (taking it
  // would make the lock file again after `down` removed it)
  const before = d.store.getContainer(d.container);
  if (!before) return "unknown";
  if (before.manualStop || (before.status !== "running" && before.status !== "restarting")) return "left alone";
  for (;;) {
    // taken down (or stopped) while a restart delay ran: nothing to do, and no lock file to make again
    const now = d.store.getContainer(d.container);
    if (!now || now.manualStop) return now ? "left alone" : "unknown";
    const lock = await d.claim();
    if (!lock) {
      // a supervisor runs and handles the exit; stay until it has, in case it dies first (a
      // pending restart would then be nobody's)
      if (await resolvedBySupervisor(d, ourRun)) return "supervisor";
      continue;
    }
    let waitMs: number;
    try {
      const rec = d.store.getContainer(d.container);
      if (!rec) {
        if (!d.store.getProject(d.project)) d.dropLock?.();
        return "unknown";
      }
      if (rec.manualStop) return "left alone";
      if (rec.status === "running" && ourRun(rec.startedAt)) {
        const policy = parseRestartPolicy(storedRestartPolicy(d.store.getProject(d.project)?.config, rec.service));
        const tracker = new RestartTracker(policy, rec.restarts, rec.backoffMs ?? 0);
        const ranForMs = rec.startedAt ? Date.parse(d.exit.finishedAt) - Date.parse(rec.startedAt) : 0;
        // an unknown exit code (its monitor was killed) counts as a failure for on-failure
        const decision = tracker.decide({ exitCode: d.exit.code ?? -1, ranForMs, manual: false });
        d.store.updateContainer(d.container, {
          status: decision.restart ? "restarting" : "exited",
          exitCode: d.exit.code,
          finishedAt: d.exit.finishedAt,
          pid: undefined,
          note: d.exit.note,
          ...(decision.restart ? { restarts: decision.count, backoffMs: decision.delayMs, restartAt: new Date(d.clock.now() + decision.delayMs).toISOString() } : {}),
        });
        if (d.exit.oomKilled) event("oom");
        event("die", d.exit.code === undefined ? {} : { exitCode: d.exit.code });
        if (!decision.restart) {
          await d.releasePorts();
          return "stays down";
        }
        event("restart", { detail: `in ${decision.delayMs}ms (restart ${decision.count}, no supervisor running)` });
        waitMs = decision.delayMs;
      } else if (rec.status === "restarting") {
        // decided before (by this command, or by a supervisor that died while waiting)
        const due = rec.restartAt ? Date.parse(rec.restartAt) : d.clock.now();
        waitMs = due - d.clock.now();
        if (waitMs <= 0) {
          const pid = await d.restartInPlace();
          d.store.updateContainer(d.container, {
            status: "running",
            pid,
            startedAt: iso(),
            exitCode: undefined,
            finishedAt: undefined,
            restartAt: undefined,
            note: undefined,
            // no supervisor probes it until one runs again: "starting" until then
            ...(rec.health === "none" ? {} : { health: "starting" as const }),
          });
          event("start");
          return "restarted";
        }
      } else {
        // running again (restarted already), or exited for good
        return "left alone";
      }
    } finally {
      lock.release();
    }
    // the delay is waited out without the lock: a supervisor starting meanwhile takes the
    // pending restart over from the record
    await d.clock.sleep(waitMs);
  }
}

/** Waits until the running supervisor has dealt with the exit (true), or is gone without having (false). */
async function resolvedBySupervisor(d: ExitPolicyDeps, ourRun: (startedAt: string | undefined) => boolean): Promise<boolean> {
  for (;;) {
    await d.clock.sleep(RESOLVE_POLL_MS);
    const rec = d.store.getContainer(d.container);
    if (!rec || rec.manualStop) return true;
    if (rec.status === "exited" || rec.status === "dead" || rec.status === "created") return true;
    if (rec.status === "running" && !ourRun(rec.startedAt)) return true;
    if (!(await d.supervisorAnswers())) return false;
  }
}

const RESOLVE_POLL_MS = 250;
