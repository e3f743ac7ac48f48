/**
 * An in-memory ContainerRuntime that behaves like the real one as orchestration sees it:
 * create → created, start → running, the container's program exits by itself after a scripted
 * time with a scripted code, stop sends the stop signal (exit 143, or 137 after the grace period
 * when the program ignores it), kill exits 137, exec returns scripted results. Time comes from
 * the FakeClock. Every call is logged for assertions.
 */
import type { ContainerRuntime, ContainerSpec, ContainerState, ExecOptions, ExecResult } from "../../../../src/engine/runtime/types.ts";
import type { FakeClock } from "../supervisor/fake-clock.ts";

export interface Program {
  /** exits by itself this long after each start (undefined: runs until stopped) */
  exitAfterMs?: number | ((run: number) => number | undefined);
  exitCode?: number | ((run: number) => number);
  /** does not exit on the stop signal, only on SIGKILL */
  ignoresTerm?: boolean;
  /** result of exec, by the first argv word or "*" */
  exec?: (command: string[], run: number) => ExecResult | Promise<ExecResult>;
  /** create fails with this message */
  failCreate?: string;
}

interface Entry {
  spec: ContainerSpec;
  state: ContainerState;
  runs: number;
  waiters: Array<(code: number) => void>;
  exitTimer?: AbortController;
}

export class FakeRuntime implements ContainerRuntime {
  readonly calls: string[] = [];
  /** remove's options, by call: whether anonymous volumes went with the container */
  readonly removals: Array<{ name: string; volumes?: boolean }> = [];
  /** anonymous volumes that exist (made by create, dropped by remove with volumes) */
  readonly anonymousVolumes = new Set<string>();
  private readonly containers = new Map<string, Entry>();
  private pidSeq = 1000;
  private volumeSeq = 0;

  constructor(
    readonly clock: FakeClock,
    /** program per service (or per image when no service) */
    readonly programs: Record<string, Program> = {},
  ) {}

  private program(e: Entry): Program {
    return this.programs[e.spec.service ?? e.spec.image] ?? {};
  }

