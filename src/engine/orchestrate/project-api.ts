/**
 * The engine entry points of project commands (issue #6 §6), called by the CLI and later by
 * the HTTP API and the AI: they run on the host, take the project lock for mutations, make sure
 * the project's supervisor runs (starting one adopts running containers), and talk to it over
 * its control socket. They report through the Reporter and never print.
 */
import { InvalidInputError, errorText, isKittenError } from "../../core/errors.ts";
import { didYouMeanHint } from "../../core/suggest.ts";
import type { KittenPaths } from "../../core/paths.ts";
import type { KittenEvent, Reporter } from "../../core/reporter.ts";
import { ProjectSchema, replicasOf, type Project } from "../compose/model.ts";
import { serviceImage } from "../compose/build.ts";
import { containerNames } from "../plan/plan.ts";
import type { ImageResolver, OciImageConfig } from "../image/types.ts";
import { openStateDb } from "../state/db.ts";
import { acquireProjectLock, withProjectLock } from "../state/lock.ts";
import { ProjectStore, type ContainerRecord, type ProjectEvent } from "../state/project-store.ts";
import { requestSupervisor, supervisorSocketPath, SupervisorUnavailable } from "../supervisor/client.ts";
import type { ContainerState } from "../runtime/types.ts";
import { overlayTruth } from "./truth.ts";
import { ensureSupervisor, supervisorLockPath, type Launcher } from "../supervisor/process.ts";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { containerFiles } from "../runtime/container-files.ts";
import { INIT_PATH } from "../runtime/spec/oci-spec.ts";
import { dirname, join } from "node:path";
import { PROJECT_NAME_RE } from "../../core/names.ts";
import { readNamespace } from "../../net/namespace/index.ts";
import type { ContainerStatus } from "../runtime/types.ts";
import { Wakeup } from "../runtime/wakeup.ts";
import type { Request } from "../supervisor/protocol.ts";
import type { ServiceAction } from "./lifecycle.ts";
import { ContainerStore } from "../runtime/store.ts";
import type { ContainerRuntime } from "../runtime/types.ts";
import { oneOffRecords, oneOffService } from "./one-off.ts";
import { containerProcesses, sampleUsage, scanProcs, type ContainerUsage, type ProcInfo } from "./proc-stats.ts";
import { K8sFileReader, projectLogs, type LogFiles, type LogLine, type ProjectLogsOptions } from "./logs.ts";
import { ensureProjectVolumes, removeProjectVolumes } from "../volume/project-volumes.ts";
import { SecretSourceError, materializeSecrets, removeSecrets } from "../runtime/secret-files.ts";
import { FailureStore, type StartPhase } from "../state/failure-store.ts";
import { checkPlatforms, hostWarnings, pullMode, staleImage, strongest } from "./up-checks.ts";

export interface ProjectEngineDeps {
  paths: KittenPaths;
  reporter: Reporter;
  /** starts `kitten __supervise <project>` (launchSupervisorProcess in production) */
  launch: Launcher;
  images?: ImageResolver;
  /** what containers need before up: namespace, networks, volumes (runtime and net issues) */
  prepare?: (project: Project) => Promise<void>;
  /** after down: networks, namespace, and volumes with -v */
  teardown?: (project: string, options: { volumes: boolean }) => Promise<void>;
  /**
   * read-only: the runtime's view of the project's containers (ps without a supervisor), and
   * whether its namespace's holder died (issue #13: ps says so)
   */
  observe?: (project: string) => Promise<{ states: ContainerState[]; namespaceGone: boolean }>;
}

function store(deps: Pick<ProjectEngineDeps, "paths">): ProjectStore {
  return new ProjectStore(openStateDb(deps.paths));
}

/** A failure before any container (a pull, the secrets) recorded for the services it stopped, for diagnose. */
function recordStartFailure(deps: ProjectEngineDeps, project: string, services: string[], phase: StartPhase, err: unknown, extra: { image?: string } = {}): void {
  try {
    const failures = new FailureStore(openStateDb(deps.paths));
    const time = new Date().toISOString();
    for (const service of services) {
      failures.recordStart(project, { time, service, phase, ...extra, error: errorText(err), ...(isKittenError(err) ? { code: err.code, ...(err.hint ? { hint: err.hint } : {}) } : {}) });
    }
  } catch (recordErr) {
    deps.reporter.emit({ type: "warning", message: `the failure could not be recorded for kitten diagnose: ${errorText(recordErr)}` });
  }
}

