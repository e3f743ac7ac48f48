/**
 * The one target resolver (DESIGN.md "One target resolver"): every front end — CLI verb, HTTP
 * route, AI intent — turns "which project, which services, which containers" into a Target here,
 * so no verb has rules of its own.
 *
 * The project is found as docker compose finds it (cmd/compose/compose.go, compose-go
 * cli/options.go): the `.env` of the working directory exports its COMPOSE_* keys unless the
 * shell set them; then -p, COMPOSE_PROJECT_NAME, -f, COMPOSE_FILE, --project-directory,
 * --env-file/COMPOSE_ENV_FILES and the compose file found walking up from the working directory.
 * Verbs need the project in one of compose's three ways (§2.4 of research/compose-cli.md):
 * - "file": the files are loaded (up, create, run, config, scale, pull, push, watch);
 * - "name": -p or COMPOSE_PROJECT_NAME alone is enough, no file is read (exec, port, cp, top,
 *   stats, images, attach); otherwise the files are loaded;
 * - "optional": the files are loaded unless -p is given without -f (ps, logs, down, stop, start,
 *   restart, kill, pause, unpause, rm, events, wait, volumes); a load that fails falls back to
 *   COMPOSE_PROJECT_NAME. With -p alone, kitten's state (the project recorded by `up`) stands in
 *   for the file, as compose's container labels do.
 * Positionals are service names when there is a project; a name that is no service may be a
 * container (docker-style) unless the verb runs as `kitten compose <verb>`; otherwise it is
 * `no such service: X` (exit 2) with a did-you-mean. With no project at all (no file found, no
 * -p), positionals are container names.
 */
import { dirname, resolve } from "node:path";
import { InvalidInputError, isKittenError } from "../../core/errors.ts";
import { checkProjectName } from "../../core/names.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { silentReporter, type Reporter } from "../../core/reporter.ts";
import { noSuchService } from "../../core/suggest.ts";

export { noSuchService };
import type { LoadedProject } from "../compose/index.ts";
import { exists } from "../compose/discover.ts";
import { readEnvFiles } from "../compose/source.ts";
import { loadForServices } from "../plan/index.ts";
import { ContainerStore } from "../runtime/store.ts";
import { openStateDb } from "../state/db.ts";
import { ProjectStore, type ContainerRecord } from "../state/project-store.ts";
import { oneOffRecords, oneOffService } from "./one-off.ts";

export type ProjectNeed = "file" | "name" | "optional";

export interface TargetRequest {
  /** -f, in order ("-" is stdin) */
  files?: string[];
  /** -p, checked by the caller (checkProjectName at the edge) */
  projectName?: string;
  projectDirectory?: string;
  envFiles?: string[];
  profiles?: string[];
  cwd?: string;
  /** the process environment (COMPOSE_FILE, COMPOSE_PROJECT_NAME, COMPOSE_PROFILES, …) */
  env?: Record<string, string | undefined>;
  /** the text of "-" in files */
  stdin?: string;
  reporter?: Reporter;
  need: ProjectNeed;
  /** the verb's positionals */
  names?: string[];
  /**
   * what a positional that is no service may be: "container" (docker-style verbs), "any" (pull:
   * an image reference), or nothing (compose-only verbs: every positional must be a service)
   */
  fallback?: "container" | "any";
  /** `kitten compose <verb>`: a project is required, positionals are services only */
  strict?: boolean;
}

export interface Target {
  /** the project; undefined when there is none (no file found, no -p): positionals are containers */
  project?: string;
  /** the loaded files, when the verb read them */
  loaded?: LoadedProject;
  /** positionals that name services, in order */
  services: string[];
  /** positionals that name containers (docker-style), in order */
  containers: string[];
  /** positionals left to the verb (fallback "any") */
  others: string[];
  /** every service the project has (file, or state with -p alone) */
  knownServices: string[];
}

/** The .env keys docker compose exports into its own environment (setEnvWithDotEnv): COMPOSE_* only, the shell winning. */
export function composeEnvironment(req: Pick<TargetRequest, "files" | "projectDirectory" | "envFiles" | "cwd" | "env">): Record<string, string | undefined> {
  const cwd = resolve(req.cwd ?? process.cwd());
  const shell = req.env ?? process.env;
  const firstFile = req.files?.find((f) => f !== "-");
  const workingDir = req.projectDirectory ? resolve(cwd, req.projectDirectory) : firstFile ? dirname(resolve(cwd, firstFile)) : cwd;
  const envFiles = envFilesOf(req, shell, cwd) ?? (shell.COMPOSE_DISABLE_ENV_FILE && shell.COMPOSE_DISABLE_ENV_FILE !== "0" ? [] : [resolve(workingDir, ".env")].filter(exists));
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(readEnvFiles(envFiles, (k) => shell[k]))) if (k.startsWith("COMPOSE_")) out[k] = v;
  for (const [k, v] of Object.entries(shell)) if (v !== undefined) out[k] = v;
  return out;
}

/** --env-file, else COMPOSE_ENV_FILES (comma-separated, as compose splits it); made absolute against the cwd. */
function envFilesOf(req: Pick<TargetRequest, "envFiles">, shell: Record<string, string | undefined>, cwd: string): string[] | undefined {
  const given = req.envFiles?.length ? req.envFiles : shell.COMPOSE_ENV_FILES ? shell.COMPOSE_ENV_FILES.split(",").filter(Boolean) : undefined;
  return given?.map((f) => resolve(cwd, f));
}

function isNoConfig(err: unknown): boolean {
  return isKittenError(err) && err.code === "no_config";
}

