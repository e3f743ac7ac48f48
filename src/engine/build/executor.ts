/**
 * Runs a build plan (host side): stages in dependency order, independent ones at once; each
 * stage from its base (a pulled image, an earlier stage, scratch), its ONBUILD triggers, then its
 * instructions through the pure dispatcher. Filesystem steps are keyed (cache-key.ts) before
 * anything runs — COPY sources hashed from the context — and either found in the build cache or
 * sent to the worker inside the namespace, whose layer is then recorded. The worker starts on the
 * first miss, so a fully cached build never enters the namespace.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { InvalidInputError, RuntimeFailure, isKittenError } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import type { Reporter } from "../../core/reporter.ts";
import { Images } from "../image/resolver.ts";
import type { ImageStore } from "../image/store.ts";
import type { Dockerfile, Instruction, Stage } from "./dockerfile/instructions.ts";
import { dockerfileError } from "./dockerfile/parser.ts";
import { StageDispatcher, type CopyStep, type FsStep, type RunStep, type SourceRef } from "./dispatch.ts";
import { stageBaseConfig, scratchConfig, type BuildConfig, type HistoryEntry } from "./image-config.ts";
import type { BuildPlan, Platform, PlannedStage } from "./stages.ts";
import { platformString } from "./stages.ts";
import { BuildCache } from "./cache.ts";
import { baseKey, stepKey } from "./cache-key.ts";
import { hashSources } from "./context/hash.ts";
import { IgnoreMatcher } from "./context/ignore.ts";
import { MissingSourceError, excludedByIgnore } from "./context/select.ts";
import { StepExitError, type BuildWorker } from "./worker-client.ts";
import type { SourceRoot, WorkerMount } from "./worker/protocol.ts";
import { OUTPUT_LINES, type FailedStep } from "../state/failure-store.ts";
import { OutputTail } from "./output-tail.ts";

export type SecretSource = { file: string } | { env: string };

export interface ExecutorInput {
  dockerfile: Dockerfile;
  plan: BuildPlan;
  context: string;
  ignoreLines: string[];
  buildArgs: Map<string, string>;
  usedArgs: Set<string>;
  platform: Platform;
  noCache: boolean;
  pull: boolean;
  secrets: Record<string, SecretSource>;
  network: "default" | "none";
  extraHosts: string[];
  namedContexts: Record<string, string>;
  runtime: "runc" | "crun";
}

export interface ExecutorDeps {
  paths: KittenPaths;
  reporter: Reporter;
  images: Images;
  /** starts the worker in the namespace (once, on the first step that needs it) */
  startWorker(): Promise<{ worker: BuildWorker; runtimeDir: string }>;
  /** step numbers shared by builds running at once (a project's services), so `#N` is one step */
  nextStepId?: () => number;
  /** what step names start with when builds run at once: the service, as compose shows it */
  label?: string;
}

export interface StageResult {
  /** a base image's layers keep their stored blob (digest, media type); built ones are uncompressed tars (digest = diff id) */
  layers: { diffId: string; size: number; digest?: string; mediaType?: string }[];
  config: BuildConfig;
  history: HistoryEntry[];
  env: Map<string, string>;
  args: { key: string; value?: string }[];
  key: string;
  author?: string;
  created?: string;
}

/** A RUN step that exited non-zero: names the step, the command and the code. */
export class BuildStepError extends RuntimeFailure {
  constructor(
    message: string,
    readonly stepId: number,
    location: { file: string; line: number },
    readonly runExitCode?: number,
  ) {
    super(message, { code: "build_step_failed", location, hint: "the step's last output lines are above" });
  }
}

export class Executor {
  private readonly cache: BuildCache;
  private readonly store: ImageStore;
  private readonly tmp: string;
  private stepIds = 0;
  private workerP?: Promise<{ worker: BuildWorker; runtimeDir: string }>;
  private readonly results = new Map<number, Promise<StageResult>>();
  private readonly ignore?: IgnoreMatcher;
  /** the step each error came from, for the failure record diagnose reads */
  private readonly stepFailures = new WeakMap<object, Omit<FailedStep, "stage" | "original">>();
  /** values of the build secrets RUN steps were given: masked in a failure record */
  readonly secretValues = new Set<string>();
  steps = 0;
  cached = 0;

