/**
 * The real run of `kitten up` (everything but --dry-run, which up.ts handles): load, hand the
 * project to the engine, then either return (-d, --wait) or stay attached, streaming logs with
 * `container |` prefixes until Ctrl-C (stop the stack; a second Ctrl-C kills it), until every
 * container exited, or per --abort-on-container-exit / --exit-code-from.
 */
import { projectOptions, repeated } from "./args.ts";
import { engineDeps, timeoutMs } from "./project-context.ts";
import { colorWanted, logPrinter } from "./render/log-lines.ts";
import { cliReporter, type EventFormat } from "./render/reporter.ts";
import { liveStatus } from "./render/live-status.ts";
import { InvalidInputError } from "../core/errors.ts";
import { attachProject, lastEventId } from "../engine/orchestrate/attach.ts";
import { serviceCommand, up } from "../engine/orchestrate/project-api.ts";
import { loadForServices } from "../engine/plan/index.ts";

export interface UpArgs {
  "project-name"?: string;
  "project-directory"?: string;
  detach?: boolean;
  wait?: boolean;
  "wait-timeout"?: string;
  "remove-orphans"?: boolean;
  "force-recreate"?: boolean;
  "no-deps"?: boolean;
  "renew-anon-volumes"?: boolean;
  "abort-on-container-exit"?: boolean;
  "exit-code-from"?: string;
  pull?: string;
  timeout?: string;
  "no-color"?: boolean;
  _: unknown[];
}

export async function runUp(args: UpArgs, rawArgs: string[], format: EventFormat, scale: Record<string, number>): Promise<number> {
  const live = format === "text" ? liveStatus() : undefined;
  const reporter = live ?? cliReporter({ format });
  const services = args._.map(String);
  const pull = args.pull ?? "missing";
  if (pull !== "always" && pull !== "missing" && pull !== "never") {
    throw new InvalidInputError(`--pull must be always, missing or never, not "${pull}"`, { code: "bad_flag" });
  }
  const detach = Boolean(args.detach || args.wait);
  if (detach && (args["abort-on-container-exit"] || args["exit-code-from"])) {
    throw new InvalidInputError("--abort-on-container-exit and --exit-code-from need an attached up (without -d or --wait)", { code: "bad_flag" });
  }
  const loaded = await loadForServices({ ...projectOptions(rawArgs, args), reporter }, services);
  const deps = engineDeps(reporter, loaded.workingDir);
  const startedAt = new Date().toISOString();
  const afterEventId = lastEventId(loaded.project.name, deps);
  const waitSeconds = args["wait-timeout"] === undefined ? undefined : Number(args["wait-timeout"]);
  if (waitSeconds !== undefined && !(waitSeconds > 0)) throw new InvalidInputError(`--wait-timeout must be a number of seconds, not "${args["wait-timeout"]}"`, { code: "bad_flag" });
  await up(
    {
      project: loaded.project,
      workingDir: loaded.workingDir,
      configFiles: loaded.files,
      services,
      noDeps: args["no-deps"] || (args as { deps?: boolean }).deps === false,
      forceRecreate: args["force-recreate"],
      renewAnonVolumes: args["renew-anon-volumes"],
      removeOrphans: args["remove-orphans"],
      scale,
      wait: args.wait,
      pull,
      ...(waitSeconds === undefined ? {} : { waitTimeoutMs: waitSeconds * 1000 }),
      ...(timeoutMs(args.timeout) === undefined ? {} : { timeoutMs: timeoutMs(args.timeout) }),
    },
    deps,
  );
  live?.done();
  if (detach) return 0;

  const project = loaded.project.name;
  const abort = new AbortController();
  let interrupts = 0;
  const onInt = () => {
    interrupts++;
    if (interrupts === 1) {
      reporter.emit({ type: "info", message: "gracefully stopping... (press Ctrl+C again to force)" });
      abort.abort();
    } else {
      void serviceCommand("kill", { project }, deps).catch(() => {});
    }
  };
  process.on("SIGINT", onInt);
  try {
    const end = await attachProject(
      { project, services, abortOnExit: args["abort-on-container-exit"], exitCodeFrom: args["exit-code-from"], since: startedAt, afterEventId, signal: abort.signal },
      deps,
      logPrinter({ color: colorWanted(args["no-color"]) }),
    );
    if (end.reason !== "all exited") await serviceCommand("stop", { project, timeoutMs: timeoutMs(args.timeout) }, deps);
    if (end.reason === "cancelled") return 130;
    return args["exit-code-from"] || args["abort-on-container-exit"] ? end.exitCode : 0;
  } finally {
    process.off("SIGINT", onInt);
  }
}