export async function resolveTarget(req: TargetRequest, deps: { paths: KittenPaths }): Promise<Target> {
  const cwd = resolve(req.cwd ?? process.cwd());
  const env = composeEnvironment({ ...req, cwd });
  const envName = env.COMPOSE_PROJECT_NAME || undefined;
  const names = req.names ?? [];
  const load = () =>
    loadForServices(
      {
        ...(req.files?.length ? { files: req.files } : {}),
        projectName: req.projectName,
        projectDirectory: req.projectDirectory,
        envFiles: envFilesOf(req, env, cwd),
        profiles: req.profiles,
        cwd,
        env,
        stdin: req.stdin,
        reporter: req.reporter ?? silentReporter,
      },
      names,
    );

  let project: string | undefined;
  let loaded: LoadedProject | undefined;
  const nameOnly = req.projectName ?? envName;
  if (req.need === "name" && nameOnly) {
    project = req.projectName ?? checkProjectName(envName!, "COMPOSE_PROJECT_NAME");
  } else if (req.need === "optional" && req.projectName && !req.files?.length) {
    project = req.projectName;
  } else {
    try {
      loaded = await load();
      project = loaded.project.name;
    } catch (err) {
      if (req.need === "file") throw err;
      // compose: a project that cannot be loaded is still addressed by COMPOSE_PROJECT_NAME
      if (envName && !req.files?.length) project = checkProjectName(envName, "COMPOSE_PROJECT_NAME");
      else if (!isNoConfig(err) || req.strict || req.files?.length || req.projectName) throw err;
    }
  }

  const target: Target = { services: [], containers: [], others: [], knownServices: [] };
  if (project === undefined) {
    // no project here: docker-style, every positional is a container (or, for pull, an image)
    for (const n of names) {
      if (req.fallback === "any") target.others.push(n);
      else target.containers.push(requireContainer(n, deps));
    }
    return target;
  }
  target.project = project;
  if (loaded) target.loaded = loaded;
  const known = new Set(loaded ? Object.keys(loaded.project.services) : storedServices(project, deps));
  if (loaded) for (const s of storedServices(project, deps)) if (!loaded.project.services[s]) known.add(s);
  target.knownServices = [...known].sort();
  for (const n of names) {
    if (known.has(n)) target.services.push(n);
    else if (!req.strict && req.fallback === "any") target.others.push(n);
    else if (!req.strict && req.fallback === "container" && containerExists(n, deps)) target.containers.push(n);
    else throw noSuchService(n, target.knownServices);
  }
  return target;
}


/** Services of a project as kitten's state knows them: the config `up` recorded, and its containers. */
function storedServices(project: string, deps: { paths: KittenPaths }): string[] {
  const s = new ProjectStore(openStateDb(deps.paths));
  const config = s.getProject(project)?.config as { services?: Record<string, unknown> } | undefined;
  return [...new Set([...Object.keys(config?.services ?? {}), ...s.listContainers(project).map((c) => c.service)])];
}

function containerExists(name: string, deps: { paths: KittenPaths }): boolean {
  const db = openStateDb(deps.paths);
  return new ProjectStore(db).getContainer(name) !== undefined || new ContainerStore(db).find(name) !== undefined;
}

function requireContainer(name: string, deps: { paths: KittenPaths }): string {
  if (containerExists(name, deps)) return name;
  throw new InvalidInputError(`no such container: ${name}`, {
    code: "no_such_container",
    hint: "no compose file was found here or above, so names are containers: `kitten ps -a` lists them (or pass -f / -p)",
  });
}

export interface PickOptions {
  /** 0 (default): the lowest replica number; N: replica N */
  index?: number;
  /** only running (or paused) containers, as compose's exec/port/attach */
  running?: boolean;
}

/**
 * The running container of a service that `exec` and `cp` mean (compose getSpecifiedContainer
 * with one-offs included): replica N, or the lowest-numbered one, or — when the service has none
 * running — its one-off `run` container, oldest first.
 */
export async function pickRunning(
  project: string,
  service: string,
  index: number | undefined,
  deps: { paths: KittenPaths; inspect: (name: string) => Promise<{ status: string } | undefined> },
): Promise<string> {
  try {
    return pickContainer(project, service, { index, running: true }, deps).name;
  } catch (err) {
    if (index !== undefined) throw err;
    for (const r of oneOffRecords(project, deps).filter((r) => oneOffService(r) === service)) {
      if ((await deps.inspect(r.name))?.status === "running") return r.name;
    }
    throw err;
  }
}

/**
 * The container of a service that `exec`, `port`, `cp`, `attach`, `logs --index` mean (compose
 * getSpecifiedContainer): replica N, or the lowest-numbered one.
 */
export function pickContainer(project: string, service: string, o: PickOptions, deps: { paths: KittenPaths }): ContainerRecord {
  const all = new ProjectStore(openStateDb(deps.paths)).listContainers(project).filter((c) => c.service === service);
  const eligible = o.running ? all.filter((c) => c.status === "running" || c.status === "paused") : all;
  const index = o.index ?? 0;
  const picked = index > 0 ? eligible.find((c) => c.replica === index) : [...eligible].sort((a, b) => a.replica - b.replica)[0];
  if (picked) return picked;
  if (index > 0) throw new InvalidInputError(`service "${service}" is not running container #${index}`, { code: "not_running", hint: `\`kitten ps ${service}\` lists its containers` });
  throw new InvalidInputError(`service "${service}" is not running`, { code: "not_running", hint: `start it with \`kitten up -d ${service}\`` });
}
