/**
 * The supervisor of one project: the single owner of its containers' lifecycle bookkeeping.
 * It creates and starts containers for `up`, watches each for exit, applies restart policies
 * with backoff, runs healthchecks, records state and events, and answers dependency views.
 *
 * It is adoptable: containers run under their monitor (conmon), not under the supervisor, so
 * when a supervisor dies they keep running; `adopt()` in a new supervisor reads the runtime's
 * containers and the stored records, watches running containers without restarting them, and
 * applies the restart policy to those that died while nobody watched.
 */
import type { Reporter } from "../../core/reporter.ts";
import { errorText, isKittenError } from "../../core/errors.ts";
import type { ContainerRuntime, ContainerSpec, ContainerState } from "../runtime/types.ts";
import type { ContainerRecord, EventAction, ProjectStore } from "../state/project-store.ts";
import { ChangeFeed } from "./change-feed.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { ServiceView } from "./dependencies.ts";
import { HealthMonitor, type HealthConfig, type HealthStatus } from "./healthcheck.ts";
import { RestartTracker, type RestartPolicy } from "./restart-policy.ts";
import { runHooks } from "./hooks.ts";
import type { Hook } from "../compose/model.ts";
import type { FailureStore, StartPhase } from "../state/failure-store.ts";

export interface ServicePolicy {
  restart: RestartPolicy;
  health?: HealthConfig;
  stopGraceMs: number;
  stopSignal?: string;
  /** compose post_start / pre_stop hooks (hooks.ts) */
  postStart?: Hook[];
  preStop?: Hook[];
}

export interface SupervisorOptions {
  project: string;
  runtime: ContainerRuntime;
  store: ProjectStore;
  /** restart policy, healthcheck and stop settings of a service (from the project snapshot) */
  policy: (service: string) => ServicePolicy | undefined;
  clock?: Clock;
  reporter?: Reporter;
  /** where a container that fails to be created, started or to pass its post_start hooks is recorded for diagnose */
  failures?: FailureStore;
}

interface Watch {
  abort: AbortController;
  tracker: RestartTracker;
  health?: HealthMonitor;
  healthAbort?: AbortController;
  done: Promise<void>;
}

const LOG_ROTATE_EVERY_MS = 250;

const NO_POLICY: ServicePolicy = { restart: { name: "no" }, stopGraceMs: 10_000 };

export class ProjectSupervisor {
  readonly changes = new ChangeFeed();
  private readonly clock: Clock;
  private readonly watches = new Map<string, Watch>();
  private closed = false;

  constructor(private readonly o: SupervisorOptions) {
    this.clock = o.clock ?? systemClock;
  }

