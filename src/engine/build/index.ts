/**
 * The builder's entry point — `buildImage(options, deps)` — used by `kitten build`, compose
 * `up`/`build` and the API alike (issue #11). It reads the Dockerfile and the context's
 * .dockerignore, plans the stages, runs them (executor.ts) and records the image in the store:
 * layers uncompressed with their diff ids, the config document (recomputed on every build, so
 * labels and build args never go stale) under its sha256, the tags pointing at it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { InvalidInputError, errorText } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import type { Reporter } from "../../core/reporter.ts";
import { checkProjectName } from "../../core/names.ts";
import { Images } from "../image/resolver.ts";
import { hostPlatform } from "../image/manifest.ts";
import { normalizeReference } from "../image/reference.ts";
import { parseDockerfile } from "./dockerfile/parser.ts";
import { toDockerfile, type Dockerfile } from "./dockerfile/instructions.ts";
import { planBuild, platformString, type Platform } from "./stages.ts";
import { Executor, type SecretSource } from "./executor.ts";
import { documentBytes, imageDocument } from "./image-config.ts";
import { readIgnoreFile } from "./context/ignore.ts";
import { startWorker } from "./worker-client.ts";
import { openStateDb } from "../state/db.ts";
import { FailureStore } from "../state/failure-store.ts";
import { buildFailureRecord } from "./failure-record.ts";

export type { SecretSource } from "./executor.ts";

export interface BuildOptions {
  /** the build context directory */
  context: string;
  /** Dockerfile path (relative to the context, or absolute); default `Dockerfile` in the context */
  dockerfile?: string;
  /** the Dockerfile's text instead of a file (`-f -`, compose dockerfile_inline) */
  dockerfileText?: string;
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** always pull base images again */
  pull?: boolean;
  secrets?: Record<string, SecretSource>;
  labels?: Record<string, string>;
  network?: "default" | "none" | "host";
  extraHosts?: string[];
  /** must be the host's platform */
  platform?: string;
  /** the rootless namespace RUN steps run in ("default" for `kitten build`, the project for compose) */
  project?: string;
  /** named contexts: name → directory, or docker-image://ref */
  namedContexts?: Record<string, string>;
  /** working directory relative names in messages are shown against */
  cwd?: string;
  /** the compose service this builds (with `project`): its failure is recorded under it for diagnose */
  service?: string;
}

export interface BuildDeps {
  paths: KittenPaths;
  reporter: Reporter;
  /** builds running at once share step numbers and name their steps after their service */
  nextStepId?: () => number;
  label?: string;
}

export interface BuildResult {
  id: string;
  tags: string[];
  steps: number;
  cached: number;
}

function readDockerfile(options: BuildOptions): { text: string; file: string; label: string } {
  if (options.dockerfileText !== undefined) return { text: options.dockerfileText, file: join(options.context, "Dockerfile"), label: "Dockerfile" };
  const cwd = options.cwd ?? process.cwd();
  let file = options.dockerfile ? (isAbsolute(options.dockerfile) ? options.dockerfile : resolve(options.context, options.dockerfile)) : join(options.context, "Dockerfile");
  if (!options.dockerfile && !existsSync(file) && existsSync(join(options.context, "dockerfile"))) file = join(options.context, "dockerfile");
  if (!existsSync(file)) {
    throw new InvalidInputError(`no Dockerfile at ${relative(cwd, file) || file}`, { code: "no_dockerfile", hint: "name it with -f, or add a Dockerfile to the build context" });
  }
  // messages name the Dockerfile as BuildKit does: relative to the context when it is inside it
  const inContext = relative(options.context, file);
  const label = !inContext.startsWith("..") && !isAbsolute(inContext) ? inContext : relative(cwd, file).startsWith("..") ? file : relative(cwd, file);
  return { text: readFileSync(file, "utf8"), file, label };
}

/** `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore` (BuildKit dockerui). */
function ignoreFile(context: string, dockerfile: string | undefined): { file: string; text: string } | undefined {
  const candidates = [...(dockerfile ? [`${dockerfile}.dockerignore`] : []), join(context, ".dockerignore")];
  for (const c of candidates) if (existsSync(c)) return { file: c, text: readFileSync(c, "utf8") };
  return undefined;
}

function checkPlatform(wanted: string | undefined, host: Platform): void {
  if (!wanted) return;
  const h = platformString(host);
  if (wanted === h || wanted === `${host.os}/${host.architecture}` || h.startsWith(`${wanted}/`)) return;
  throw new InvalidInputError(`platform ${wanted} is not supported`, { code: "build_platform", hint: `kitten builds for this host's platform, ${h}` });
}

/** What a build got to before it failed: the failure record is made from it. */
interface BuildProgressState {
  text?: string;
  parsed?: Dockerfile;
  executor?: Executor;
  ignore?: { file: string; text: string };
}

/**
 * Builds the image; a failure is recorded for `kitten diagnose` (the failing step, its command,
 * exit code and last output lines, secrets masked), and a success clears the record of the same
 * service or context and Dockerfile.
 */
