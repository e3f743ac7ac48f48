/**
 * The real run of `kitten up` (and `kitten create`): flags checked as docker compose checks them,
 * the project loaded, handed to the engine; then either return (-d, --wait, --no-start) or stay
 * attached — the output of each container streamed as it starts (not once everything is up),
 * with `web-1 |` prefixes, until Ctrl-C (stop what this up started; a second Ctrl-C kills it),
 * until every container exited, or per --abort-on-container-exit/-failure / --exit-code-from.
 */
import { buildAware } from "./render/build-progress.ts";
import { projectOptions, repeated } from "./args.ts";
import { engineDeps, timeoutMs, waitSeconds } from "./project-context.ts";
import { colorWanted, logPrinter } from "./render/log-lines.ts";
import { cliReporter, type EventFormat } from "./render/reporter.ts";
import { liveStatus } from "./render/live-status.ts";
import { parseScale } from "./commands/up.ts";
import { InvalidInputError } from "../core/errors.ts";
import type { Reporter } from "../core/reporter.ts";
import { attachProject, lastEventId, type AttachEnd } from "../engine/orchestrate/attach.ts";
import type { KittenPaths } from "../core/paths.ts";
import { openStateDb } from "../engine/state/db.ts";
import { ProjectStore } from "../engine/state/project-store.ts";
import { serviceCommand, up } from "../engine/orchestrate/project-api.ts";
import { loadForServices, planProject } from "../engine/plan/index.ts";

export interface UpFlags {
  services: string[];
  detach: boolean;
  wait: boolean;
  waitTimeoutMs?: number;
  removeOrphans: boolean;
  forceRecreate: boolean;
  alwaysRecreateDeps: boolean;
  noRecreate: boolean;
  noStart: boolean;
  noDeps: boolean;
  renewAnonVolumes: boolean;
  abortOnExit: boolean;
  abortOnFailure: boolean;
  exitCodeFrom?: string;
  attach: string[];
  noAttach: string[];
  attachDependencies: boolean;
  scale: Record<string, number>;
  /** undefined: each service's pull_policy decides */
  pull?: "always" | "missing" | "never";
  /** services with build:: "always" is --build, "never" --no-build, "missing" builds absent images */
  build: "always" | "missing" | "never";
  quietPull: boolean;
  timeoutMs?: number;
  timestamps: boolean;
  noColor: boolean;
  noLogPrefix: boolean;
}

type UpArgs = Record<string, unknown> & { _: unknown[] };

const fail = (message: string) => new InvalidInputError(message, { code: "bad_flag", hint: "`kitten up --help` lists up's flags and their values" });

/** The flags of up (and create), checked with docker compose's messages (cmd/compose/up.go validateFlags, create.go). */
export function upFlags(args: UpArgs, rawArgs: string[]): UpFlags {
  const b = (name: string) => args[name] === true;
  // citty reads --no-x as x=false
  const no = (name: string) => b(`no-${name}`) || args[name] === false;
  const attach = repeated(rawArgs, ["--attach"]);
  const exitCodeFrom = typeof args["exit-code-from"] === "string" ? args["exit-code-from"] : undefined;
  const abortOnExit = b("abort-on-container-exit") || exitCodeFrom !== undefined;
  const wait = b("wait");
  const detach = b("detach") || wait;
  const pullValue = typeof args.pull === "string" ? args.pull : undefined;
  if (pullValue !== undefined && !["always", "missing", "never", "if_not_present", "build"].includes(pullValue)) throw fail(`invalid --pull option "${pullValue}"`);
  if (b("build") && no("build")) throw fail("--build and --no-build are incompatible");
  if (b("abort-on-container-failure") && b("abort-on-container-exit")) throw fail("--abort-on-container-failure cannot be combined with --abort-on-container-exit");
  if (wait && (abortOnExit || attach.length > 0 || b("attach-dependencies"))) throw fail("--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies");
  if (b("detach") && (abortOnExit || b("abort-on-container-failure") || attach.length > 0 || b("attach-dependencies"))) {
    throw fail("--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch");
  }
  if (no("recreate") && b("renew-anon-volumes")) throw fail("--no-recreate and --renew-anon-volumes are incompatible");
  if (no("recreate") && b("force-recreate")) throw fail("--force-recreate and --no-recreate are incompatible");
  if (no("recreate") && b("always-recreate-deps")) throw fail("--always-recreate-deps and --no-recreate are incompatible");
  if (attach.length > 0 && b("attach-dependencies")) throw fail("cannot combine --attach and --attach-dependencies");
  const waitTimeout = waitSeconds(typeof args["wait-timeout"] === "string" ? args["wait-timeout"] : undefined);
  const t = timeoutMs(typeof args.timeout === "string" ? args.timeout : undefined, "--timeout");
  return {
    services: args._.map(String),
    detach,
    wait,
    ...(waitTimeout ? { waitTimeoutMs: waitTimeout * 1000 } : {}),
    removeOrphans: b("remove-orphans"),
    forceRecreate: b("force-recreate"),
    alwaysRecreateDeps: b("always-recreate-deps"),
    noRecreate: no("recreate"),
    noStart: no("start"),
    noDeps: no("deps"),
    renewAnonVolumes: b("renew-anon-volumes"),
    abortOnExit,
    abortOnFailure: b("abort-on-container-failure"),
    ...(exitCodeFrom ? { exitCodeFrom } : {}),
    attach,
    noAttach: repeated(rawArgs, ["--no-attach"]),
    attachDependencies: b("attach-dependencies"),
    scale: parseScale(repeated(rawArgs, ["--scale"])),
    // --pull build (compose): build what has build:, pull the rest when missing
    ...(pullValue === undefined ? {} : { pull: pullValue === "if_not_present" || pullValue === "build" ? "missing" : (pullValue as NonNullable<UpFlags["pull"]>) }),
    build: b("build") || pullValue === "build" ? "always" : no("build") ? "never" : "missing",
    quietPull: b("quiet-pull"),
    ...(t === undefined ? {} : { timeoutMs: t }),
    timestamps: b("timestamps"),
    noColor: no("color"),
    noLogPrefix: no("log-prefix"),
  };
}

