/**
 * The CLI's side of the one target resolver (src/engine/orchestrate/target.ts): the global flags
 * of this invocation, the process environment and working directory become a TargetRequest. -p is
 * checked here, at the edge (core/names.ts); `kitten compose <verb>` asks for compose's strict
 * reading (a project is required, positionals are services only).
 */
import { InvalidInputError } from "../core/errors.ts";
import { checkProjectName } from "../core/names.ts";
import { kittenPaths } from "../core/paths.ts";
import type { Reporter } from "../core/reporter.ts";
import { projectOfContainer } from "../engine/orchestrate/project-api.ts";
import { resolveTarget, type ProjectNeed, type Target, type TargetRequest } from "../engine/orchestrate/target.ts";
import { invocation } from "./invocation.ts";
import { cliReporter } from "./render/reporter.ts";

export interface CliTargetOptions {
  names?: string[];
  fallback?: TargetRequest["fallback"];
  reporter?: Reporter;
}

export function targetRequest(need: ProjectNeed, o: CliTargetOptions = {}): TargetRequest {
  const { global, compose } = invocation();
  return {
    files: global.files,
    ...(global.projectName !== undefined ? { projectName: checkProjectName(global.projectName, "-p") } : {}),
    ...(global.projectDirectory !== undefined ? { projectDirectory: global.projectDirectory } : {}),
    envFiles: global.envFiles,
    profiles: global.profiles,
    cwd: process.cwd(),
    env: process.env,
    reporter: o.reporter ?? cliReporter(),
    need,
    names: o.names ?? [],
    ...(o.fallback ? { fallback: o.fallback } : {}),
    strict: compose,
  };
}

export async function cliTarget(need: ProjectNeed, o: CliTargetOptions = {}): Promise<Target> {
  const req = targetRequest(need, o);
  if (req.files?.includes("-")) req.stdin = await Bun.stdin.text();
  return resolveTarget(req, { paths: kittenPaths() });
}

/** The target's project, for verbs that only work on one (a compose file or -p is needed). */
export function requireProject(target: Target, verb: string): string {
  if (target.project) return target.project;
  throw new InvalidInputError(`${verb}: no compose file found here or in the directories above`, {
    code: "no_config",
    hint: "pass one with -f <file>, or name the project with -p <name>",
  });
}

/**
 * Containers named docker-style for a verb that works through a project's records (top, stats,
 * port, exec, cp): each must belong to a project kitten runs; returns them by project.
 */
export function containersByProject(names: string[]): Map<string, string[]> {
  const paths = kittenPaths();
  const out = new Map<string, string[]>();
  for (const name of names) {
    const project = projectOfContainer(name, { paths });
    if (!project) throw new InvalidInputError(`container "${name}" is not a project's container`, { code: "bad_usage", hint: "this works for the containers of projects (kitten up); kitten ps lists them" });
    out.set(project, [...(out.get(project) ?? []), name]);
  }
  return out;
}
