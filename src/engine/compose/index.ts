/**
 * The loader's public entry points: `loadProject` (files on disk, the CLI) and
 * `parseProjectText` (in-memory sources: the AI drafter, the HTTP API), both ending in the one
 * normalized Project model. Flow: find files → environment (.env / --env-file under the shell)
 * → parse with positions → interpolate → read each file (compose or Kitten format, extends) →
 * merge files → profiles, defaults, names → validate (conflicts, dependency graph).
 */
import { dirname, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { silentReporter, type Reporter } from "../../core/reporter.ts";
import type { Project } from "./model.ts";
import { loadSource, readEnvFiles, readSourceFile, type InterpolationEnv } from "./source.ts";
import type { ParsedFile } from "./parse.ts";
import { readComposeFile, type FileModel } from "./compose-file.ts";
import { readKittenFile } from "./kitten-format.ts";
import { assemble, mergeFiles } from "./project.ts";
import { validateProject } from "./validate.ts";
import { discoverFiles, exists, projectName } from "./discover.ts";
import type { Dict } from "./read.ts";

export { toCanonical, toCanonicalJson, toComposeYaml } from "./render.ts";
// the validators every front end uses for names and values it takes directly (an API route's
// path parameter, a flag): the same rules the loader applies, with the same messages (#14)
export { checkName, checkProjectName, nameProblem, nameHint, type NameKind } from "../../core/names.ts";
export { extraHostProblem, hostnameProblem, mountTargetProblem, signalProblem, tmpfsProblem, ulimitProblem, userProblem } from "./runtime-checks.ts";

export type ConfigFormat = "compose" | "kitten";

export interface LoadOptions {
  /** files in merge order; "-" reads `stdin`. Default: discovery from `cwd` upward */
  files?: string[];
  projectName?: string;
  projectDirectory?: string;
  /** replace the project directory's .env for interpolation */
  envFiles?: string[];
  profiles?: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** the text of "-" in `files` (the CLI passes its stdin) */
  stdin?: string;
  reporter?: Reporter;
}

export interface LoadedProject {
  project: Project;
  /** the project directory: relative paths resolve against it, .env is read from it */
  workingDir: string;
  /** absolute paths of the files loaded, in merge order ("-" for stdin) */
  files: string[];
  format: ConfigFormat;
  /** the project environment: the shell's variables over .env (or --env-file), as interpolation saw them */
  environment: Record<string, string | undefined>;
  /** per service, the env files read and their keys (kube export) */
  envFiles?: Record<string, Array<{ path: string; keys: string[] }>>;
  /** by "service NAME" / "network KEY" / "volume KEY": compose keys kitten ignored with a warning (kube export's table) */
  ignoredKeys?: Record<string, string[]>;
}

export interface ParseTextOptions {
  projectName?: string;
  /** relative paths (binds, env_file, rootfs images) resolve against it; default: cwd */
  projectDirectory?: string;
  env?: Record<string, string | undefined>;
  profiles?: string[];
  reporter?: Reporter;
}

const STDIN_NAME = "<stdin>";

let stdinText: string | undefined;
/** The process's stdin, read once: a command may load the project more than once. */
function processStdin(): string {
  // bounded like any compose file: `-f - < /dev/zero` must not read forever (#14)
  stdinText ??= readSourceFile("/dev/stdin");
  return stdinText;
}

export async function loadProject(options: LoadOptions = {}): Promise<LoadedProject> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const shell = options.env ?? process.env;
  const reporter = options.reporter ?? silentReporter;
  let files = options.files ?? [];
  if (files.length === 0 && shell.COMPOSE_FILE) files = shell.COMPOSE_FILE.split(shell.COMPOSE_PATH_SEPARATOR ?? ":").filter(Boolean);
  // compose-go looks for the default files from --project-directory when it is given (GetWorkingDir)
  const paths = files.length > 0 ? files.map((f) => (f === "-" ? "-" : resolve(cwd, f))) : discoverFiles(options.projectDirectory ? resolve(cwd, options.projectDirectory) : cwd, reporter);
  const firstFile = paths.find((p) => p !== "-");
  const workingDir = options.projectDirectory ? resolve(cwd, options.projectDirectory) : paths[0] === "-" || !firstFile ? cwd : dirname(firstFile);

  const envFiles = options.envFiles && options.envFiles.length > 0 ? options.envFiles.map((f) => resolve(cwd, f)) : [resolve(workingDir, ".env")].filter(exists);
  const dotenv = readEnvFiles(envFiles, (k) => shell[k]);
  // the shell environment wins over .env (compose's precedence); undefined entries are unset
  const merged: Record<string, string | undefined> = { ...dotenv };
  for (const [k, v] of Object.entries(shell)) if (v !== undefined) merged[k] = v;
  const env: InterpolationEnv = { lookup: (k) => merged[k], reporter, warned: new Set() };

  const sources: ParsedFile[] = paths.map((p) => {
    if (p !== "-") return loadSource(readSourceFile(p), p, env);
    const text = options.stdin ?? processStdin();
    return loadSource(text, STDIN_NAME, env);
  });
  const built = build(sources, {
    workingDir,
    env,
    merged,
    flagName: options.projectName,
    profiles: options.profiles,
    reporter,
  });
  return { project: built.project, workingDir, files: paths, format: built.format, envFiles: built.envFiles, ignoredKeys: built.ignoredKeys, environment: merged };
}

