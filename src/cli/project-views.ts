/**
 * Project mode of `kitten ps` and `kitten logs` (the container commands of the runtime issue):
 * with `-p NAME` or `--file`, they show a project's containers as compose does — ps with
 * service, health, restarts and ports; logs of all (or the named) services interleaved, with
 * `container |` prefixes, following across restarts and replicas.
 */
import { projectName, engineDeps } from "./project-context.ts";
import { parseFormat } from "./render/format.ts";
import { colorWanted, logPrinter } from "./render/log-lines.ts";
import { renderPs } from "./render/project.ts";
import { cliReporter } from "./render/reporter.ts";
import { InvalidInputError } from "../core/errors.ts";
import { kittenPaths } from "../core/paths.ts";
import { parseTimeArg } from "../engine/orchestrate/log-time.ts";
import { logs, projectOfContainer, ps, serviceCommand } from "../engine/orchestrate/project-api.ts";

interface ProjectRef {
  "project-name"?: string;
  file?: string;
  "project-directory"?: string;
}

export function isProjectMode(args: ProjectRef): boolean {
  return Boolean(args["project-name"] || args.file);
}

export async function runProjectPs(
  args: ProjectRef & { all?: boolean; format?: string; services?: boolean; status?: string; _: unknown[] },
  rawArgs: string[],
): Promise<number> {
  const format = parseFormat(args.format, ["text", "json"]);
  const reporter = cliReporter();
  const project = await projectName(rawArgs, args, reporter);
  const rows = await ps(
    { project, all: args.all, services: args._.map(String), status: args.status ? args.status.split(",") : [] },
    engineDeps(reporter),
  );
  if (args.services) process.stdout.write([...new Set(rows.map((r) => r.service))].map((s) => `${s}\n`).join(""));
  else process.stdout.write(format === "json" ? `${JSON.stringify(rows, null, 2)}\n` : renderPs(rows));
  return 0;
}

export async function runProjectLogs(
  args: ProjectRef & { follow?: boolean; tail?: string; timestamps?: boolean; since?: string; until?: string; "no-color"?: boolean; _: unknown[] },
  rawArgs: string[],
): Promise<number> {
  const tail = args.tail === undefined || args.tail === "all" ? undefined : Number(args.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new InvalidInputError(`--tail must be a number of lines, not "${args.tail}"`);
  const project = await projectName(rawArgs, args, cliReporter());
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort());
  await logs(
    {
      project,
      services: args._.map(String),
      follow: args.follow,
      ...(tail === undefined ? {} : { tail }),
      ...(args.since ? { since: parseTimeArg(args.since, "--since") } : {}),
      ...(args.until ? { until: parseTimeArg(args.until, "--until") } : {}),
      signal: abort.signal,
    },
    { paths: kittenPaths() },
    logPrinter({ color: colorWanted(args["no-color"]), timestamps: args.timestamps }),
  );
  return 0;
}

/**
 * `kitten stop|kill|rm|start <container…>`: containers of a project go through the project's
 * supervisor (so a user stop is never undone by a restart policy, and its records stay true).
 * Prints the containers acted on and returns every name it took care of; the command handles
 * the rest itself.
 */
export async function viaSupervisor(
  action: "stop" | "kill" | "rm" | "start",
  names: string[],
  o: { timeoutMs?: number; signal?: string; stop?: boolean },
): Promise<string[]> {
  const paths = kittenPaths();
  const byProject = new Map<string, string[]>();
  for (const name of names) {
    const project = projectOfContainer(name, { paths });
    if (project) byProject.set(project, [...(byProject.get(project) ?? []), name]);
  }
  if (byProject.size === 0) return [];
  const reporter = cliReporter();
  for (const [project, containers] of byProject) {
    const acted = await serviceCommand(action, { project, containers, ...o }, engineDeps(reporter));
    process.stdout.write(acted.map((n) => `${n}\n`).join(""));
  }
  return [...byProject.values()].flat();
}

/** `kitten stop|kill|rm -p <project> [service…]`: the verb over a project's services. */
export async function runProjectVerb(
  action: "stop" | "kill" | "rm",
  args: ProjectRef & { _: unknown[] },
  rawArgs: string[],
  o: { timeoutMs?: number; signal?: string; stop?: boolean },
): Promise<number> {
  const reporter = cliReporter();
  const project = await projectName(rawArgs, args, reporter);
  const acted = await serviceCommand(action, { project, services: args._.map(String), ...o }, engineDeps(reporter));
  process.stdout.write(acted.map((n) => `${n}\n`).join(""));
  return 0;
}
