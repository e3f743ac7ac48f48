/**
 * Foreground `up`: streams the project's logs (following restarts and replicas) while watching
 * its containers — started before `up` creates them, so each container's output shows as it
 * starts — until the caller cancels (Ctrl-C), or, as docker compose does in attached mode, every
 * watched container has exited for good once `up` is done, or with --abort-on-container-exit /
 * --abort-on-container-failure / --exit-code-from the first container exits (with a non-zero
 * code). Reads only the state db and log files, so it works the same whichever process supervises.
 */
import type { KittenPaths } from "../../core/paths.ts";
import { openStateDb } from "../state/db.ts";
import { ProjectStore, type ContainerRecord } from "../state/project-store.ts";
import { K8sFileReader, projectLogs, type LogLine } from "./logs.ts";

export interface AttachOptions {
  project: string;
  /** whose output to show (default: all) */
  services?: string[];
  /** whose exits end the attach (default: `services`) — what `up` runs */
  watch?: string[];
  /** stop waiting when any container exits (--abort-on-container-exit) */
  abortOnExit?: boolean;
  /** stop waiting when any container exits with a non-zero code (--abort-on-container-failure) */
  abortOnFailure?: boolean;
  /** false while `up` is still creating containers: "every container exited" waits for it */
  settled?: () => boolean;
  /** exit with this service's container exit code; implies abortOnExit when it exits (--exit-code-from) */
  exitCodeFrom?: string;
  /** show log lines from this time on (when up started), so nothing printed before attaching is lost */
  since?: string;
  /** watch container events after this id (taken before up started, so early exits are seen) */
  afterEventId?: number;
  signal?: AbortSignal;
  pollMs?: number;
}

export type AttachEnd =
  | { reason: "cancelled" }
  | { reason: "all exited"; exitCode: number }
  | { reason: "container exited"; container: string; exitCode: number };

const finished = (c: ContainerRecord) => c.status === "exited" || c.status === "dead";

/** The id of the project's latest event (0 when none): where an attach that follows should start. */
export function lastEventId(project: string, deps: { paths: KittenPaths }): number {
  return new ProjectStore(openStateDb(deps.paths)).listEvents({ project }).at(-1)?.id ?? 0;
}

export async function attachProject(o: AttachOptions, deps: { paths: KittenPaths }, onLine: (l: LogLine) => void): Promise<AttachEnd> {
  const store = new ProjectStore(openStateDb(deps.paths));
  const selected = () => store.listContainers(o.project).filter((c) => !o.services?.length || o.services.includes(c.service));
  const watchedServices = o.watch ?? o.services;
  const watchedContainers = () => store.listContainers(o.project).filter((c) => !watchedServices?.length || watchedServices.includes(c.service));
  const stop = new AbortController();
  const onCancel = () => stop.abort();
  o.signal?.addEventListener("abort", onCancel, { once: true });
  let end: AttachEnd = { reason: "cancelled" };
  let lastId = o.afterEventId ?? store.listEvents({ project: o.project }).at(-1)?.id ?? 0;
  // containers whose latest event is a die that no restart followed have exited for good
  const pendingRestart = new Set<string>();

  const check = () => {
    for (const e of store.listEvents({ project: o.project, afterId: lastId })) {
      lastId = e.id;
      if (!e.container) continue;
      if (e.action === "restart") pendingRestart.add(e.container);
      if (e.action === "start") pendingRestart.delete(e.container);
      if (e.action === "die" && !pendingRestart.has(e.container)) {
        const rec = store.getContainer(e.container);
        const watched = !watchedServices?.length || (rec && watchedServices.includes(rec.service));
        const failed = (e.exitCode ?? 0) !== 0;
        if (watched && (o.abortOnExit || (o.abortOnFailure && failed) || (o.exitCodeFrom && rec?.service === o.exitCodeFrom))) {
          end = { reason: "container exited", container: e.container, exitCode: e.exitCode ?? 0 };
          return true;
        }
      }
    }
    if (o.settled && !o.settled()) return false;
    const cs = watchedContainers();
    if (cs.length > 0 && cs.every((c) => finished(c) && !pendingRestart.has(c.name))) {
      const from = o.exitCodeFrom ? cs.find((c) => c.service === o.exitCodeFrom) : undefined;
      end = { reason: "all exited", exitCode: from?.exitCode ?? cs.find((c) => (c.exitCode ?? 0) !== 0)?.exitCode ?? 0 };
      return true;
    }
    return false;
  };

  // the end is seen one tick before stopping, so output the monitor writes as the container exits is still read
  let ending = false;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      setTimeout(() => {
        if (ending) stop.abort();
        // a restart event is written before the delay, so a die without one is final once seen after a tick
        else if (check()) ending = true;
        resolve();
      }, ms);
    });
  try {
    await projectLogs(
      { containers: () => selected().map((c) => ({ name: c.name, service: c.service, ...(c.logPath ? { logPath: c.logPath } : {}) })), open: (p) => new K8sFileReader(p) },
      { follow: true, signal: stop.signal, ...(o.since ? { since: o.since } : {}), pollMs: o.pollMs ?? 100, sleep },
      onLine,
    );
  } finally {
    o.signal?.removeEventListener("abort", onCancel);
  }
  return end;
}
