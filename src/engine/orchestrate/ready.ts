/**
 * Waiting on services from outside the supervisor (`start --wait`, the dependencies of `compose
 * run`): the same depends_on state machine as `up` (supervisor/dependencies.ts), evaluated over
 * the state db the supervisor writes, re-read whenever the db changes (inotify on its WAL, with
 * a poll as the bound).
 */
import { RuntimeFailure } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import type { DependsOn } from "../compose/model.ts";
import { Wakeup } from "../runtime/wakeup.ts";
import { openStateDb } from "../state/db.ts";
import { ProjectStore } from "../state/project-store.ts";
import { ChangeFeed } from "../supervisor/change-feed.ts";
import { systemClock } from "../supervisor/clock.ts";
import { waitForDependencies, type ServiceView } from "../supervisor/dependencies.ts";

export interface ReadyOptions {
  project: string;
  /** service → condition; see waitServicesReady for the default */
  conditions: Record<string, DependsOn>;
  /** who waits, for messages ("service \"web\"", "start --wait") */
  waiter: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function waitConditions(o: ReadyOptions, deps: { paths: KittenPaths }): Promise<string[]> {
  const store = new ProjectStore(openStateDb(deps.paths));
  const view = (service: string): ServiceView => ({
    exists: true,
    replicas: store
      .listContainers(o.project)
      .filter((c) => c.service === service)
      .map((c) => ({ container: c.name, status: c.status, started: c.startedAt !== undefined, health: c.health, ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }) })),
  });
  const changes = new ChangeFeed();
  const wakeup = new Wakeup([deps.paths.data]);
  let done = false;
  const pump = (async () => {
    while (!done) {
      await wakeup.wait(200);
      changes.notify();
    }
  })();
  try {
    return await waitForDependencies({
      service: o.waiter,
      dependsOn: o.conditions,
      view,
      changes,
      clock: systemClock,
      ...(o.timeoutMs ? { deadline: systemClock.now() + o.timeoutMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } finally {
    done = true;
    wakeup.fire();
    await pump;
    wakeup.close();
  }
}

/** `start --wait`: every (named) service running, or healthy when it has a healthcheck. */
export async function waitServicesReady(o: { project: string; services: string[]; timeoutMs?: number }, deps: { paths: KittenPaths }): Promise<void> {
  const store = new ProjectStore(openStateDb(deps.paths));
  const records = store.listContainers(o.project).filter((c) => o.services.length === 0 || o.services.includes(c.service));
  const conditions: Record<string, DependsOn> = {};
  for (const c of records) {
    // a container with a healthcheck reports "starting" until its first probe: wait for healthy
    conditions[c.service] = { condition: c.health === "none" ? "service_started" : "service_healthy", required: true };
  }
  try {
    await waitConditions({ project: o.project, conditions, waiter: "start --wait", ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) }, deps);
  } catch (err) {
    if (err instanceof RuntimeFailure) throw new RuntimeFailure(err.message.replace(/^service "start --wait": dependency /, "start --wait: service "), { code: err.code, hint: err.hint });
    throw err;
  }
}