  constructor(
    private readonly input: ExecutorInput,
    private readonly deps: ExecutorDeps,
  ) {
    this.cache = new BuildCache(deps.paths);
    this.store = deps.images.store;
    this.tmp = join(deps.paths.data, "build", "tmp");
    this.ignore = input.ignoreLines.length > 0 ? new IgnoreMatcher(input.ignoreLines) : undefined;
  }

  private worker(): Promise<{ worker: BuildWorker; runtimeDir: string }> {
    this.workerP ??= this.deps.startWorker().then(async (w) => {
      // work dirs of builds killed before they could remove them: their files may belong to
      // subordinate ids, so the worker (root of the namespace) removes them
      const stale = staleWorkDirs(this.tmp);
      if (stale.length > 0) await w.worker.send({ op: "remove", paths: stale }).catch(() => undefined);
      return w;
    });
    return this.workerP;
  }

  async close(): Promise<void> {
    if (this.workerP) await (await this.workerP.catch(() => undefined))?.worker.close();
  }

  private workDir(): string {
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
    return join(this.tmp, `${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  }

  /** The step an error of this build came from, when it came from one. */
  failedStep(err: unknown): Omit<FailedStep, "stage" | "original"> | undefined {
    return typeof err === "object" && err !== null ? this.stepFailures.get(err) : undefined;
  }

  private noteFailure(err: unknown, step: Omit<FailedStep, "stage" | "original">): void {
    if (typeof err === "object" && err !== null && !this.stepFailures.has(err)) this.stepFailures.set(err, step);
  }

  private fail(line: number, message: string, hint?: string): never {
    throw dockerfileError(this.input.dockerfile.file, line, message, hint);
  }

  /** The target stage's result, building every stage it needs (independent ones concurrently). */
  async run(): Promise<StageResult> {
    const { plan } = this.input;
    for (const p of plan.stages) this.results.set(p.stage.index, this.stageAfterDeps(p));
    // every stage's failure surfaces, the first one wins
    const all = [...this.results.values()];
    await Promise.allSettled(all);
    for (const r of all) await r;
    return this.results.get(plan.target)!;
  }

  private async stageAfterDeps(p: PlannedStage): Promise<StageResult> {
    await Promise.all(p.deps.map((d) => this.results.get(d)!));
    return this.runStage(p);
  }

  private stageLabel(stage: Stage): string {
    const own = this.deps.label ? `${this.deps.label} ` : "";
    return this.input.dockerfile.stages.length > 1 ? `${own}${stage.name ?? `stage-${stage.index}`} ` : own;
  }

  private nextStepId(): number {
    return this.deps.nextStepId ? this.deps.nextStepId() : ++this.stepIds;
  }

  private async resolveImage(ref: string, line: number, platform?: string) {
    if (platform && platform !== platformString(this.input.platform) && !platform.startsWith(`${platformString(this.input.platform)}/`)) {
      this.fail(line, `platform ${platform} is not supported`, `kitten builds for this host's platform, ${platformString(this.input.platform)}`);
    }
    const resolved = await this.deps.images.resolve(ref, { pull: this.input.pull ? "always" : "missing" });
    const record = this.store.find(resolved.id);
    if (!record) throw new RuntimeFailure(`image ${ref} vanished from the store`);
    return { resolved, record };
  }