  private get(name: string): Entry {
    const e = this.containers.get(name);
    if (!e) throw new Error(`no such container: ${name}`);
    return e;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  async create(spec: ContainerSpec): Promise<ContainerState> {
    this.calls.push(`create ${spec.name}`);
    if (this.containers.has(spec.name)) throw new Error(`container ${spec.name} already exists`);
    const fail = (this.programs[spec.service ?? spec.image] ?? {}).failCreate;
    if (fail) throw new Error(fail);
    const state: ContainerState = {
      name: spec.name,
      project: spec.project,
      service: spec.service,
      replica: spec.replica,
      status: "created",
      image: spec.image,
      configHash: spec.configHash,
    };
    // anonymous volumes as the real runtime names them: inherited by path when they still exist
    const anonymous: Record<string, string> = {};
    for (const m of spec.mounts ?? []) {
      if (m.type !== "volume" || m.source) continue;
      const inherited = spec.inheritVolumes?.[m.target];
      anonymous[m.target] = inherited && this.anonymousVolumes.has(inherited) ? inherited : `anon-${++this.volumeSeq}`;
      this.anonymousVolumes.add(anonymous[m.target]!);
    }
    if (Object.keys(anonymous).length > 0) state.anonymousVolumes = anonymous;
    this.containers.set(spec.name, { spec, state, runs: 0, waiters: [] });
    return { ...state };
  }

  async start(name: string): Promise<ContainerState> {
    this.calls.push(`start ${name}`);
    const e = this.get(name);
    if (e.state.status === "running") return { ...e.state };
    e.runs++;
    e.state = { ...e.state, status: "running", pid: this.pidSeq++, startedAt: this.iso(), exitCode: undefined, finishedAt: undefined };
    const p = this.program(e);
    const after = typeof p.exitAfterMs === "function" ? p.exitAfterMs(e.runs) : p.exitAfterMs;
    if (after !== undefined) {
      const run = e.runs;
      const abort = new AbortController();
      e.exitTimer = abort;
      this.clock.sleep(after, abort.signal).then(
        () => {
          if (e.runs === run && e.state.status === "running") {
            const code = typeof p.exitCode === "function" ? p.exitCode(run) : (p.exitCode ?? 0);
            this.exit(e, code);
          }
        },
        () => {},
      );
    }
    return { ...e.state };
  }

  private exit(e: Entry, code: number): void {
    e.exitTimer?.abort();
    e.exitTimer = undefined;
    e.state = { ...e.state, status: "exited", exitCode: code, pid: undefined, finishedAt: this.iso() };
    const waiters = e.waiters;
    e.waiters = [];
    for (const w of waiters) w(code);
  }

  async stop(name: string, options: { signal?: string; timeoutMs?: number } = {}): Promise<ContainerState> {
    this.calls.push(`stop ${name}`);
    const e = this.get(name);
    if (e.state.status !== "running" && e.state.status !== "paused") return { ...e.state };
    if (this.program(e).ignoresTerm) {
      await this.clock.sleep(options.timeoutMs ?? 10_000);
      if (e.state.status === "running") this.exit(e, 137);
    } else {
      this.exit(e, 143);
    }
    return { ...e.state };
  }

  async kill(name: string, signal = "SIGKILL"): Promise<void> {
    this.calls.push(`kill ${name} ${signal}`);
    const e = this.get(name);
    if (e.state.status === "running") this.exit(e, signal === "SIGKILL" || signal === "KILL" ? 137 : 143);
  }

  async remove(name: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    this.calls.push(`remove ${name}`);
    this.removals.push({ name, volumes: options.volumes });
    const e = this.get(name);
    if (options.volumes !== false) for (const v of Object.values(e.state.anonymousVolumes ?? {})) this.anonymousVolumes.delete(v);
    if (e.state.status === "running" && !options.force) throw new Error(`container ${name} is running`);
    if (e.state.status === "running") this.exit(e, 137);
    this.containers.delete(name);
  }

  async pause(name: string): Promise<void> {
    this.calls.push(`pause ${name}`);
    const e = this.get(name);
    e.state = { ...e.state, status: "paused" };
  }

  async unpause(name: string): Promise<void> {
    this.calls.push(`unpause ${name}`);
    const e = this.get(name);
    e.state = { ...e.state, status: "running" };
  }

  async inspect(name: string): Promise<ContainerState | undefined> {
    const e = this.containers.get(name);
    return e ? { ...e.state } : undefined;
  }

  async list(filter: { project?: string } = {}): Promise<ContainerState[]> {
    return [...this.containers.values()]
      .filter((e) => filter.project === undefined || e.state.project === filter.project)
      .map((e) => ({ ...e.state }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async exec(name: string, command: string[], _options?: ExecOptions): Promise<ExecResult> {
    this.calls.push(`exec ${name} ${command.join(" ")}`);
    const e = this.get(name);
    if (e.state.status !== "running") return { exitCode: 126, stdout: "", stderr: `container ${name} is not running` };
    const p = this.program(e);
    return p.exec ? p.exec(command, e.runs) : { exitCode: 0, stdout: "", stderr: "" };
  }

  wait(name: string): Promise<number> {
    const e = this.get(name);
    if (e.state.status === "exited" || e.state.status === "dead" || e.state.status === "created") {
      if (e.state.status !== "created") return Promise.resolve(e.state.exitCode ?? 0);
    }
    return new Promise((resolve) => e.waiters.push(resolve));
  }

  /** test helper: the container's program crashes now with this code */
  crash(name: string, code: number): void {
    this.exit(this.get(name), code);
  }

  spec(name: string): ContainerSpec | undefined {
    return this.containers.get(name)?.spec;
  }
}