async function ask(deps: ProjectEngineDeps, project: string, req: Request): Promise<unknown> {
  await ensureSupervisor(deps.paths, project, { launch: deps.launch });
  return requestSupervisor(supervisorSocketPath(deps.paths, project), project, req, (e: KittenEvent) => deps.reporter.emit(e));
}

export interface UpOptions {
  project: Project;
  workingDir: string;
  configFiles: string[];
  services?: string[];
  noDeps?: boolean;
  /** recreate the named services' containers (all when none are named) even when unchanged */
  forceRecreate?: boolean;
  /** --always-recreate-deps: recreate the named services' dependencies too */
  alwaysRecreateDeps?: boolean;
  /** keep existing containers even when their configuration changed */
  noRecreate?: boolean;
  /** create the containers, do not start them (up --no-start, create) */
  noStart?: boolean;
  removeOrphans?: boolean;
  scale?: Record<string, number>;
  wait?: boolean;
  waitTimeoutMs?: number;
  timeoutMs?: number;
  pull?: "always" | "missing" | "never";
  /** services with build: — "missing" (default) builds absent images, "always" is --build, "never" --no-build */
  build?: "always" | "missing" | "never";
  /** up -V: recreated containers get new anonymous volumes instead of inheriting the old ones */
  renewAnonVolumes?: boolean;
  /** the project environment (shell over .env): where secrets and configs with environment: read */
  environment?: Record<string, string | undefined>;
}

export interface UpResult {
  plan: string;
  containers: ContainerRecord[];
}

export async function up(o: UpOptions, deps: ProjectEngineDeps): Promise<UpResult> {
  const name = o.project.name;
  return withProjectLock(
    deps.paths,
    name,
    async () => {
      const s = store(deps);
      // a project that did not exist before this up, and ends it without a container, is removed
      // again: a refused container must not leave a namespace, a supervisor or a network plan (#14)
      const fresh = !s.getProject(name) && s.listContainers(name).length === 0;
      try {
        return await upLocked(o, deps);
      } catch (err) {
        if (fresh && s.listContainers(name).length === 0) await abandon(deps, name);
        throw err;
      }
    },
    { onWait: (pid) => deps.reporter.emit({ type: "info", message: `waiting for another kitten command on project "${name}" (pid ${pid})` }) },
  );
}

/** Removes what a failed first `up` made; its own failures are not the user's error to see. */
async function abandon(deps: ProjectEngineDeps, project: string): Promise<void> {
  const socket = supervisorSocketPath(deps.paths, project);
  if (existsSync(socket)) {
    await requestSupervisor(socket, project, { op: "shutdown" }).catch(() => {});
    await supervisorGone(deps.paths, project);
  }
  await deps.teardown?.(project, { volumes: false }).catch(() => {});
  store(deps).removeProject(project);
}

/**
 * Container names another project already uses, refused before anything is made: the runtime
 * would refuse the create after the namespace and the networks exist.
 */
function checkNameCollisions(project: Project, paths: KittenPaths): void {
  const runtimeStore = new ContainerStore(openStateDb(paths));
  for (const [service, s] of Object.entries(project.services)) {
    const names = containerNames(project.name, service, s, replicasOf(s));
    for (const n of names) {
      const other = runtimeStore.find(n);
      if (other && other.name === n && other.project !== project.name) {
        throw new InvalidInputError(`service "${service}": container name "${n}" is already used by ${other.project === "default" ? "a container of `kitten run`" : `project "${other.project}"`}`, {
          code: "name_in_use",
          hint: other.project === "default" ? `remove it (kitten rm -f ${n}) or change container_name` : `change container_name, or bring project "${other.project}" down first`,
        });
      }
    }
  }
}