  private async runStage(p: PlannedStage): Promise<StageResult> {
    const { stage } = p;
    const label = this.stageLabel(stage);
    const total = 1 + stage.instructions.length;
    let layers: StageResult["layers"] = [];
    let start: { config: BuildConfig; env?: Map<string, string>; args?: StageResult["args"] };
    let history: HistoryEntry[] = [];
    let key: string;
    let created: string | undefined;
    let author: string | undefined;
    const fromId = this.nextStepId();
    const fromName = `[${label}1/${total}] FROM ${stage.from.image}${stage.name ? ` AS ${stage.name}` : ""}`;
    if (p.base.type === "stage") {
      const base = await this.results.get(p.base.index)!;
      layers = [...base.layers];
      start = { config: base.config, env: base.env, args: base.args };
      history = [...base.history];
      key = base.key;
      created = base.created;
      author = base.author;
    } else if (p.base.type === "scratch") {
      start = { config: scratchConfig() };
      key = baseKey({ type: "scratch" });
    } else {
      const t0 = performance.now();
      this.deps.reporter.emit({ type: "build-step", id: fromId, name: `${fromName.replace(stage.from.image, p.base.ref)}`, status: "running" });
      let record;
      try {
        ({ record } = await this.resolveImage(p.base.ref, stage.from.line, p.base.platform));
      } catch (err) {
        this.deps.reporter.emit({ type: "build-step", id: fromId, name: fromName.replace(stage.from.image, p.base.ref), status: "error", durationMs: performance.now() - t0 });
        this.noteFailure(err, { name: fromName.replace(stage.from.image, p.base.ref), instruction: "FROM", line: stage.from.line, output: [] });
        throw err;
      }
      this.deps.reporter.emit({ type: "build-step", id: fromId, name: fromName.replace(stage.from.image, p.base.ref), status: "done", durationMs: performance.now() - t0 });
      layers = record.layers.map((l) => ({ diffId: l.diffId, size: l.size, digest: l.digest, mediaType: l.mediaType }));
      const doc = record.config as { config?: BuildConfig; history?: HistoryEntry[]; author?: string; created?: string };
      start = { config: stageBaseConfig(doc.config ?? {}) };
      history = [...(doc.history ?? [])];
      key = baseKey({ type: "image", id: record.id, platform: platformString(this.input.platform) });
      created = doc.created;
      author = doc.author;
    }
    if (p.base.type !== "image") start = { ...start, config: stageBaseConfig(start.config) };
    const disp = new StageDispatcher(
      {
        file: this.input.dockerfile.file,
        escape: this.input.dockerfile.directives.escape,
        buildArgs: this.input.buildArgs,
        globalArgs: this.input.plan.globalArgs,
        stageIndex: this.input.plan.stageIndex,
        namedContexts: new Set(Object.keys(this.input.namedContexts)),
        currentStage: stage.index,
        usedArgs: this.input.usedArgs,
      },
      start,
    );
    const triggers = disp.takeTriggers();
    const instructions: Instruction[] = [...triggers, ...stage.instructions];
    const stepTotal = 1 + instructions.length;
    for (const [i, instr] of instructions.entries()) {
      const before = disp.history.length;
      const step = disp.dispatch(instr);
      const added = disp.history.slice(before);
      if (!step) {
        for (const h of added) h.created ??= created;
        continue;
      }
      const name = `[${label}${i + 2}/${stepTotal}] ${step.display}`;
      const result = await this.fsStep(step, name, key, layers);
      key = result.key;
      created = result.created;
      for (const h of added) {
        h.created = created;
        if (!result.layer) h.empty_layer = true;
      }
      if (result.layer) layers = [...layers, result.layer];
    }
    return {
      layers,
      config: disp.config,
      history: [...history, ...disp.history],
      env: disp.env,
      args: disp.args,
      key,
      author: disp.author ?? author,
      created,
    };
  }

  private layerPaths(layers: StageResult["layers"]): string[] {
    return layers.map((l) => this.store.layerPath(l.diffId));
  }

  /** Where a --from / mount from reads, and the key its content contributes. */
  private async source(ref: SourceRef, line: number): Promise<{ root: SourceRoot; key?: string; context?: string }> {
    switch (ref.type) {
      case "context":
        return { root: { type: "dir", root: this.input.context, ignore: this.input.ignoreLines }, context: this.input.context };
      case "stage": {
        const r = await this.results.get(ref.index);
        if (!r) throw new RuntimeFailure(`stage ${ref.index} was not planned`);
        return { root: { type: "layers", lowerDirs: this.layerPaths(r.layers) }, key: `stage:${r.key}` };
      }
      case "named": {
        const target = this.input.namedContexts[ref.name]!;
        if (target.startsWith("docker-image://")) return this.source({ type: "image", ref: target.slice("docker-image://".length) }, line);
        return { root: { type: "dir", root: target }, context: target };
      }
      case "image": {
        const { resolved } = await this.resolveImage(ref.ref, line);
        return { root: { type: "layers", lowerDirs: resolved.layers }, key: `image:${resolved.id}` };
      }
    }
  }

