/**
 * The supervisor process's control server: owns the ProjectSupervisor, serialises mutating
 * requests (up, down, service verbs) so they never interleave, and answers on a unix socket
 * with the protocol in ./protocol.ts. Request handling is a plain method (`handle`) so it is
 * tested without a socket; `listen` adds the socket.
 */
import { existsSync, mkdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { Socket } from "bun";
import { errorText, isKittenError, InvalidInputError } from "../../core/errors.ts";
import type { KittenEvent, Reporter } from "../../core/reporter.ts";
import { ProjectSchema, type Project } from "../compose/model.ts";
import type { OciImageConfig } from "../image/types.ts";
import { applyPlan, waitReady, type ApplyContext } from "../orchestrate/apply.ts";
import { downProject, serviceOp } from "../orchestrate/lifecycle.ts";
import { planReconcile } from "../orchestrate/reconcile.ts";
import { renderPlan } from "../orchestrate/plan-text.ts";
import { overlayTruth } from "../orchestrate/truth.ts";
import { planProject } from "../plan/plan.ts";
import type { ContainerRuntime } from "../runtime/types.ts";
import type { ProjectStore } from "../state/project-store.ts";
import { FailureStore } from "../state/failure-store.ts";
import { systemClock, type Clock } from "./clock.ts";
import { KEEPALIVE_MS, LineSplitter, MAX_MESSAGE_BYTES, MessageTooLarge, RequestSchema, type ParsedRequest, type Response } from "./protocol.ts";
import { servicePolicy } from "./service-policy.ts";
import { ProjectSupervisor } from "./supervisor.ts";

/** Sends every event to whoever listens right now (the clients of in-flight requests). */
class Broadcast implements Reporter {
  readonly listeners = new Set<(e: KittenEvent) => void>();
  constructor(private readonly log?: (line: string) => void) {}
  emit(event: KittenEvent): void {
    for (const l of this.listeners) l(event);
    // warnings also go to the supervisor's own log: nobody may be listening when they happen
    if (event.type === "warning") this.log?.(`${new Date().toISOString()} warning: ${event.message}\n`);
  }
}

export interface SupervisorServerOptions {
  project: string;
  runtime: ContainerRuntime;
  store: ProjectStore;
  clock?: Clock;
  /** called after a shutdown request was answered */
  onShutdown?: () => void;
  /** the supervisor's log (its stderr, redirected to a file by the launcher) */
  log?: (line: string) => void;
  /** how often a request in flight is kept alive (default KEEPALIVE_MS) */
  keepaliveMs?: number;
}

export class SupervisorServer {
  readonly supervisor: ProjectSupervisor;
  private readonly broadcast: Broadcast;
  private readonly clock: Clock;
  private project: Project | undefined;
  private imageConfigs: Record<string, OciImageConfig> = {};
  private queue: Promise<unknown> = Promise.resolve();
  private listener: ReturnType<typeof Bun.listen> | undefined;
  private socketPath: string | undefined;

  constructor(private readonly o: SupervisorServerOptions) {
    this.clock = o.clock ?? systemClock;
    this.broadcast = new Broadcast(o.log);
    const stored = o.store.getProject(o.project);
    const parsed = stored ? ProjectSchema.safeParse(stored.config) : undefined;
    if (parsed?.success) this.project = parsed.data;
    this.supervisor = new ProjectSupervisor({
      project: o.project,
      runtime: o.runtime,
      store: o.store,
      clock: this.clock,
      reporter: this.broadcast,
      failures: new FailureStore(o.store.db),
      policy: (s) => (this.project ? servicePolicy(this.project, s, this.imageConfigs[s]) : undefined),
    });
  }

  /** Adopts what runs already; call once before serving. */
  async start(): Promise<void> {
    await this.supervisor.adopt();
    this.supervisor.startRepairs();
  }

  /** Runs fn after every earlier mutating request finished. */
  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  async handle(req: ParsedRequest, emit: (e: KittenEvent) => void): Promise<unknown> {
    if (req.op === "status") {
      // what the runtime sees right now (a monitor that was killed) over the records
      const live = await this.o.runtime.list({ project: this.o.project }).catch(() => []);
      return { project: this.o.project, pid: process.pid, containers: overlayTruth(this.supervisor.containers(), live) };
    }
    if (req.op === "shutdown") {
      setTimeout(() => this.o.onShutdown?.(), 0);
      return { stopping: true };
    }
    if (req.op === "wait") return this.waitExit(req.services);
    return this.serialised(async () => {
      this.broadcast.listeners.add(emit);
      try {
        switch (req.op) {
          case "up":
            return await this.up(req);
          case "down": {
            const removed = await downProject(this.supervisor, this.project, req, this.broadcast);
            return { removed: [...removed, ...(await this.removeUnmanaged())] };
          }
          case "service": {
            const containers = await serviceOp(this.supervisor, this.project, req.action, req, this.broadcast);
            if (req.action === "start" || req.action === "restart") await this.repair();
            return { containers };
          }
        }
      } finally {
        this.broadcast.listeners.delete(emit);
      }
    });
  }

  private async up(req: Extract<ParsedRequest, { op: "up" }>): Promise<unknown> {
    const parsed = ProjectSchema.safeParse(req.project);
    if (!parsed.success) throw new InvalidInputError(`supervisor: invalid project in up request: ${parsed.error.issues[0]?.message ?? "?"}`);
    if (parsed.data.name !== this.o.project) throw new InvalidInputError(`supervisor of "${this.o.project}" cannot run project "${parsed.data.name}"`);
    this.project = parsed.data;
    this.imageConfigs = req.imageConfigs as Record<string, OciImageConfig>;
    const plan = planProject(this.project, { services: req.services, noDeps: req.noDeps, scale: req.scale });
    const observed = await this.o.runtime.list({ project: this.o.project });
    // --force-recreate of named services recreates only them; --always-recreate-deps their dependencies too
    const named = req.services.length > 0 ? req.services : Object.keys(plan.services);
    const forceRecreate = [...(req.forceRecreate ? named : []), ...(req.recreateDeps ? Object.keys(plan.services).filter((s) => !named.includes(s)) : [])];
    const rplan = planReconcile({ project: this.project, plan, imageIds: req.imageIds, observed }, { forceRecreate, noRecreate: req.noRecreate, removeOrphans: req.removeOrphans });
    const ctx: ApplyContext = {
      project: this.project,
      plan,
      supervisor: this.supervisor,
      clock: this.clock,
      reporter: this.broadcast,
      ...(req.waitTimeoutMs === undefined ? {} : { deadline: this.clock.now() + req.waitTimeoutMs }),
      ...(req.timeoutMs === undefined ? {} : { timeoutMs: req.timeoutMs }),
      noStart: req.noStart,
      renewAnonVolumes: req.renewAnonVolumes,
    };
    await applyPlan(rplan, ctx);
    // helpers of containers up already (a killed forwarder, slirp4netns) come back with `up` too
    await this.repair();
    if (req.wait) await waitReady(ctx, (s) => servicePolicy(this.project!, s, this.imageConfigs[s])?.health !== undefined);
    return { plan: renderPlan(rplan), containers: this.supervisor.containers() };
  }

  /** Restarts dead helpers now (the supervisor also does every second), telling the client. */
  private async repair(): Promise<void> {
    const restarted = await this.o.runtime.heal?.(this.o.project).catch(() => [] as string[]);
    for (const what of restarted ?? []) this.broadcast.emit({ type: "info", message: `restarted ${what}` });
  }

  /**
   * down: the project's containers no service record covers — one-off `compose run` containers,
   * `kitten run --project` ones — go too: the namespace they need goes with the project (docker
   * compose keeps one-offs until --remove-orphans, docker/compose#10806).
   */
  private async removeUnmanaged(): Promise<string[]> {
    const managed = new Set(this.supervisor.containers().map((c) => c.name));
    const strays = (await this.o.runtime.list({ project: this.o.project })).filter((c) => !managed.has(c.name));
    for (const c of strays) await this.o.runtime.remove(c.name, { force: true });
    return strays.map((c) => c.name);
  }

  /** `kitten wait`: resolves once every selected container has exited, with their exit codes. */
  private async waitExit(services: string[]): Promise<Record<string, number>> {
    const pick = () => this.supervisor.containers().filter((c) => services.length === 0 || services.includes(c.service));
    for (;;) {
      const cs = pick();
      if (cs.every((c) => c.status === "exited" || c.status === "dead" || c.status === "created")) {
        return Object.fromEntries(cs.map((c) => [c.name, c.exitCode ?? 0]));
      }
      await this.supervisor.changes.next();
    }
  }

  // ---- socket ------------------------------------------------------------------------------

  listen(socketPath: string): void {
    mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
    if (existsSync(socketPath)) unlinkSync(socketPath);
    this.socketPath = socketPath;
    type Conn = { lines: LineSplitter; out: Uint8Array[]; started: boolean; ending: boolean; keepalive?: ReturnType<typeof setInterval> };
    const encoder = new TextEncoder();
    const flush = (s: Socket<Conn>) => {
      const d = s.data;
      while (d.out.length > 0) {
        const chunk = d.out[0]!;
        const n = s.write(chunk);
        if (n < chunk.length) {
          d.out[0] = chunk.subarray(Math.max(0, n));
          return;
        }
        d.out.shift();
      }
      if (d.ending) s.end();
    };
    const send = (s: Socket<Conn>, r: Response, end = false) => {
      if (s.data.ending) return;
      s.data.out.push(encoder.encode(`${JSON.stringify(r)}\n`));
      if (end) {
        s.data.ending = true;
        clearInterval(s.data.keepalive);
      }
      flush(s);
    };
    this.listener = Bun.listen<Conn>({
      unix: socketPath,
      socket: {
        open: (s) => {
          s.data = { lines: new LineSplitter(), out: [], started: false, ending: false };
        },
        drain: (s) => flush(s),
        close: (s) => {
          // a client that went away gets nothing more: nothing may pile up for it
          clearInterval(s.data?.keepalive);
          if (s.data) Object.assign(s.data, { ending: true, out: [] });
        },
        data: (s, chunk) => {
          if (s.data.started) return;
          let line: string | undefined;
          try {
            line = s.data.lines.push(chunk)[0];
          } catch (err) {
            if (!(err instanceof MessageTooLarge)) throw err;
            s.data.started = true;
            send(s, { type: "error", message: `supervisor: request larger than ${MAX_MESSAGE_BYTES} bytes`, code: "request_too_large", exitCode: 2, hint: "make the project smaller" }, true);
            return;
          }
          if (line === undefined) return;
          s.data.started = true;
          let req: ParsedRequest;
          try {
            req = RequestSchema.parse(JSON.parse(line));
          } catch (err) {
            send(s, { type: "error", message: `supervisor: bad request: ${errorText(err)}`, code: "bad_request", exitCode: 2 }, true);
            return;
          }
          // the client gives up on a silent peer: say we are alive while the work goes on
          s.data.keepalive = setInterval(() => send(s, { type: "keepalive" }), this.o.keepaliveMs ?? KEEPALIVE_MS);
          this.handle(req, (event) => send(s, { type: "event", event: event as Record<string, unknown> })).then(
            (data) => send(s, { type: "result", data }, true),
            (err) =>
              send(
                s,
                isKittenError(err)
                  ? { type: "error", message: err.message, code: err.code, exitCode: err.exitCode, ...(err.hint ? { hint: err.hint } : {}) }
                  : { type: "error", message: errorText(err), code: "internal", exitCode: 1 },
                true,
              ),
          );
        },
      },
    });
  }

  /** Stops serving and watching; the containers keep running. */
  async close(): Promise<void> {
    this.listener?.stop(true);
    this.listener = undefined;
    if (this.socketPath && existsSync(this.socketPath)) unlinkSync(this.socketPath);
    await this.supervisor.close();
  }
}