export async function buildImage(options: BuildOptions, deps: BuildDeps): Promise<BuildResult> {
  const context = resolve(options.context);
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    throw new InvalidInputError(`build context ${options.context} is not a directory`, { code: "build_context", hint: "give a directory, or - for a tar on stdin" });
  }
  const project = checkProjectName(options.project ?? "default", "build namespace");
  const dockerfilePath = options.dockerfileText !== undefined ? "-" : options.dockerfile ? resolve(context, options.dockerfile) : join(context, "Dockerfile");
  const owner = { ...(options.service !== undefined ? { project, service: options.service } : {}), context, dockerfile: dockerfilePath };
  const failures = new FailureStore(openStateDb(deps.paths));
  const state: BuildProgressState = {};
  try {
    const result = await runBuild(options, deps, context, project, state);
    failures.clearBuild(owner);
    return result;
  } catch (err) {
    try {
      failures.recordBuild(
        buildFailureRecord({
          err,
          time: new Date().toISOString(),
          ...owner,
          tags: options.tags ?? [],
          text: state.text,
          parsed: state.parsed,
          step: state.executor?.failedStep(err),
          secrets: state.executor?.secretValues ?? [],
          buildArgs: options.buildArgs ?? {},
          ignore: state.ignore,
        }),
      );
    } catch (recordErr) {
      // the build's own error is what the user needs; a record that cannot be written is said
      deps.reporter.emit({ type: "warning", message: `the failed build could not be recorded for kitten diagnose: ${errorText(recordErr)}` });
    }
    throw err;
  }
}

async function runBuild(options: BuildOptions, deps: BuildDeps, context: string, project: string, state: BuildProgressState): Promise<BuildResult> {
  const df = readDockerfile({ ...options, context });
  state.text = df.text;
  const dockerfile = toDockerfile(parseDockerfile(df.text, df.label));
  state.parsed = dockerfile;
  state.ignore = ignoreFile(context, options.dockerfileText === undefined ? df.file : undefined);
  for (const w of dockerfile.warnings) deps.reporter.emit({ type: "warning", message: `${df.label}:${w.line}: ${w.message}` });
  const host = hostPlatform();
  const platform: Platform = { os: host.os, architecture: host.architecture, ...(host.variant ? { variant: host.variant } : {}) };
  checkPlatform(options.platform, platform);
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const usedArgs = new Set<string>();
  const namedContexts = options.namedContexts ?? {};
  const plan = planBuild(dockerfile, { buildArgs, target: options.target, platform, usedArgs, namedContexts: new Set(Object.keys(namedContexts)) });
  const images = new Images({ paths: deps.paths, reporter: deps.reporter });
  const executor = new Executor(
    {
      dockerfile,
      plan,
      context,
      ignoreLines: state.ignore ? readIgnoreFile(state.ignore.text) : [],
      buildArgs,
      usedArgs,
      platform,
      noCache: options.noCache ?? false,
      pull: options.pull ?? false,
      secrets: options.secrets ?? {},
      network: options.network === "none" ? "none" : "default",
      extraHosts: options.extraHosts ?? [],
      namedContexts,
      runtime: process.env.KITTEN_RUNTIME === "crun" ? "crun" : "runc",
    },
    {
      paths: deps.paths,
      reporter: deps.reporter,
      images,
      ...(deps.nextStepId ? { nextStepId: deps.nextStepId } : {}),
      ...(deps.label ? { label: deps.label } : {}),
      async startWorker() {
        const { ensureNamespace } = await import("../../net/namespace/index.ts");
        const ns = await ensureNamespace(deps.paths, project);
        return { worker: await startWorker(ns.childPid), runtimeDir: ns.runtimeDir };
      },
    },
  );
  state.executor = executor;
  let result;
  try {
    result = await executor.run();
  } finally {
    await executor.close();
  }
  const unused = [...buildArgs.keys()].filter((k) => !usedArgs.has(k) && !/^(HTTP|HTTPS|FTP|NO|ALL)_PROXY$/i.test(k));
  if (unused.length > 0) deps.reporter.emit({ type: "warning", message: `one or more build args were not consumed: [${unused.join(" ")}]` });
  const config = { ...result.config, Labels: { ...(result.config.Labels ?? {}), ...(options.labels ?? {}) } };
  const doc = imageDocument({ platform, config, diffIds: result.layers.map((l) => l.diffId), history: result.history, author: result.author });
  const bytes = documentBytes(doc);
  const id = `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
  const store = images.store;
  const tags = (options.tags ?? []).map((t) => {
    try {
      return normalizeReference(t);
    } catch (err) {
      throw new InvalidInputError(`invalid tag "${t}": ${(err as Error).message}`, { code: "bad_tag", hint: "use name[:tag], e.g. myapp:1.0" });
    }
  });
  await store.locked("shared", async () => {
    await store.putBlob(bytes, id);
    store.saveImage({
      id,
      config: doc as unknown as Parameters<typeof store.saveImage>[0]["config"],
      // uncompressed: the blob is the layer's tar, produced from the layer dir on push or save
      layers: result.layers.map((l) => ({ digest: l.digest ?? l.diffId, diffId: l.diffId, size: l.size, mediaType: l.mediaType ?? "application/vnd.oci.image.layer.v1.tar" })),
      manifests: [],
      tags,
      digests: [],
    });
  });
  return { id, tags, steps: executor.steps, cached: executor.cached };
}


