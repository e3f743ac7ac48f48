/**
 * Shared argument fragments (nuxi style) and the helpers citty lacks: repeatable flags such as
 * `--scale a=1 --scale b=2`, which citty collapses to the last value. The project flags
 * (-f, -p, --project-directory, --env-file, --profile) are docker compose's global flags, read by
 * the composition root (argv.ts) before or after the verb; `projectOptions` hands them to the
 * loader, merged with any a command still declares itself.
 */
import type { ArgsDef } from "citty";
import { checkProjectName } from "../core/names.ts";
import { invocation } from "./invocation.ts";

/** For commands that declare the project flags themselves (the global ones are read either way). */
export const projectArgs = {
  file: { type: "string", alias: "f", description: "compose or kitten file (repeatable; later files merge over earlier ones)" },
  "project-name": { type: "string", alias: "p", description: "project name (default: name: in the file, or the directory name)" },
  "project-directory": { type: "string", description: "working directory of the project (default: the first file's directory)" },
  "env-file": { type: "string", description: "environment file for interpolation (repeatable; replaces .env)" },
  profile: { type: "string", description: "enable a profile (repeatable)" },
} as const satisfies ArgsDef;

export const formatArg = {
  format: { type: "string", description: "output format: text or json", default: "text" },
} as const satisfies ArgsDef;

/** All values of a repeatable flag, in order: `-f a -f b`, `--file=a`. */
export function repeated(rawArgs: string[], names: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    for (const name of names) {
      if (arg === name && i + 1 < rawArgs.length) {
        values.push(rawArgs[++i]!);
        break;
      }
      if (arg.startsWith(`${name}=`)) {
        values.push(arg.slice(name.length + 1));
        break;
      }
    }
  }
  return values;
}

/** The project-loading options: the global flags of this invocation, then any the command parsed itself. */
export function projectOptions(rawArgs: string[] = [], args: { "project-name"?: string; "project-directory"?: string } = {}) {
  const g = invocation().global;
  const projectName = args["project-name"] ?? g.projectName;
  return {
    files: [...g.files, ...repeated(rawArgs, ["-f", "--file"])],
    projectName: projectName === undefined ? undefined : checkProjectName(projectName, "-p"),
    projectDirectory: args["project-directory"] ?? g.projectDirectory,
    envFiles: [...g.envFiles, ...repeated(rawArgs, ["--env-file"])],
    profiles: [...g.profiles, ...repeated(rawArgs, ["--profile"]).flatMap((p) => p.split(",")).filter(Boolean)],
  };
}

/** A `--no-<name>` flag: citty reads it as `<name>: false`, not as `no-<name>: true`. */
export function negated(args: Record<string, unknown>, name: string): boolean {
  return args[`no-${name}`] === true || args[name] === false;
}