async function upLocked(o: UpOptions, deps: ProjectEngineDeps): Promise<UpResult> {
  const name = o.project.name;
  // compose: `up --scale x=2` for a service the project does not have is an error, not ignored
  for (const svc of Object.keys(o.scale ?? {})) {
    if (!Object.hasOwn(o.project.services, svc)) throw new InvalidInputError(`no such service: ${svc}`, { code: "no_such_service", hint: didYouMeanHint(svc, Object.keys(o.project.services)) ?? "--scale takes SERVICE=N for a service of the project" });
  }
  checkNameCollisions(o.project, deps.paths);
  const imageIds: Record<string, string> = {};
  const imageConfigs: Record<string, OciImageConfig> = {};
  checkPlatforms(o.project);
  for (const message of hostWarnings(o.project)) deps.reporter.emit({ type: "warning", message });
  if (deps.images) {
    const builds = Object.values(o.project.services).some((s) => s.build);
    if (builds) {
      const { buildServices } = await import("../build/compose.ts");
      await buildServices({ project: o.project, policy: o.build ?? "missing" }, { paths: deps.paths, reporter: deps.reporter, images: deps.images });
    }
    const refs = new Map<string, string[]>();
    for (const [svc, s] of Object.entries(o.project.services)) {
      const image = serviceImage(name, svc, s);
      if (image) refs.set(image, [...(refs.get(image) ?? []), svc]);
    }
    await Promise.all(
      [...refs].map(async ([ref, services]) => {
        // a built image is local: never pulled (its name is not a registry's)
        const built = services.some((svc) => o.project.services[svc]!.build);
        const mode = built ? "never" : strongest(services.map((s) => pullMode(o.project.services[s]!, o.pull)));
        let img;
        try {
          img = await deps.images!.resolve(ref, { pull: typeof mode === "object" ? "missing" : mode });
          if (typeof mode === "object" && staleImage(img.pulledAt, mode.maxAgeMs)) img = await deps.images!.resolve(ref, { pull: "always" });
        } catch (err) {
          recordStartFailure(deps, name, services, "pull", err, { image: ref });
          throw err;
        }
        for (const s of services) {
          imageIds[s] = img.id;
          imageConfigs[s] = img.config;
        }
      }),
    );
  }
  await deps.prepare?.(o.project);
  ensureProjectVolumes(deps.paths, o.project, deps.reporter);
  try {
    materializeSecrets(deps.paths, o.project, o.environment ?? process.env);
  } catch (err) {
    if (err instanceof SecretSourceError) {
      const users = Object.entries(o.project.services).filter(([, s]) => (s[`${err.kind}s`] ?? []).some((r) => r.source === err.key));
      recordStartFailure(deps, name, users.map(([svc]) => svc), "secrets", err);
    }
    throw err;
  }
  store(deps).saveProject({ name, workingDir: o.workingDir, configFiles: o.configFiles, config: o.project });
  const result = (await ask(deps, name, {
    op: "up",
    project: o.project,
    imageIds,
    imageConfigs,
    services: o.services ?? [],
    noDeps: o.noDeps ?? false,
    forceRecreate: o.forceRecreate ?? false,
    recreateDeps: o.alwaysRecreateDeps ?? false,
    noRecreate: o.noRecreate ?? false,
    noStart: o.noStart ?? false,
    removeOrphans: o.removeOrphans ?? false,
    scale: o.scale ?? {},
    wait: o.wait ?? false,
    ...(o.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: o.waitTimeoutMs }),
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    renewAnonVolumes: o.renewAnonVolumes ?? false,
  })) as UpResult;
  return result;
}

