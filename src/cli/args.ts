/**
 * Shared argument fragments (nuxi style) and the helpers citty lacks: repeatable flags such as
 * `-f a.yaml -f b.yaml` and `--profile x --profile y`, which citty collapses to the last value.
 */
import type { ArgsDef } from "citty";

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

/** All values of a repeatable flag, in order: `-f a -f b`, `--file=a`, `-fa` is not supported. */
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

/** The project-loading options from a command's raw args. */
export function projectOptions(rawArgs: string[], args: { "project-name"?: string; "project-directory"?: string }) {
  return {
    files: repeated(rawArgs, ["-f", "--file"]),
    projectName: args["project-name"],
    projectDirectory: args["project-directory"],
    envFiles: repeated(rawArgs, ["--env-file"]),
    profiles: repeated(rawArgs, ["--profile"]).flatMap((p) => p.split(",")).filter(Boolean),
  };
}