/** Pull progress dropped (--quiet-pull); warnings and container events still shown. */
function quietPull(reporter: Reporter): Reporter {
  return { emit: (e) => (e.type === "progress" && e.id !== "wait" && !e.action.startsWith("waiting") ? undefined : reporter.emit(e)) };
}

export async function runUp(f: UpFlags, format: EventFormat): Promise<number> {
  const attached = !f.detach && !f.noStart;
  const live = format === "text" && !attached ? liveStatus() : undefined;
  const events = live ?? cliReporter({ format });
  // service builds render as kitten build renders them (BuildKit-style, folded on a terminal)
  const base = format === "text" ? buildAware(events) : events;
  const reporter = f.quietPull ? quietPull(base) : base;
  const loaded = await loadForServices({ ...projectOptions(), reporter }, f.services);
  const project = loaded.project;
  // every service this up runs: the named ones and, unless --no-deps, what they depend on
  const selected = Object.keys(planProject(project, { services: f.services, noDeps: f.noDeps, scale: f.scale }).services);
  for (const s of [...f.attach, ...(f.exitCodeFrom ? [f.exitCodeFrom] : [])]) {
    if (!selected.includes(s)) throw fail(`cannot attach to services not included in up: ${s}`);
  }
  const deps = engineDeps(reporter, loaded.workingDir);
  const startedAt = new Date().toISOString();
  const afterEventId = lastEventId(project.name, deps);
  const upRun = () =>
    up(
      {
        project,
        workingDir: loaded.workingDir,
        configFiles: loaded.files,
        services: f.services,
        noDeps: f.noDeps,
        forceRecreate: f.forceRecreate,
        alwaysRecreateDeps: f.alwaysRecreateDeps,
        noRecreate: f.noRecreate,
        noStart: f.noStart,
        renewAnonVolumes: f.renewAnonVolumes,
        removeOrphans: f.removeOrphans,
        scale: f.scale,
        wait: f.wait,
        // without --pull each service's pull_policy decides
        ...(f.pull === undefined ? {} : { pull: f.pull }),
        build: f.build,
        environment: loaded.environment,
        ...(f.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: f.waitTimeoutMs }),
        ...(f.timeoutMs === undefined ? {} : { timeoutMs: f.timeoutMs }),
      },
      deps,
    );
  if (!attached) {
    await upRun();
    live?.done();
    return 0;
  }

  // compose attaches to the named services (all when none is named; their dependencies with
  // --attach-dependencies), or exactly --attach; never to --no-attach
  const shown = (f.attach.length > 0 ? f.attach : f.services.length > 0 && !f.attachDependencies ? f.services : selected).filter((s) => !f.noAttach.includes(s));
  const abort = new AbortController();
  let interrupts = 0;
  let upDone = false;
  const onInt = () => {
    interrupts++;
    if (interrupts === 1) {
      reporter.emit({ type: "info", message: "Gracefully stopping... (press Ctrl+C again to force)" });
      abort.abort();
    } else {
      void serviceCommand("kill", { project: project.name, services: selected }, deps).catch(() => {});
    }
  };
  process.on("SIGINT", onInt);
  try {
    // attached from the start: each container's output shows as it starts
    const attach = attachProject(
      {
        project: project.name,
        services: shown,
        watch: selected,
        abortOnExit: f.abortOnExit,
        abortOnFailure: f.abortOnFailure,
        ...(f.exitCodeFrom ? { exitCodeFrom: f.exitCodeFrom } : {}),
        since: startedAt,
        afterEventId,
        signal: abort.signal,
        settled: () => upDone,
      },
      deps,
      logPrinter({ color: colorWanted(f.noColor), timestamps: f.timestamps, prefix: !f.noLogPrefix, project: project.name }),
    );
    try {
      await upRun();
    } catch (err) {
      abort.abort();
      await attach;
      throw err;
    } finally {
      upDone = true;
    }
    const end = await attach;
    // stop what this up started (the selected services), as compose does on Ctrl-C or an abort
    if (end.reason !== "all exited") await serviceCommand("stop", { project: project.name, services: selected, ...(f.timeoutMs === undefined ? {} : { timeoutMs: f.timeoutMs }) }, deps);
    if (end.reason === "cancelled") return 130;
    if (f.exitCodeFrom) return exitCodeOf(project.name, f.exitCodeFrom, end, deps);
    return f.abortOnExit || f.abortOnFailure ? end.exitCode : 0;
  } finally {
    process.off("SIGINT", onInt);
  }
}

/** --exit-code-from: the code of that service's container — the one that ended the attach, or as it was stopped. */
function exitCodeOf(project: string, service: string, end: AttachEnd, deps: { paths: KittenPaths }): number {
  const store = new ProjectStore(openStateDb(deps.paths));
  if (end.reason === "container exited" && store.getContainer(end.container)?.service === service) return end.exitCode;
  const rec = store.listContainers(project).find((c) => c.service === service);
  return rec?.exitCode ?? (end.reason === "cancelled" ? 130 : end.exitCode);
}