/** The project as `up` last applied it (what `-p NAME` alone stands on), when it parses. */
export function projectConfig(project: string, deps: Pick<ProjectEngineDeps, "paths">): Project | undefined {
  const parsed = ProjectSchema.safeParse(store(deps).getProject(project)?.config);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Records a project as kitten knows it (what `up` records) without starting anything: `compose
 * run --no-deps` of a project never up, so `-p NAME` and `down` know it afterwards.
 */
export function recordProject(p: { project: Project; workingDir: string; configFiles: string[] }, deps: Pick<ProjectEngineDeps, "paths">): void {
  const s = store(deps);
  if (!s.getProject(p.project.name)) s.saveProject({ name: p.project.name, workingDir: p.workingDir, configFiles: p.configFiles, config: p.project });
}

export interface DownOptions {
  project: string;
  timeoutMs?: number;
  removeOrphans?: boolean;
  volumes?: boolean;
}

/** Stops and removes the project's containers, its networks and namespace; with `volumes`, the volumes it made. */
export async function down(o: DownOptions, deps: ProjectEngineDeps): Promise<{ removed: string[]; volumes: string[] }> {
  return withProjectLock(deps.paths, o.project, async () => {
    const s = store(deps);
    let removed: string[] = [];
    if (s.getProject(o.project) || s.listContainers(o.project).length > 0) {
      const r = (await ask(deps, o.project, { op: "down", removeOrphans: o.removeOrphans ?? false, ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }) })) as {
        removed: string[];
      };
      removed = r.removed;
      await requestSupervisor(supervisorSocketPath(deps.paths, o.project), o.project, { op: "shutdown" });
      await supervisorGone(deps.paths, o.project);
    }
    await deps.teardown?.(o.project, { volumes: o.volumes ?? false });
    // compose down -v: named and anonymous volumes the project made, never external ones
    const volumes = o.volumes ? await removeProjectVolumes(deps.paths, o.project, deps.reporter) : [];
    removeSecrets(deps.paths, o.project);
    s.removeProject(o.project);
    new FailureStore(s.db).clearProjectStarts(o.project);
    // a container's exit command may have taken the supervisor lock after the supervisor left
    // (the file made again); the namespace is gone now, and every exit command with it
    rmSync(supervisorLockPath(deps.paths, o.project), { force: true });
    return { removed, volumes };
  }, { removeAfter: true });
}

/** Waits (up to 5 s) until a supervisor told to shut down has removed its files. */
async function supervisorGone(paths: KittenPaths, project: string): Promise<void> {
  const lockFile = supervisorLockPath(paths, project);
  for (let i = 0; i < 100 && existsSync(lockFile); i++) await Bun.sleep(50);
}

export interface ServiceCommandOptions {
  project: string;
  services?: string[];
  /** only these containers, by name */
  containers?: string[];
  timeoutMs?: number;
  signal?: string;
  stop?: boolean;
  /** rm -v: their anonymous volumes too */
  volumes?: boolean;
  /** restart: not the dependents that restart with the named services */
  noDeps?: boolean;
  /** a project kitten never ran has nothing to act on: [] instead of "no such project" (a compose file was found) */
  ifKnown?: boolean;
}

/** stop / start / restart / kill / pause / unpause / rm of services; returns the containers acted on. */
export async function serviceCommand(action: ServiceAction, o: ServiceCommandOptions, deps: ProjectEngineDeps): Promise<string[]> {
  if (o.ifKnown && !isKnown(deps, o.project)) return [];
  requireKnown(deps, o.project);
  const lock = await acquireProjectLock(deps.paths, o.project);
  // a `down` that held the lock meanwhile may have taken the project away: asking its
  // supervisor now would start one (and a namespace) for a project that is gone; and the lock
  // file this made again goes with it, as down's did
  if (!isKnown(deps, o.project)) {
    lock.release({ remove: true });
    requireKnown(deps, o.project);
  }
  try {
    const r = (await ask(deps, o.project, {
      op: "service",
      action,
      services: o.services ?? [],
      containers: o.containers ?? [],
      stop: o.stop ?? false,
      volumes: o.volumes ?? false,
      noDeps: o.noDeps ?? false,
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    })) as { containers: string[] };
    return r.containers;
  } finally {
    lock.release();
  }
}

export function isKnown(deps: Pick<ProjectEngineDeps, "paths">, project: string): boolean {
  const s = store(deps);
  return s.getProject(project) !== undefined || s.listContainers(project).length > 0;
}