  private async copyDefinition(step: CopyStep): Promise<{ def: unknown; from: SourceRoot; downloads: { file: string; name: string; mtime?: number; digest: string; url: string }[] }> {
    const src = await this.source(step.from, step.line);
    const destIsDir = step.dest.endsWith("/") || step.sources.length + step.inline.length > 1;
    const urls = step.sources.filter((s) => /^https?:\/\//i.test(s));
    const local = step.sources.filter((s) => !/^https?:\/\//i.test(s));
    let content: string | undefined = src.key;
    if (src.context !== undefined && local.length > 0) {
      const ignore = step.from.type === "context" ? this.ignore : undefined;
      try {
        content = hashSources(src.context, local, { ignore, exclude: step.exclude, parents: step.parents, destIsDir });
      } catch (err) {
        if (err instanceof MissingSourceError) {
          const excluded = step.from.type === "context" && excludedByIgnore(src.context, err.source, this.ignore);
          this.fail(
            step.line,
            `${step.add ? "ADD" : "COPY"} failed: "${err.source}" not found in the build context${excluded ? " (excluded by .dockerignore)" : ""}`,
            excluded ? `a .dockerignore line excludes "${err.source}": remove that line or add !${err.source}` : `the path is relative to the build context ${this.input.context}`,
          );
        }
        throw err;
      }
    }
    const downloads = [];
    for (const url of urls) downloads.push(await this.download(url, step));
    const def = {
      op: step.add ? "add" : "copy",
      sources: local,
      dest: step.dest,
      content,
      urls: downloads.map((d) => ({ url: d.url, digest: d.digest, name: d.name })),
      inline: step.inline,
      chown: step.chown,
      chmod: step.chmod,
      link: step.link,
      parents: step.parents,
      exclude: step.exclude,
      unpack: step.unpack,
    };
    return { def, from: src.root, downloads };
  }

  private async download(url: string, step: CopyStep): Promise<{ file: string; name: string; mtime?: number; digest: string; url: string }> {
    let res: Response;
    try {
      res = await fetch(url, { redirect: "follow" });
    } catch (err) {
      this.fail(step.line, `ADD ${url}: ${(err as Error).message}`);
    }
    if (!res.ok) this.fail(step.line, `ADD ${url}: the server answered ${res.status} ${res.statusText}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
    if (step.checksum && step.checksum !== digest) this.fail(step.line, `ADD ${url}: checksum mismatch: expected ${step.checksum}, got ${digest}`);
    const dir = join(this.tmp, "downloads");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, digest.slice(7));
    writeFileSync(file, bytes);
    const modified = res.headers.get("last-modified");
    const name = posix.basename(new URL(url).pathname) || "index.html";
    return { file, name, digest, url, ...(modified ? { mtime: Date.parse(modified) } : {}) };
  }

  private async runDefinition(step: RunStep): Promise<{ def: unknown; mounts: WorkerMount[]; env: string[]; cleanup: string[] }> {
    const mounts: WorkerMount[] = [];
    const defMounts: unknown[] = [];
    const env = [...step.env];
    const cleanup: string[] = [];
    for (const m of step.mounts) {
      if (m.type === "cache") {
        const dir = join(this.deps.paths.data, "build", "cache-mounts", new Bun.CryptoHasher("sha256").update(m.id).digest("hex").slice(0, 32));
        const seed = m.fromRef ? { from: (await this.source(m.fromRef, step.line)).root, source: m.source } : undefined;
        mounts.push({ type: "cache", target: m.target, dir, readonly: m.readonly, uid: m.uid, gid: m.gid, mode: m.mode, locked: m.sharing === "locked", ...(seed ? { seed } : {}) });
        // the cache's content is not part of the key (BuildKit: cache mounts are not inputs)
        defMounts.push({ type: "cache", target: m.target, readonly: m.readonly, uid: m.uid, gid: m.gid, mode: m.mode });
      } else if (m.type === "bind") {
        const src = await this.source(m.fromRef ?? { type: "context" }, step.line);
        let content = src.key;
        if (src.context !== undefined) {
          try {
            content = hashSources(src.context, [m.source], { ignore: m.fromRef ? undefined : this.ignore, destIsDir: true });
          } catch (err) {
            if (err instanceof MissingSourceError) this.fail(step.line, `RUN --mount source "${m.source}" not found in the build context`);
            throw err;
          }
        }
        mounts.push({ type: "bind", target: m.target, from: src.root, source: m.source, readonly: m.readonly });
        defMounts.push({ type: "bind", target: m.target, source: m.source, readonly: m.readonly, content });
      } else if (m.type === "tmpfs") {
        mounts.push({ type: "tmpfs", target: m.target, ...(m.size ? { size: m.size } : {}) });
        defMounts.push({ type: "tmpfs", target: m.target, size: m.size });
      } else {
        const source = this.input.secrets[m.id];
        // a secret's value is never part of the key, the history or a layer: only its id and where it goes
        defMounts.push({ type: "secret", id: m.id, target: m.target, env: m.env, required: m.required, mode: m.mode, uid: m.uid, gid: m.gid });
        if (!source) {
          if (m.required) this.fail(step.line, `secret "${m.id}" is required but was not given`, `pass it with --secret id=${m.id},src=<file> (compose: build.secrets)`);
          continue;
        }
        let value: Uint8Array;
        if ("file" in source) {
          if (!existsSync(source.file)) throw new InvalidInputError(`secret "${m.id}": ${source.file} does not exist`, { code: "build_secret" });
          value = readFileSync(source.file);
        } else {
          const v = process.env[source.env];
          if (v === undefined) throw new InvalidInputError(`secret "${m.id}": the environment variable ${source.env} is not set`, { code: "build_secret" });
          value = new TextEncoder().encode(v);
        }
        this.secretValues.add(new TextDecoder().decode(value));
        if (m.env) env.push(`${m.env}=${new TextDecoder().decode(value)}`);
        if (m.target) {
          const dir = join(this.tmp, `secrets-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          const file = join(dir, m.id.replace(/[^A-Za-z0-9_.-]/g, "_"));
          writeFileSync(file, value, { mode: 0o600 });
          cleanup.push(dir);
          mounts.push({ type: "secret", target: m.target, file, uid: m.uid, gid: m.gid, mode: m.mode });
        }
      }
    }
    const network = step.network === "none" || this.input.network === "none" ? "none" : "default";
    const def = { op: "run", argv: step.argv, env: step.keyEnv, user: step.user, cwd: step.cwd, network, mounts: defMounts, pipes: step.pipeFiles };
    return { def, mounts, env, cleanup };
  }