/** Loads one in-memory source (compose or Kitten format) with the same rules as files on disk. */
export function parseProjectText(text: string, fileName: string, options: ParseTextOptions = {}): { project: Project; format: ConfigFormat } {
  const reporter = options.reporter ?? silentReporter;
  const shell = options.env ?? {};
  const env: InterpolationEnv = { lookup: (k) => shell[k], reporter, warned: new Set() };
  const workingDir = resolve(options.projectDirectory ?? process.cwd());
  const source = loadSource(text, fileName, env);
  return build([source], { workingDir, env, merged: shell, flagName: options.projectName, profiles: options.profiles, reporter });
}

interface BuildOptions {
  workingDir: string;
  env: InterpolationEnv;
  merged: Record<string, string | undefined>;
  flagName?: string;
  profiles?: string[];
  reporter: Reporter;
}

function detectFormat(source: ParsedFile): ConfigFormat {
  const doc = source.value as Dict;
  const hasServices = Object.hasOwn(doc, "services");
  const hasContainers = Object.hasOwn(doc, "containers");
  if (hasServices && hasContainers) {
    throw new InvalidInputError(`the file has both "services" (compose) and "containers" (Kitten format)`, {
      location: source.locate(["containers"]),
      hint: "use one format per file",
    });
  }
  return hasContainers ? "kitten" : "compose";
}

function build(sources: ParsedFile[], o: BuildOptions): { project: Project; format: ConfigFormat; envFiles: LoadedProject["envFiles"]; ignoredKeys: LoadedProject["ignoredKeys"] } {
  const home = o.merged.HOME;
  let format: ConfigFormat | undefined;
  const models: FileModel[] = sources.map((source) => {
    const f = detectFormat(source);
    format ??= f;
    // relative paths resolve against the project directory, as compose does for every -f file
    return f === "kitten" ? readKittenFile(source, o.workingDir, home) : readComposeFile(source, o.workingDir, { env: o.env, home });
  });
  const merged = mergeFiles(models);
  const name = projectName({ flag: o.flagName, file: merged.name, env: o.merged.COMPOSE_PROJECT_NAME, directory: o.workingDir });
  const profiles = o.profiles && o.profiles.length > 0 ? o.profiles : (o.merged.COMPOSE_PROFILES ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  const assembled = assemble(merged, { name, lookup: o.env.lookup, profiles, reporter: o.reporter });
  validateProject(assembled);
  return { project: assembled.project, format: format ?? "compose", envFiles: assembled.envFiles, ignoredKeys: assembled.ignoredKeys };
}