function requireKnown(deps: Pick<ProjectEngineDeps, "paths">, project: string): void {
  if (!isKnown(deps, project)) {
    throw new InvalidInputError(`no such project: "${project}"`, { hint: "`kitten ls` lists the projects" });
  }
}

/**
 * The project a container belongs to, when a project's supervisor manages it: `kitten stop|kill|rm
 * <container>` then goes through that supervisor, so a user stop is never undone by a restart policy.
 */
export function projectOfContainer(name: string, deps: Pick<ProjectEngineDeps, "paths">): string | undefined {
  return store(deps).getContainer(name)?.project;
}

export interface PsOptions {
  project: string;
  /** include stopped containers and one-off `run` containers (-a) */
  all?: boolean;
  services?: string[];
  status?: string[];
}

/** A row of `ps`: the supervisor's record with what compose shows beside it (command, creation time). */
export interface PsRow extends ContainerRecord {
  /** the runtime's container id */
  id?: string;
  command?: string;
  createdAt?: string;
  /** a `kitten compose run` container */
  oneOff?: boolean;
}

/**
 * `kitten ps`: the supervisor's records when one runs; else the stored records overlaid with what
 * the runtime sees (issue #13). Read-only: it starts no supervisor (whose adoption would apply
 * restart policies as a side effect) and changes no record. With -a also the project's one-off
 * containers, whose state the runtime tells.
 */
export async function ps(o: PsOptions, deps: ProjectEngineDeps & { runtime?: Pick<ContainerRuntime, "inspect"> }): Promise<PsRow[]> {
  const s = store(deps);
  let records = s.listContainers(o.project);
  let holderGone = false;
  if (records.length > 0) {
    try {
      // one round trip: the status that tells the supervisor is alive is the answer
      records = ((await requestSupervisor(supervisorSocketPath(deps.paths, o.project), o.project, { op: "status" })) as { containers: ContainerRecord[] }).containers;
    } catch (err) {
      if (!(err instanceof SupervisorUnavailable) || !deps.observe) throw err;
      const seen = await deps.observe(o.project);
      records = overlayTruth(records, seen.states);
      if (seen.namespaceGone) holderGone = true;
    }
  }
  if (holderGone || records.some((r) => (r.status === "exited" || r.status === "dead") && r.note?.includes("namespace"))) {
    deps.reporter.emit({
      type: "warning",
      message: `project "${o.project}": its namespace is gone (the holder process died) and every container in it with it; \`kitten up -d\` or \`kitten start -p ${o.project}\` runs them again`,
    });
  }
  const runtimeRecords = new ContainerStore(openStateDb(deps.paths));
  const rows: PsRow[] = records.map((c) => {
    const rt = runtimeRecords.find(c.name);
    return { ...c, ...(rt ? { id: rt.id } : {}), command: commandOf(rt), ...(rt?.createdAt ? { createdAt: rt.createdAt } : {}), oneOff: false };
  });
  if (o.all && deps.runtime) {
    for (const r of oneOffRecords(o.project, deps)) {
      const st = await deps.runtime.inspect(r.name);
      rows.push({
        id: r.id, name: r.name, project: r.project, service: oneOffService(r), replica: 0, image: r.image, status: st?.status ?? "dead", restarts: 0, health: "none",
        manualStop: false, command: commandOf(r), createdAt: r.createdAt, oneOff: true,
        ...(st?.exitCode === undefined ? {} : { exitCode: st.exitCode }),
        ...(st?.startedAt ? { startedAt: st.startedAt } : {}),
        ...(st?.finishedAt ? { finishedAt: st.finishedAt } : {}),
        ...(st?.ports?.length ? { ports: st.ports } : {}),
      });
    }
  }
  return rows.filter(
    (c) =>
      (o.all || o.status?.length || c.status === "running" || c.status === "paused") &&
      (!o.services?.length || o.services.includes(c.service)) &&
      (!o.status?.length || o.status.includes(c.status)),
  );
}

/**
 * docker's COMMAND: what the container runs — its OCI process args (entrypoint and command, the
 * image's where the service sets none), without the init kitten puts in front; the service's own
 * words when the bundle is gone.
 */