  /** A filesystem step; its failure is noted with the step, its command, exit code and last output lines. */
  private async fsStep(step: FsStep, name: string, parentKey: string, layers: StageResult["layers"]): Promise<{ key: string; created: string; layer?: { diffId: string; size: number } }> {
    const tail = new OutputTail(OUTPUT_LINES);
    try {
      return await this.runFsStep(step, name, parentKey, layers, tail);
    } catch (err) {
      const instruction = step.kind === "run" ? "RUN" : step.kind === "copy" ? (step.add ? "ADD" : "COPY") : "WORKDIR";
      this.noteFailure(err, {
        name,
        instruction,
        line: step.line,
        output: tail.take(),
        ...(step.kind === "run" ? { command: step.argv.join(" "), network: step.network === "none" || this.input.network === "none" ? "none" : "default" } : {}),
        ...(err instanceof BuildStepError && err.runExitCode !== undefined ? { exitCode: err.runExitCode } : {}),
      });
      throw err;
    }
  }

  private async runFsStep(step: FsStep, name: string, parentKey: string, layers: StageResult["layers"], tail: OutputTail): Promise<{ key: string; created: string; layer?: { diffId: string; size: number } }> {
    const id = this.nextStepId();
    const t0 = performance.now();
    this.steps++;
    let key: string;
    let send: () => Promise<{ diffId: string; size: number } | undefined>;
    const base = { layers: this.layerPaths(layers), layersDir: this.store.layersDir, blobsDir: this.store.blobsDir, tmpDir: this.store.tmpDir };
    const cleanup: string[] = [];
    if (step.kind === "run") {
      const r = await this.runDefinition(step);
      cleanup.push(...r.cleanup);
      key = stepKey(parentKey, r.def);
      const network = (r.def as { network: "default" | "none" }).network;
      send = async () => {
        const { worker, runtimeDir } = await this.worker();
        return worker.send(
          { op: "run", ...base, workDir: this.workDir(), argv: step.argv, env: r.env, user: step.user, cwd: step.cwd, network, mounts: r.mounts, pipeFiles: step.pipeFiles, extraHosts: this.input.extraHosts, runtime: this.input.runtime, runtimeDir },
          (stream, text) => {
            tail.add(stream, text);
            this.deps.reporter.emit({ type: "build-log", id, stream, text });
          },
        );
      };
    } else if (step.kind === "copy") {
      const c = await this.copyDefinition(step);
      key = stepKey(parentKey, c.def);
      send = async () => {
        const { worker } = await this.worker();
        return worker.send(
          {
            op: "copy",
            ...base,
            workDir: this.workDir(),
            from: c.from,
            sources: step.sources.filter((s) => !/^https?:\/\//i.test(s)),
            dest: step.dest,
            destIsDir: step.dest.endsWith("/") || step.sources.length + step.inline.length > 1,
            exclude: step.exclude,
            parents: step.parents,
            ...(step.chown !== undefined ? { chown: step.chown } : {}),
            ...(step.chmod !== undefined ? { chmod: step.chmod } : {}),
            keepOwners: step.from.type !== "context" && !(step.from.type === "named" && !this.input.namedContexts[step.from.name]!.startsWith("docker-image://")),
            add: step.add,
            ...(step.unpack !== undefined ? { unpack: step.unpack } : {}),
            inline: step.inline,
            downloads: c.downloads.map((d) => ({ file: d.file, name: d.name, ...(d.mtime !== undefined ? { mtime: d.mtime } : {}) })),
          },
          (stream, text) => {
            tail.add(stream, text);
            this.deps.reporter.emit({ type: "build-log", id, stream, text });
          },
        );
      };
    } else {
      key = stepKey(parentKey, { op: "mkdir", path: step.path, user: step.user });
      send = async () => {
        const { worker } = await this.worker();
        return worker.send({ op: "mkdir", ...base, workDir: this.workDir(), path: step.path, user: step.user });
      };
    }
    this.deps.reporter.emit({ type: "build-step", id, name, status: "running" });
    try {
      let entry = this.input.noCache ? undefined : this.cache.get(key);
      if (entry?.diffId && !(this.store.hasLayer(entry.diffId) && this.store.hasBlob(entry.diffId))) entry = undefined;
      if (entry) {
        this.cache.touch(key);
        this.cached++;
        this.deps.reporter.emit({ type: "build-step", id, name, status: "cached" });
        return { key, created: entry.created, ...(entry.diffId ? { layer: { diffId: entry.diffId, size: entry.size } } : {}) };
      }
      let layer: { diffId: string; size: number } | undefined;
      try {
        layer = await send();
      } catch (err) {
        this.deps.reporter.emit({ type: "build-step", id, name, status: "error", durationMs: performance.now() - t0 });
        if (err instanceof StepExitError && step.kind === "run") {
          throw new BuildStepError(`${name}: process "${step.argv.join(" ")}" did not complete successfully: exit code: ${err.exitCode}`, id, { file: this.input.dockerfile.file, line: step.line }, err.exitCode);
        }
        if (isKittenError(err) && !err.location) {
          const e = err.exitCode === 2 ? new InvalidInputError(err.message, { code: err.code, hint: err.hint, location: { file: this.input.dockerfile.file, line: step.line } }) : new RuntimeFailure(`${name}: ${err.message}`, { code: err.code, hint: err.hint, location: { file: this.input.dockerfile.file, line: step.line } });
          throw e;
        }
        throw err;
      }
      const created = new Date().toISOString();
      this.cache.put(key, layer, created);
      this.deps.reporter.emit({ type: "build-step", id, name, status: "done", durationMs: performance.now() - t0 });
      return { key, created, ...(layer ? { layer } : {}) };
    } finally {
      for (const d of cleanup) rmSync(d, { recursive: true, force: true });
    }
  }
}

/** Entries of the build tmp dir (`<pid>-…`, `secrets-<pid>-…`) whose kitten process is gone. */
export function staleWorkDirs(tmp: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(tmp);
  } catch {
    return [];
  }
  return entries.filter((e) => {
    const pid = /^(?:secrets-)?(\d+)-/.exec(e)?.[1];
    return pid !== undefined && !existsSync(`/proc/${pid}`);
  }).map((e) => join(tmp, e));
}