  get project(): string {
    return this.o.project;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private policy(service: string): ServicePolicy {
    return this.o.policy(service) ?? NO_POLICY;
  }

  private event(action: EventAction, c: { name: string; service?: string }, extra: { exitCode?: number; detail?: string } = {}): void {
    this.o.store.appendEvent({ project: this.o.project, service: c.service, container: c.name || undefined, action, time: this.iso(), ...extra });
    this.o.reporter?.emit({ type: "container", action, container: c.name, service: c.service, ...extra });
    this.changes.notify();
  }

  // ---- views -------------------------------------------------------------------------------

  containers(): ContainerRecord[] {
    return this.o.store.listContainers(this.o.project);
  }

  /** A service's replicas as dependency conditions see them. */
  view(service: string): ServiceView {
    const replicas = this.containers()
      .filter((c) => c.service === service)
      .map((c) => ({
        container: c.name,
        status: c.status,
        started: c.startedAt !== undefined,
        health: c.health,
        ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
      }));
    return { exists: true, replicas };
  }

  // ---- lifecycle used by up / start / stop -------------------------------------------------

  /**
   * The first create of a supervisor runs alone: the runtime prepares a fresh namespace (and,
   * in a fresh state dir, picks its OCI runtime by a smoke run in a fixed directory) on first
   * use, and concurrent first creates raced each other there. The rest run in parallel.
   */
  private firstCreate: Promise<unknown> | undefined;

  async create(spec: ContainerSpec): Promise<ContainerRecord> {
    let state: ContainerState;
    try {
      if (!this.firstCreate) {
        const first = this.o.runtime.create(spec);
        this.firstCreate = first.catch(() => {});
        state = await first;
      } else {
        await this.firstCreate;
        state = await this.o.runtime.create(spec);
      }
    } catch (err) {
      this.recordFailure(spec.service ?? spec.name, spec.name, "create", err);
      throw err;
    }
    const record: ContainerRecord = {
      name: spec.name,
      project: this.o.project,
      service: spec.service ?? spec.name,
      replica: spec.replica ?? 1,
      image: spec.image,
      configHash: spec.configHash,
      status: state.status,
      restarts: 0,
      health: "none",
      manualStop: false,
      ...(state.logPath ? { logPath: state.logPath } : {}),
    };
    this.o.store.putContainer(record);
    this.event("create", { name: spec.name, service: spec.service });
    return record;
  }

  async start(name: string): Promise<ContainerRecord | undefined> {
    const before = this.o.store.getContainer(name);
    if (before) this.o.store.updateContainer(name, { manualStop: false });
    const service = before?.service ?? name;
    let state: ContainerState;
    try {
      state = await this.runStart(name);
    } catch (err) {
      this.recordFailure(service, name, "start", err);
      throw err;
    }
    const record = this.recordStarted(name, state, before?.restarts ?? 0);
    this.event("start", { name, service: record?.service });
    if (record) this.watch(record);
    const hooks = record ? this.policy(record.service).postStart : undefined;
    if (hooks?.length) {
      try {
        await runHooks(this.o.runtime, name, "post_start", hooks);
      } catch (err) {
        this.recordFailure(service, name, "post_start", err);
        throw err;
      }
    }
    this.o.failures?.clearStart(this.o.project, service, name);
    return record;
  }

  /** A create, start or post_start that failed leaves no state a container record shows: kept for diagnose. */
  private recordFailure(service: string, container: string, phase: StartPhase, err: unknown): void {
    try {
      this.o.failures?.recordStart(this.o.project, {
        time: this.iso(),
        service,
        container,
        phase,
        error: errorText(err),
        ...(isKittenError(err) ? { code: err.code, ...(err.hint ? { hint: err.hint } : {}) } : {}),
      });
    } catch (recordErr) {
      this.o.reporter?.emit({ type: "warning", message: `supervisor: could not record the failure of ${container} for diagnose: ${errorText(recordErr)}` });
    }
  }

  private recordStarted(name: string, state: ContainerState, restarts: number): ContainerRecord | undefined {
    const rec = this.o.store.getContainer(name);
    if (!rec) return undefined;
    const health: HealthStatus | "none" = this.policy(rec.service).health ? "starting" : "none";
    return this.o.store.updateContainer(name, {
      // it started; if it has already exited again, its watcher records that with the exit code
      status: state.status === "paused" ? "paused" : "running",
      pid: state.pid,
      startedAt: state.startedAt ?? this.iso(),
      finishedAt: undefined,
      exitCode: undefined,
      restartAt: undefined,
      note: state.note,
      restarts,
      health,
      healthLog: undefined,
      ports: state.ports,
      ...(state.logPath ? { logPath: state.logPath } : {}),
    });
  }

  /**
   * Starts a container, or runs an exited one again in place as `docker start` does (same
   * writable layer, same log appended to). Recreating from a changed spec is reconcile's job.
   */
  private runStart(name: string): Promise<ContainerState> {
    return this.o.runtime.start(name);
  }

  /** A user stop: marks it manual first, so neither this supervisor nor a later one restarts it. */
  async stop(name: string, timeoutMs?: number): Promise<void> {
    const before = this.o.store.getContainer(name);
    const rec = this.o.store.updateContainer(name, { manualStop: true });
    const p = rec ? this.policy(rec.service) : NO_POLICY;
    if (p.preStop?.length && before?.status === "running") {
      // a failing pre_stop is said, and the container is stopped all the same
      await runHooks(this.o.runtime, name, "pre_stop", p.preStop).catch((err) => this.o.reporter?.emit({ type: "warning", message: errorText(err) }));
    }
    this.stopHealth(name);
    const state = await this.o.runtime.stop(name, { signal: p.stopSignal, timeoutMs: timeoutMs ?? p.stopGraceMs });
    await this.settle(name, state);
  }

  async kill(name: string, signal = "KILL"): Promise<void> {
    // the runtime's convention: KILL, TERM, HUP… without the SIG prefix
    const sig = signal.replace(/^SIG/i, "").toUpperCase();
    const rec = this.o.store.updateContainer(name, { manualStop: true });
    this.event("kill", { name, service: rec?.service }, { detail: sig });
    await this.o.runtime.kill(name, sig);
  }

  async pause(name: string): Promise<void> {
    await this.o.runtime.pause(name);
    // a frozen container cannot answer probes: docker stops them while it is paused
    this.stopHealth(name);
    const rec = this.o.store.updateContainer(name, { status: "paused" });
    this.event("pause", { name, service: rec?.service });
  }

  async unpause(name: string): Promise<void> {
    await this.o.runtime.unpause(name);
    const rec = this.o.store.updateContainer(name, { status: "running" });
    this.event("unpause", { name, service: rec?.service });
    if (rec) this.startHealth(name, rec.service, rec.health === "none" ? undefined : rec.health);
  }

  /**
   * Stops watching, removes the container and its record. Its anonymous volumes stay unless
   * `volumes` (compose: a recreated container's are inherited, `down` keeps them without -v).
   */
  async remove(name: string, options: { volumes?: boolean } = {}): Promise<void> {
    const rec = this.o.store.updateContainer(name, { manualStop: true });
    await this.unwatch(name);
    await this.o.runtime.remove(name, { force: true, volumes: options.volumes ?? false });
    this.o.store.removeContainer(name);
    this.event("destroy", { name, service: rec?.service });
  }

  /** Waits until the watcher has recorded the container's exit (after a stop). */
  private async settle(name: string, state: ContainerState): Promise<void> {
    const w = this.watches.get(name);
    if (w) {
      w.abort.abort();
      await w.done;
      this.watches.delete(name);
    }
    const rec = this.o.store.getContainer(name);
    if (rec && rec.status === "running" && state.status !== "running") this.recordExit(rec, state, state.exitCode ?? 0);
    // stopped while its restart delay ran: the restart is called off, it stays down (docker's "Exited")
    else if (rec?.status === "restarting" && state.status !== "running") this.o.store.updateContainer(name, { status: "exited", restartAt: undefined });
  }

  /** The container's anonymous volumes by container path, for its replacement to inherit. */
  async anonymousVolumes(name: string): Promise<Record<string, string> | undefined> {
    return (await this.o.runtime.inspect(name))?.anonymousVolumes;
  }

  // ---- watching ----------------------------------------------------------------------------

  /** Starts watching a running container: exit → restart policy; healthcheck. */
  watch(record: ContainerRecord, initialHealth?: HealthStatus, pending?: { at: number; count: number }): void {
    if (this.closed || this.watches.has(record.name)) return;
    const p = this.policy(record.service);
    const abort = new AbortController();
    const w: Watch = { abort, tracker: new RestartTracker(p.restart, record.restarts, record.backoffMs ?? 0), done: Promise.resolve() };
    this.watches.set(record.name, w);
    if (!pending) this.startHealth(record.name, record.service, initialHealth);
    w.done = this.loop(record.name, w, pending ? { ...pending, service: record.service } : undefined).catch((err) => {
      // e.g. the container was removed behind our back, or a restart failed: stop watching it
      this.stopHealth(record.name);
      if (this.watches.get(record.name) === w) this.watches.delete(record.name);
      this.o.reporter?.emit({ type: "warning", message: `supervisor: container ${record.name}: ${errorText(err)}` });
    });
  }

  /** `pending`: the container is exited with a restart due at that time (adopted from a record) */
  private async loop(name: string, w: Watch, pending?: { at: number; count: number; service: string }): Promise<void> {
    const aborted = new Promise<"aborted">((resolve) => w.abort.signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
    if (pending && !(await this.restartWhenDue(name, w, pending))) return;
    for (;;) {
      const code = await Promise.race([this.o.runtime.wait(name), aborted]);
      if (code === "aborted") return;
      this.stopHealth(name);
      const state = await this.o.runtime.inspect(name);
      const rec = this.o.store.getContainer(name);
      if (!rec) return;
      const exited = this.recordExit(rec, state, code);
      const ranForMs = exited.finishedAt && exited.startedAt ? Date.parse(exited.finishedAt) - Date.parse(exited.startedAt) : 0;
      const decision = w.tracker.decide({ exitCode: code, ranForMs, manual: exited.manualStop });
      if (!decision.restart) {
        this.watches.delete(name);
        // it stays down: its published ports go, as docker frees them at exit
        if (!exited.manualStop) await this.o.runtime.releasePorts?.(name).catch(() => {});
        return;
      }
      this.o.store.updateContainer(name, {
        status: "restarting",
        restarts: decision.count,
        backoffMs: decision.delayMs,
        restartAt: new Date(this.clock.now() + decision.delayMs).toISOString(),
      });
      this.event("restart", { name, service: rec.service }, { detail: `in ${decision.delayMs}ms (restart ${decision.count})` });
      if (!(await this.restartWhenDue(name, w, { at: this.clock.now() + decision.delayMs, count: decision.count, service: rec.service }))) return;
    }
  }

  /** Waits until the restart is due, then starts the container again; false when that was called off. */
  private async restartWhenDue(name: string, w: Watch, p: { at: number; count: number; service: string }): Promise<boolean> {
    try {
      await this.clock.sleep(Math.max(0, p.at - this.clock.now()), w.abort.signal);
    } catch {
      return false;
    }
    const rec = this.o.store.getContainer(name);
    if (!rec || rec.manualStop) {
      if (rec?.status === "restarting") this.o.store.updateContainer(name, { status: "exited", restartAt: undefined });
      this.watches.delete(name);
      return false;
    }
    const started = await this.runStart(name);
    this.recordStarted(name, started, p.count);
    this.event("start", { name, service: p.service });
    this.startHealth(name, p.service);
    return true;
  }

  private recordExit(rec: ContainerRecord, state: ContainerState | undefined, code: number): ContainerRecord {
    const next =
      this.o.store.updateContainer(rec.name, {
        status: state?.status === "dead" ? "dead" : "exited",
        // -1: gone without an exit file (its monitor was killed): the code is not known
        exitCode: [state?.exitCode, code].find((c) => c !== undefined && c >= 0) ?? undefined,
        pid: undefined,
        finishedAt: state?.finishedAt ?? this.iso(),
        startedAt: state?.startedAt ?? rec.startedAt,
        note: state?.note ?? (code < 0 && !(state?.exitCode !== undefined && state.exitCode >= 0) ? "exit code unknown: its monitor (conmon) was killed" : undefined),
      }) ?? rec;
    if (state?.oomKilled) this.event("oom", { name: rec.name, service: rec.service });
    this.event("die", { name: rec.name, service: rec.service }, { exitCode: next.exitCode });
    return next;
  }

  private startHealth(name: string, service: string, initial?: HealthStatus): void {
    const w = this.watches.get(name);
    const config = this.policy(service).health;
    if (!w || !config) return;
    const rec = this.o.store.getContainer(name);
    const startedAt = rec?.startedAt ? Date.parse(rec.startedAt) : this.clock.now();
    const monitor = new HealthMonitor({
      container: name,
      config,
      clock: this.clock,
      startedAt,
      exec: (command, timeoutMs) => this.o.runtime.exec(name, command, { timeoutMs }),
      onProbe: (_result, status) => {
        this.o.store.updateContainer(name, { health: status, healthLog: monitor.log.slice() });
      },
      onStatus: (status, _previous, last) => {
        this.event("health_status", { name, service }, { detail: status, ...(status === "unhealthy" ? { exitCode: last.exitCode } : {}) });
      },
    });
    if (initial) monitor.status = initial;
    w.health = monitor;
    w.healthAbort = new AbortController();
    void monitor.run(w.healthAbort.signal);
  }

  private stopHealth(name: string): void {
    const w = this.watches.get(name);
    w?.healthAbort?.abort();
    if (w) {
      w.health = undefined;
      w.healthAbort = undefined;
    }
  }

  private async unwatch(name: string): Promise<void> {
    const w = this.watches.get(name);
    if (!w) return;
    this.stopHealth(name);
    w.abort.abort();
    await w.done;
    this.watches.delete(name);
  }

  /** The last health results of a container (for ps, inspect and diagnosis). */
  health(name: string): HealthMonitor | undefined {
    return this.watches.get(name)?.health;
  }

  isWatching(name: string): boolean {
    return this.watches.has(name);
  }

  // ---- adoption ----------------------------------------------------------------------------

  /**
   * Takes over a project after a supervisor died: the runtime is the truth for what exists and
   * runs; stored records keep restart counts, health and manual stops. Running containers are
   * watched, not restarted; containers that died unwatched get their die event and restart policy.
   */
  async adopt(): Promise<{ adopted: string[]; restarted: string[]; gone: string[] }> {
    const actual = await this.o.runtime.list({ project: this.o.project });
    const byName = new Map(actual.filter((c) => c.service !== undefined).map((c) => [c.name, c]));
    const records = new Map(this.containers().map((r) => [r.name, r]));
    const adopted: string[] = [];
    const restarted: string[] = [];
    const gone: string[] = [];
    for (const [name, rec] of records) {
      if (!byName.has(name)) {
        this.o.store.removeContainer(name);
        gone.push(name);
      }
    }
    for (const state of byName.values()) {
      let rec = records.get(state.name);
      if (!rec) {
        rec = {
          name: state.name,
          project: this.o.project,
          service: state.service!,
          replica: state.replica ?? 1,
          image: state.image,
          configHash: state.configHash,
          status: state.status,
          restarts: 0,
          health: "none",
          manualStop: false,
          ...(state.logPath ? { logPath: state.logPath } : {}),
        };
        this.o.store.putContainer(rec);
      }
      if (state.status === "running" || state.status === "paused") {
        const next = this.o.store.updateContainer(state.name, { status: state.status, pid: state.pid, startedAt: state.startedAt ?? rec.startedAt })!;
        const health = rec.health === "none" ? undefined : rec.health;
        this.event("adopt", { name: state.name, service: rec.service });
        this.watch(next, health);
        adopted.push(state.name);
        continue;
      }
      if ((state.status === "exited" || state.status === "dead") && rec.status === "restarting" && !rec.manualStop) {
        // a restart decided by conmon's exit command or a supervisor that died: carried on when due
        const at = rec.restartAt ? Date.parse(rec.restartAt) : this.clock.now();
        this.event("adopt", { name: rec.name, service: rec.service }, { detail: "restart pending" });
        this.watch(rec, undefined, { at, count: rec.restarts });
        restarted.push(rec.name);
        continue;
      }
      if ((state.status === "exited" || state.status === "dead") && rec.status === "running") {
        // it died while no supervisor watched it
        const exited = this.recordExit(rec, state, state.exitCode ?? 0);
        const tracker = new RestartTracker(this.policy(rec.service).restart, rec.restarts, rec.backoffMs ?? 0);
        const ranForMs = exited.finishedAt && exited.startedAt ? Date.parse(exited.finishedAt) - Date.parse(exited.startedAt) : 0;
        const d = tracker.decide({ exitCode: exited.exitCode ?? 0, ranForMs, manual: exited.manualStop });
        if (d.restart) {
          this.event("restart", { name: rec.name, service: rec.service }, { detail: `after adoption (restart ${d.count})` });
          const started = await this.runStart(rec.name);
          const next = this.recordStarted(rec.name, started, d.count);
          this.event("start", { name: rec.name, service: rec.service });
          if (next) this.watch(next);
          restarted.push(rec.name);
        }
        continue;
      }
      this.o.store.updateContainer(state.name, {
        status: rec.status === "restarting" && state.status === "exited" ? "exited" : state.status,
        exitCode: state.exitCode ?? rec.exitCode,
        finishedAt: state.finishedAt ?? rec.finishedAt,
        ...(rec.status === "restarting" ? { restartAt: undefined } : {}),
      });
    }
    return { adopted, restarted, gone };
  }

  // ---- helpers -----------------------------------------------------------------------------

  private repairs?: AbortController;

  /**
   * Every intervalMs, restarts the project's helpers that died (agent, slirp4netns, the port
   * forwarders of running containers: issue #13), recording a "repair" event for each; and
   * every 250 ms rotates the logs that reached their max-size.
   */
  startRepairs(intervalMs = 1_000): void {
    if (!this.o.runtime.heal || this.repairs) return;
    const abort = (this.repairs = new AbortController());
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          await this.clock.sleep(intervalMs, abort.signal);
        } catch {
          return;
        }
        try {
          for (const what of await this.o.runtime.heal!(this.o.project)) this.event("repair", { name: "" }, { detail: `restarted ${what}` });
        } catch (err) {
          this.o.reporter?.emit({ type: "warning", message: `supervisor: repairing helpers: ${errorText(err)}` });
        }
      }
    })();
    // logs that reached their max-size rotate (log-rotation.ts): a stat per container, often,
    // so a chatty one is rotated before conmon's own cap would truncate it
    if (!this.o.runtime.rotateLogs) return;
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          await this.clock.sleep(LOG_ROTATE_EVERY_MS, abort.signal);
        } catch {
          return;
        }
        try {
          this.o.runtime.rotateLogs!(this.o.project);
        } catch (err) {
          this.o.reporter?.emit({ type: "warning", message: `supervisor: rotating logs: ${errorText(err)}` });
        }
      }
    })();
  }

  /** Stops watching everything; containers keep running (they are not ours to kill on exit). */
  async close(): Promise<void> {
    this.closed = true;
    this.repairs?.abort();
    await Promise.all([...this.watches.keys()].map((n) => this.unwatch(n)));
  }
}
