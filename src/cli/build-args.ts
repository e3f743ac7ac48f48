/**
 * `kitten build`'s argv, parsed the way docker build reads it: repeatable flags (-t, --build-arg,
 * --secret, --label, --add-host), `--flag value` and `--flag=value`, short boolean clusters
 * (`-q`), and every unknown flag an error naming it. Pure: the command turns the result into
 * the engine's BuildOptions.
 */
import { InvalidInputError } from "../core/errors.ts";
import type { SecretSource } from "../engine/build/index.ts";

export interface BuildFlags {
  positionals: string[];
  tags: string[];
  file?: string;
  buildArgs: string[];
  target?: string;
  noCache: boolean;
  pull: boolean;
  secrets: string[];
  labels: string[];
  iidfile?: string;
  network?: string;
  addHosts: string[];
  progress?: string;
  quiet: boolean;
  platform?: string;
  /** project mode (kitten build SERVICE...): compose files, project name and directory */
  composeFiles: string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles: string[];
  profiles: string[];
}

const VALUE_FLAGS: Record<string, keyof BuildFlags> = {
  "-t": "tags",
  "--tag": "tags",
  "-f": "file",
  "--file": "file",
  "--build-arg": "buildArgs",
  "--target": "target",
  "--secret": "secrets",
  "--label": "labels",
  "--iidfile": "iidfile",
  "--network": "network",
  "--add-host": "addHosts",
  "--progress": "progress",
  "--platform": "platform",
  "-p": "projectName",
  "--project-name": "projectName",
  "--project-directory": "projectDirectory",
  "--env-file": "envFiles",
  "--profile": "profiles",
};
const BOOL_FLAGS: Record<string, "noCache" | "pull" | "quiet"> = { "--no-cache": "noCache", "--pull": "pull", "-q": "quiet", "--quiet": "quiet" };
const REPEATABLE = new Set(["tags", "buildArgs", "secrets", "labels", "addHosts", "envFiles", "profiles"]);

export function parseBuildArgv(argv: string[]): BuildFlags {
  const f: BuildFlags = { positionals: [], tags: [], buildArgs: [], noCache: false, pull: false, secrets: [], labels: [], addHosts: [], quiet: false, composeFiles: [], envFiles: [], profiles: [] };
  const set = (key: keyof BuildFlags, value: string, flag: string) => {
    if (REPEATABLE.has(key)) (f[key] as string[]).push(value);
    else if (key === "file") {
      // -f is the Dockerfile for a context build, a compose file for a project build
      f.composeFiles.push(value);
      f.file = value;
    } else {
      if (f[key] !== undefined) throw new InvalidInputError(`${flag} given more than once`, { code: "bad_flag" });
      (f as unknown as Record<string, string>)[key] = value;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      f.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      f.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (name in BOOL_FLAGS) {
      if (eq > 0 && arg.startsWith("--")) {
        const v = arg.slice(eq + 1);
        if (v !== "true" && v !== "false") throw new InvalidInputError(`${name} takes no value, or true/false`, { code: "bad_flag" });
        f[BOOL_FLAGS[name]!] = v === "true";
      } else f[BOOL_FLAGS[name]!] = true;
      continue;
    }
    if (name in VALUE_FLAGS) {
      const value = eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new InvalidInputError(`${name} needs a value`, { code: "bad_flag" });
      set(VALUE_FLAGS[name]!, value, name);
      continue;
    }
    // -tname, -fDockerfile: a short flag with its value attached
    const short = arg.slice(0, 2);
    if (!arg.startsWith("--") && arg.length > 2 && short in VALUE_FLAGS) {
      set(VALUE_FLAGS[short]!, arg.slice(2), short);
      continue;
    }
    throw new InvalidInputError(`unknown flag: ${name}`, { code: "bad_flag", hint: "run `kitten build --help` for the options" });
  }
  return f;
}

/** `--build-arg K=V` or `--build-arg K` (the value from the environment, skipped when unset: docker's rule). */
export function parseBuildArgs(values: string[], env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq === 0) throw new InvalidInputError(`invalid --build-arg "${v}": the name is empty`, { code: "bad_flag" });
    if (eq < 0) {
      if (env[v] !== undefined) out[v] = env[v]!;
    } else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export function parseLabels(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq === 0) throw new InvalidInputError(`invalid --label "${v}"`, { code: "bad_flag", hint: "use --label key=value" });
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? "" : v.slice(eq + 1);
  }
  return out;
}

/** `--secret id=x,src=path` | `id=x,env=VAR` (also `source=`, `type=file|env`); `id` alone reads the env var of that name. */
export function parseSecrets(values: string[]): Record<string, SecretSource> {
  const out: Record<string, SecretSource> = {};
  for (const v of values) {
    const fields = new Map<string, string>();
    for (const part of v.split(",")) {
      const eq = part.indexOf("=");
      if (eq <= 0) throw new InvalidInputError(`invalid --secret "${v}"`, { code: "bad_flag", hint: "use --secret id=NAME,src=FILE or --secret id=NAME,env=VARIABLE" });
      fields.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
    }
    const id = fields.get("id");
    if (!id) throw new InvalidInputError(`invalid --secret "${v}": no id`, { code: "bad_flag", hint: "use --secret id=NAME,src=FILE" });
    for (const k of fields.keys()) if (!["id", "src", "source", "env", "type"].includes(k)) throw new InvalidInputError(`invalid --secret "${v}": unknown key "${k}"`, { code: "bad_flag" });
    const src = fields.get("src") ?? fields.get("source");
    const env = fields.get("env");
    const type = fields.get("type");
    if (type && type !== "file" && type !== "env") throw new InvalidInputError(`invalid --secret "${v}": type must be file or env`, { code: "bad_flag" });
    if (env !== undefined || type === "env") out[id] = { env: env ?? src ?? id };
    else if (src !== undefined) out[id] = { file: src };
    else out[id] = { env: id };
  }
  return out;
}

/** A context argument that is not a local directory or `-` is refused by name. */
export function checkContextArg(context: string): void {
  if (/^(https?|git|ssh):\/\//i.test(context) || context.startsWith("git@") || /\.git(#.*)?$/.test(context) || context.startsWith("github.com/")) {
    throw new InvalidInputError(`remote build contexts are not supported: ${context}`, { code: "build_context", hint: "clone or download it first and give the local directory" });
  }
}