function commandOf(rt: { dir: string; spec?: { entrypoint?: string[] | null; command?: string[] | null } } | undefined): string {
  if (!rt) return "";
  try {
    const args = (JSON.parse(readFileSync(containerFiles(rt.dir).config, "utf8")) as { process?: { args?: string[] } }).process?.args ?? [];
    return (args[0] === INIT_PATH && args[1] === "--" ? args.slice(2) : args).join(" ");
  } catch {
    return [...(rt.spec?.entrypoint ?? []), ...(rt.spec?.command ?? [])].join(" ");
  }
}

export interface ProjectListing {
  name: string;
  workingDir: string;
  configFiles: string[];
  counts: Partial<Record<ContainerStatus, number>>;
  /** its rootless namespace is running */
  namespace: boolean;
}

/**
 * `kitten ls`: the projects kitten knows, and namespaces running without one (`kitten run`'s
 * "default", until its last container is gone; `kitten down -p default` stops it). Without
 * `all`, only projects with a running container or a running namespace, as compose lists
 * running projects.
 */
export function listProjects(deps: Pick<ProjectEngineDeps, "paths">, o: { all?: boolean } = {}): ProjectListing[] {
  const known = new ProjectStore(openStateDb(deps.paths)).listProjects();
  let names: string[] = [];
  try {
    names = readdirSync(join(deps.paths.runtime, "ns")).flatMap((f) => (f.endsWith(".json") && PROJECT_NAME_RE.test(f.slice(0, -5)) ? [f.slice(0, -5)] : []));
  } catch {}
  // read-only: a dead namespace's leftovers stay for the next command that acts (ps and ls change nothing)
  const live = new Set(names.filter((n) => readNamespace(deps.paths, n)?.alive === true));
  const rows: ProjectListing[] = known.map((p) => ({ ...p, namespace: live.has(p.name) }));
  const runtime = new ContainerStore(openStateDb(deps.paths));
  for (const name of live) {
    if (known.some((p) => p.name === name)) continue;
    rows.push({ name, workingDir: "", configFiles: [], counts: { running: runtime.list({ project: name }).filter((r) => r.exitCode === undefined).length }, namespace: true });
  }
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return o.all ? rows : rows.filter((r) => (r.counts.running ?? 0) > 0 || (r.counts.paused ?? 0) > 0 || r.namespace);
}

/** `kitten wait`: blocks until the services' containers have exited; their exit codes by container. */
export async function waitServices(o: { project: string; services?: string[] }, deps: ProjectEngineDeps): Promise<Record<string, number>> {
  requireKnown(deps, o.project);
  return (await ask(deps, o.project, { op: "wait", services: o.services ?? [] })) as Record<string, number>;
}

export interface EventsOptions {
  project?: string;
  /** only these services' events */
  services?: string[];
  /** print the log from the start (or since) before following; default: only when since/until is given or not following */
  history?: boolean;
  /** only events after this id (an SSE stream's Last-Event-ID) */
  afterId?: number;
  since?: string;
  until?: string;
  follow?: boolean;
  signal?: AbortSignal;
  pollMs?: number;
}

/** `kitten events`: history from the event log, then (follow) new events as they are appended. */
export async function events(o: EventsOptions, deps: Pick<ProjectEngineDeps, "paths">, onEvent: (e: ProjectEvent) => void): Promise<void> {
  const s = new ProjectStore(openStateDb(deps.paths));
  const q = { ...(o.project ? { project: o.project } : {}), ...(o.until ? { until: o.until } : {}) };
  let last = o.afterId ?? 0;
  const wanted = (e: ProjectEvent) => !o.services?.length || (e.service !== undefined && o.services.includes(e.service));
  const emit = (e: ProjectEvent) => {
    if (wanted(e)) onEvent(e);
    last = e.id;
  };
  // docker compose events streams what happens from now; --since (or a bounded --until) replays
  // the log first, and a stream resumed after an id (Last-Event-ID) gets what came after it
  const history = o.afterId !== undefined || (o.history ?? (!o.follow || o.since !== undefined || o.until !== undefined));
  if (history) for (const e of s.listEvents({ ...q, ...(o.since ? { since: o.since } : {}), ...(o.afterId === undefined ? {} : { afterId: o.afterId }) })) emit(e);
  if (last === 0) last = s.listEvents({ ...(o.project ? { project: o.project } : {}), limit: -1 }).at(-1)?.id ?? 0;
  if (!o.follow) return;
  // every write to the state db touches its WAL file in the data dir: inotify wakes the follower
  // at once; the poll interval bounds the delay when a watch event is missed or merged
  const wakeup = new Wakeup([deps.paths.data]);
  const stop = () => wakeup.fire();
  o.signal?.addEventListener("abort", stop);
  try {
    while (!o.signal?.aborted) {
      await wakeup.wait(o.pollMs ?? 200);
      for (const e of s.listEvents({ ...q, afterId: last })) emit(e);
      // past --until nothing more can come
      if (o.until && Date.now() > Date.parse(o.until)) return;
    }
  } finally {
    o.signal?.removeEventListener("abort", stop);
    wakeup.close();
  }
}

