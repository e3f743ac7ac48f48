/**
 * The composition root of the project commands: which project a command means (`-p`, else
 * the loaded file's name) and the engine dependencies (engine/orchestrate/engine-deps.ts, shared
 * with `kitten serve`). The compose loader loads only when used, so `ps -p` and `ls` stay quick.
 */
import { checkProjectName } from "../core/names.ts";
import type { Reporter } from "../core/reporter.ts";
import { projectOptions } from "./args.ts";

// the wiring lives beside the engine: `kitten serve` uses the same one
export { engineDeps } from "../engine/orchestrate/engine-deps.ts";

/** `-p NAME`, or the name of the project the compose files in reach describe. */
export async function projectName(rawArgs: string[], args: { "project-name"?: string; "project-directory"?: string }, reporter: Reporter): Promise<string> {
  if (args["project-name"]) return checkProjectName(args["project-name"], "-p");
  const { loadProject } = await import("../engine/compose/index.ts");
  const { project } = await loadProject({ ...projectOptions(rawArgs, args), reporter });
  return project.name;
}

/** `-t SECONDS` as milliseconds. */
export function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : undefined;
}