export interface LogsOptions extends Omit<ProjectLogsOptions, "sleep"> {
  project: string;
  services?: string[];
  /** only these containers (logs --index) */
  containers?: string[];
}

/**
 * `kitten logs` of a project's services: works without a supervisor (the files and records are on
 * disk). Following wakes on inotify: the containers' directories (their monitors append to the log
 * files there) and the data dir (the state db's WAL changes when containers come and go); pollMs
 * only bounds the wait should a watch event be missed.
 */
export async function logs(o: LogsOptions, deps: Pick<ProjectEngineDeps, "paths">, onLine: (l: LogLine) => void): Promise<void> {
  const s = new ProjectStore(openStateDb(deps.paths));
  // a project kitten never ran has no output yet (compose prints nothing either)
  if (!isKnown(deps, o.project)) return;
  const wakeup = o.follow ? new Wakeup([deps.paths.data]) : undefined;
  const files: LogFiles = {
    containers: () =>
      s
        .listContainers(o.project)
        .filter((c) => (!o.services?.length || o.services.includes(c.service)) && (!o.containers?.length || o.containers.includes(c.name)))
        .map((c) => {
          if (c.logPath) wakeup?.add(dirname(c.logPath));
          return { name: c.name, service: c.service, ...(c.logPath ? { logPath: c.logPath } : {}) };
        }),
    open: (path, from, limit) => new K8sFileReader(path, from, limit),
  };
  const stop = () => wakeup?.fire();
  o.signal?.addEventListener("abort", stop);
  try {
    await projectLogs(files, { ...o, ...(wakeup ? { sleep: (ms: number) => wakeup.wait(ms), pollMs: o.pollMs ?? 1000 } : {}) }, onLine);
  } finally {
    o.signal?.removeEventListener("abort", stop);
    wakeup?.close();
  }
}

function runningRecords(deps: Pick<ProjectEngineDeps, "paths">, project: string, services: string[] | undefined, containers?: string[]): ContainerRecord[] {
  if (!isKnown(deps, project)) return [];
  return store(deps)
    .listContainers(project)
    .filter(
      (c) => (c.status === "running" || c.status === "paused") && (!services?.length || services.includes(c.service)) && (!containers?.length || containers.includes(c.name)),
    );
}

/** `kitten top`: the processes of each running container, from /proc. */
export function top(o: { project: string; services?: string[]; containers?: string[] }, deps: Pick<ProjectEngineDeps, "paths">): Array<{ container: string; processes: ProcInfo[] }> {
  const procs = scanProcs();
  return runningRecords(deps, o.project, o.services, o.containers).map((c) => ({ container: c.name, processes: containerProcesses(procs, c) }));
}

/** `kitten stats`: CPU and memory per running container, sampled from /proc over intervalMs. */
export function stats(o: { project: string; services?: string[]; containers?: string[]; intervalMs?: number }, deps: Pick<ProjectEngineDeps, "paths">): Promise<ContainerUsage[]> {
  return sampleUsage(runningRecords(deps, o.project, o.services, o.containers), { intervalMs: o.intervalMs ?? 1000 });
}
