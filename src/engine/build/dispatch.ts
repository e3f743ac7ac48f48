/**
 * One stage's instructions applied to its state, as BuildKit's `dockerfile2llb/convert.go`
 * dispatches them (research/build.md §1–§4): variables are substituted exactly where docker
 * substitutes them (FROM, ADD, COPY, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG
 * defaults, COPY/ADD --chown/--chmod/--checksum/--exclude, every RUN --mount value; never RUN,
 * CMD, ENTRYPOINT, SHELL or HEALTHCHECK), metadata instructions only edit the config and add an
 * `empty_layer` history entry, and filesystem instructions (RUN, COPY, ADD, WORKDIR's mkdir)
 * become steps the executor runs. Pure: no I/O.
 */
import { posix } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { dockerfileError, parseDockerfile, type Heredoc } from "./dockerfile/parser.ts";
import { parseInstruction, type CommandForm, type CopyInstruction, type Instruction, type RunInstruction } from "./dockerfile/instructions.ts";
import { processWord, processWords, ShellLexError, type LexEnv } from "./dockerfile/shell-lex.ts";
import { MountError, parseMount, type MountSpec } from "./dockerfile/mounts.ts";
import { envMap, goList, goQuoteList, HISTORY_COMMENT, setEnv, type BuildConfig, type HistoryEntry } from "./image-config.ts";

/** Where COPY --from / RUN --mount from reads: a stage of this file, an image, or the build context. */
export type SourceRef = { type: "context" } | { type: "stage"; index: number } | { type: "image"; ref: string } | { type: "named"; name: string };

export interface RunStep {
  kind: "run";
  argv: string[];
  /** the process environment */
  env: string[];
  /** the environment as the cache key sees it: undeclared proxy args left out (BuildKit ProxyEnv) */
  keyEnv: string[];
  user: string;
  cwd: string;
  mounts: Array<MountSpec & { fromRef?: SourceRef }>;
  network: "default" | "none";
  /** `RUN <<EOF` bodies starting with `#!`: written to /dev/pipes/<name> and executed */
  pipeFiles: { name: string; content: string }[];
  line: number;
  history: HistoryEntry;
  /** `RUN …` as shown in progress */
  display: string;
}

export interface CopyStep {
  kind: "copy";
  add: boolean;
  sources: string[];
  /** absolute destination; ends in "/" when it names a directory */
  dest: string;
  from: SourceRef;
  inline: { name: string; content: string }[];
  chown?: string;
  chmod?: string;
  link: boolean;
  parents: boolean;
  exclude: string[];
  checksum?: string;
  unpack?: boolean;
  /** the USER of the stage: the owner of parent directories COPY creates is root regardless */
  line: number;
  history: HistoryEntry;
  display: string;
}

export interface MkdirStep {
  kind: "mkdir";
  path: string;
  user: string;
  line: number;
  history: HistoryEntry;
  display: string;
}

export type FsStep = RunStep | CopyStep | MkdirStep;

export interface DispatchContext {
  file: string;
  escape: string;
  /** --build-arg values */
  buildArgs: ReadonlyMap<string, string>;
  /** global-scope args: resolved meta args and the predefined platform args */
  globalArgs: ReadonlyMap<string, string>;
  /** stage index for a `--from` name or number, or undefined (then it is an image) */
  stageIndex(name: string): number | undefined;
  /** named contexts (`--build-context`, compose additional_contexts) */
  namedContexts?: ReadonlySet<string>;
  currentStage: number;
  /** build args some stage declared (for the unused-argument warning) */
  usedArgs: Set<string>;
}

/** Proxy args usable without a declaration; kept out of history and cache keys (REF §Predefined ARGs). */
export const PROXY_ARGS = new Set(["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"]);
/** BuildKit's built-in args: they configure the builder and never reach RUN's environment. */
const NON_ENV_ARGS = new Set(["BUILDKIT_CACHE_MOUNT_NS", "BUILDKIT_CONTEXT_KEEP_GIT_DIR", "BUILDKIT_INLINE_CACHE", "BUILDKIT_MULTI_PLATFORM", "BUILDKIT_SANDBOX_HOSTNAME", "BUILDKIT_SYNTAX", "BUILDKIT_BUILD_NAME", "SOURCE_DATE_EPOCH"]);

export const DEFAULT_SHELL = ["/bin/sh", "-c"];

/** What a stage inherits from its base: the base's config, plus env/args when the base is a stage. */
export interface StageStart {
  config: BuildConfig;
  env?: Map<string, string>;
  args?: { key: string; value?: string }[];
}

export class StageDispatcher {
  config: BuildConfig;
  /** variables for expansion and RUN: the base's Env, then ENV and ARG values in order */
  env: Map<string, string>;
  /** ARGs declared in this stage (and inherited from a stage base), in order */
  args: { key: string; value?: string }[];
  /** history entries this stage added */
  readonly history: HistoryEntry[] = [];
  author?: string;
  private cmdSet = false;

  constructor(
    private readonly ctx: DispatchContext,
    start: StageStart,
  ) {
    this.config = structuredClone(start.config);
    this.env = start.env ? new Map(start.env) : envMap(this.config.Env);
    this.args = start.args ? start.args.map((a) => ({ ...a })) : [];
  }

  private fail(line: number, message: string, hint?: string): never {
    throw dockerfileError(this.ctx.file, line, message, hint);
  }

  private expand(word: string, line: number, env: LexEnv = this.env): string {
    try {
      return processWord(word, env, { escape: this.ctx.escape });
    } catch (err) {
      if (err instanceof ShellLexError) this.fail(line, err.message);
      throw err;
    }
  }

  /** ONBUILD triggers of the base: they run first, and are not passed on (REF §ONBUILD). */
  takeTriggers(): Instruction[] {
    const triggers = this.config.OnBuild ?? [];
    this.config.OnBuild = null;
    return triggers.map((expr) => {
      const parsed = parseDockerfile(expr, `${this.ctx.file} (ONBUILD ${expr})`);
      const node = parsed.nodes[0];
      if (!node) throw new InvalidInputError(`the base image has an empty ONBUILD trigger`, { code: "bad_dockerfile" });
      return parseInstruction(node, this.ctx.file, this.ctx.escape);
    });
  }

  private entry(createdBy: string, layer: boolean): HistoryEntry {
    const h: HistoryEntry = { created_by: createdBy, comment: HISTORY_COMMENT, ...(layer ? {} : { empty_layer: true }) };
    this.history.push(h);
    return h;
  }

  private shellArgs(form: CommandForm): string[] {
    return form.shell ? [...(this.config.Shell ?? DEFAULT_SHELL), form.text] : form.args;
  }

  /** Applies one instruction; returns the filesystem step it needs, if any. */
  dispatch(instr: Instruction): FsStep | undefined {
    const line = instr.line;
    switch (instr.kind) {
      case "from":
        return this.fail(line, "FROM inside a stage");
      case "env": {
        // every value sees the variables as they were before this instruction
        const before = new Map(this.env);
        const parts: string[] = [];
        for (const p of instr.pairs) {
          const key = this.expand(p.key, line, before);
          const value = this.expand(p.value, line, before);
          this.config.Env = setEnv(this.config.Env ?? [], key, value);
          this.env.set(key, value);
          parts.push(`${key}=${value}`);
        }
        this.entry(`ENV ${parts.join(" ")}`, false);
        return undefined;
      }
      case "label": {
        const parts: string[] = [];
        const before = new Map(this.env);
        this.config.Labels = { ...(this.config.Labels ?? {}) };
        for (const p of instr.pairs) {
          const key = this.expand(p.key, line, before);
          const value = this.expand(p.value, line, before);
          this.config.Labels[key] = value;
          parts.push(`${key}=${value}`);
        }
        this.entry(`LABEL ${parts.join(" ")}`, false);
        return undefined;
      }
      case "arg":
        return this.arg(instr);
      case "maintainer":
        this.author = instr.name;
        this.entry(`MAINTAINER ${instr.name}`, false);
        return undefined;
      case "cmd": {
        const args = this.shellArgs(instr.command);
        this.config.Cmd = args;
        this.config.ArgsEscaped = true;
        this.cmdSet = true;
        this.entry(`CMD ${goQuoteList(args)}`, false);
        return undefined;
      }
      case "entrypoint": {
        const args = this.shellArgs(instr.command);
        this.config.Entrypoint = args.length === 0 ? null : args;
        // an ENTRYPOINT drops a CMD this stage did not set itself (REF §ENTRYPOINT; BuildKit dispatchEntrypoint)
        if (!this.cmdSet) this.config.Cmd = null;
        this.entry(`ENTRYPOINT ${goQuoteList(args)}`, false);
        return undefined;
      }
      case "shell":
        this.config.Shell = instr.shell;
        this.entry(`SHELL ${goList(instr.shell)}`, false);
        return undefined;
      case "expose": {
        let words: string[];
        try {
          words = processWords(instr.ports, this.env, { escape: this.ctx.escape });
        } catch (err) {
          if (err instanceof ShellLexError) this.fail(line, err.message);
          throw err;
        }
        const ports = new Set<string>();
        for (const w of words) for (const p of exposedPorts(w, () => this.fail(line, `invalid port "${w}" in EXPOSE`, "EXPOSE <port>[/<protocol>] or <from>-<to>[/<protocol>]"))) ports.add(p);
        const sorted = [...ports].sort();
        this.config.ExposedPorts = { ...(this.config.ExposedPorts ?? {}) };
        for (const p of sorted) this.config.ExposedPorts[p] = {};
        this.entry(`EXPOSE ${goList(sorted)}`, false);
        return undefined;
      }
      case "volume": {
        const paths = instr.paths.map((p) => this.expand(p, line));
        this.config.Volumes = { ...(this.config.Volumes ?? {}) };
        for (const p of paths) {
          if (p.trim() === "") this.fail(line, "VOLUME specified can not be an empty string");
          this.config.Volumes[p] = {};
        }
        this.entry(`VOLUME ${goList(paths)}`, false);
        return undefined;
      }
      case "user": {
        const user = this.expand(instr.user, line);
        this.config.User = user;
        this.entry(`USER ${user}`, false);
        return undefined;
      }
      case "stopsignal": {
        const signal = this.expand(instr.signal, line);
        if (!validSignal(signal)) this.fail(line, `invalid signal "${signal}" in STOPSIGNAL`, "use a name like SIGTERM or a number");
        this.config.StopSignal = signal;
        this.entry(`STOPSIGNAL ${signal}`, false);
        return undefined;
      }
      case "healthcheck": {
        if (instr.test[0] === "NONE") this.config.Healthcheck = { Test: ["NONE"] };
        else {
          const dur = (name: string, v: string | undefined) => {
            if (v === undefined) return 0;
            const ns = parseGoDuration(v);
            if (ns === undefined) this.fail(line, `invalid --${name} "${v}" in HEALTHCHECK`, "use a duration like 30s or 1m30s");
            if (ns !== 0 && ns < 1_000_000) this.fail(line, `--${name} cannot be less than 1ms`);
            return ns;
          };
          const retries = instr.retries === undefined ? 0 : Number(instr.retries);
          if (!Number.isInteger(retries) || retries < 0) this.fail(line, `--retries must be a whole number of at least 0, not "${instr.retries}"`);
          // unset and zero durations are left out, as docker's HealthConfig marshals them (omitempty)
          const hc: NonNullable<BuildConfig["Healthcheck"]> = { Test: instr.test };
          const put = (key: "Interval" | "Timeout" | "StartPeriod" | "StartInterval", name: string, v: string | undefined) => {
            const ns = dur(name, v);
            if (ns) hc[key] = ns;
          };
          put("Interval", "interval", instr.interval);
          put("Timeout", "timeout", instr.timeout);
          put("StartPeriod", "start-period", instr.startPeriod);
          put("StartInterval", "start-interval", instr.startInterval);
          if (retries) hc.Retries = retries;
          this.config.Healthcheck = hc;
        }
        const h = this.config.Healthcheck;
        const d = (ns?: number) => `${(ns ?? 0) / 1e9}s`;
        this.entry(`HEALTHCHECK ${h.Test?.[0] === "NONE" ? "NONE" : `{Test:${goList(h.Test ?? [])} Interval:${d(h.Interval)} Timeout:${d(h.Timeout)} StartPeriod:${d(h.StartPeriod)} StartInterval:${d(h.StartInterval)} Retries:${h.Retries ?? 0}}`}`, false);
        return undefined;
      }
      case "onbuild":
        // ONBUILD writes no history entry (BuildKit)
        this.config.OnBuild = [...(this.config.OnBuild ?? []), instr.expression];
        return undefined;
      case "workdir": {
        const path = this.expand(instr.path, line);
        const wd = path.startsWith("/") ? posix.normalize(path) : posix.join("/", this.config.WorkingDir || "/", path);
        const clean = wd.length > 1 ? wd.replace(/\/+$/, "") : wd;
        this.config.WorkingDir = clean;
        if (clean === "/") {
          this.entry("WORKDIR /", false);
          return undefined;
        }
        const history = this.entry(`WORKDIR ${clean}`, true);
        return { kind: "mkdir", path: clean, user: this.config.User ?? "", line, history, display: `WORKDIR ${clean}` };
      }
      case "run":
        return this.run(instr);
      case "copy":
      case "add":
        return this.copy(instr);
    }
  }

  private arg(instr: Extract<Instruction, { kind: "arg" }>): undefined {
    const parts: string[] = [];
    for (const a of instr.args) {
      const key = a.key;
      this.ctx.usedArgs.add(key);
      let value: string | undefined;
      if (this.ctx.buildArgs.has(key)) value = this.ctx.buildArgs.get(key);
      else if (a.value !== undefined) value = this.expand(a.value, instr.line);
      // `ARG NAME` without a default takes the global (meta or predefined) value
      else if (this.ctx.globalArgs.has(key)) value = this.ctx.globalArgs.get(key);
      if (value !== undefined && !NON_ENV_ARGS.has(key)) this.env.set(key, value);
      const existing = this.args.findIndex((x) => x.key === key);
      if (existing >= 0) this.args.splice(existing, 1);
      this.args.push({ key, value });
      parts.push(value === undefined ? key : `${key}=${value}`);
    }
    this.entry(`ARG ${parts.join(" ")}`, false);
    return undefined;
  }

  /** RUN's environment: the stage's variables, plus proxy args given with --build-arg. */
  private runEnv(): { env: string[]; keyEnv: string[]; argsText: string } {
    const env = new Map(this.env);
    const declared = new Set(this.args.map((a) => a.key));
    const keyEnv = [...env].map(([k, v]) => `${k}=${v}`);
    for (const [k, v] of this.ctx.buildArgs) if (PROXY_ARGS.has(k) && !declared.has(k)) env.set(k, v);
    // `|N a=1 b=2` names the build args in scope, ENV winning for a shared name (runCommandString)
    const listed = this.args.filter((a) => !PROXY_ARGS.has(a.key) || this.ctx.buildArgs.has(a.key));
    const argsText = listed.length > 0 ? `|${listed.length} ${listed.map((a) => `${a.key}=${this.env.get(a.key) ?? a.value ?? ""}`).join(" ")} ` : "";
    return { env: [...env].map(([k, v]) => `${k}=${v}`), keyEnv, argsText };
  }

  private run(instr: RunInstruction): RunStep {
    const line = instr.line;
    if (instr.network === "host") this.fail(line, "RUN --network=host is not allowed", "kitten runs RUN steps in the namespace's own network, which --network=default gives");
    if (instr.security === "insecure") this.fail(line, "RUN --security=insecure is not allowed", "RUN steps keep a container's confinement; leave out --security");
    const mounts = instr.mounts.map((text) => {
      let spec: MountSpec;
      try {
        spec = parseMount(text, (v) => this.expand(v, line));
      } catch (err) {
        if (err instanceof MountError) this.fail(line, err.message, err.hint);
        throw err;
      }
      if ((spec.type === "bind" || spec.type === "cache") && spec.from !== undefined) return { ...spec, fromRef: this.sourceRef(spec.from, line) };
      return spec;
    });
    let argv: string[];
    const pipeFiles: RunStep["pipeFiles"] = [];
    let display = `RUN ${instr.command.shell ? instr.command.text : goQuoteList(instr.command.args)}`;
    if (instr.heredocs.length > 0 && instr.command.shell) {
      const only = instr.heredocs.length === 1 && isSingleHeredoc(instr.command.text);
      const doc = instr.heredocs[0]!;
      if (only && doc.content.startsWith("#!")) {
        // a script with its own interpreter: a file under /dev/pipes, executed (BuildKit dispatchRun)
        pipeFiles.push({ name: doc.name, content: doc.content });
        argv = this.shellArgs({ shell: true, text: `/dev/pipes/${doc.name}` });
      } else if (only) {
        argv = this.shellArgs({ shell: true, text: doc.content });
      } else {
        let full = instr.command.text;
        for (const d of instr.heredocs) full += `\n${d.content}${d.name}`;
        argv = this.shellArgs({ shell: true, text: full });
      }
    } else argv = this.shellArgs(instr.command);
    // progress shows the instruction as written, flags included (BuildKit's vertex names)
    display = instr.original.replace(/^\s*run/i, "RUN");
    const { env, keyEnv, argsText } = this.runEnv();
    const history = this.entry(`RUN ${argsText}${argv.join(" ")} # buildkit`, true);
    return {
      kind: "run",
      argv,
      env,
      keyEnv,
      user: this.config.User ?? "",
      cwd: this.config.WorkingDir || "/",
      mounts,
      network: instr.network === "none" ? "none" : "default",
      pipeFiles,
      line,
      history,
      display,
    };
  }

  /** `--from=<stage name | index | image | named context>` (no variables: BuildKit refuses them). */
  sourceRef(name: string, line: number): SourceRef {
    if (name.includes("$")) this.fail(line, "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope");
    if (this.ctx.namedContexts?.has(name)) return { type: "named", name };
    const index = this.ctx.stageIndex(name);
    if (index !== undefined) {
      if (index >= this.ctx.currentStage) this.fail(line, `stage "${name}" is not defined before this one`, "a stage can only use stages defined above it");
      return { type: "stage", index };
    }
    if (/^\d+$/.test(name)) this.fail(line, `stage ${name} does not exist`);
    return { type: "image", ref: name };
  }

  private copy(instr: CopyInstruction): CopyStep {
    const line = instr.line;
    const expand = (v: string) => this.expand(v, line);
    if (instr.from !== undefined && instr.kind === "add") this.fail(line, "ADD does not accept --from", "use COPY --from");
    const from: SourceRef = instr.from === undefined ? { type: "context" } : this.sourceRef(instr.from, line);
    const inline: CopyStep["inline"] = [];
    const sources: string[] = [];
    for (const src of instr.sources) {
      const doc = heredocFor(src, instr.heredocs);
      if (doc) {
        const expanded = doc.expand ? expandHeredoc(doc.content, this.env, this.ctx.escape) : doc.content;
        if (expanded === undefined) this.fail(line, `cannot expand the variables of heredoc "${doc.name}"`);
        inline.push({ name: doc.name, content: expanded });
      } else sources.push(expand(src));
    }
    let dest = expand(instr.dest);
    const dirDest = dest.endsWith("/") || dest === "." || dest.endsWith("/.");
    if (!dest.startsWith("/")) dest = posix.join("/", this.config.WorkingDir || "/", dest);
    dest = posix.normalize(dest);
    if (dirDest && !dest.endsWith("/")) dest += "/";
    for (const s of sources) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith("git@")) {
        if (instr.kind === "copy") this.fail(line, `source can't be a URL for COPY: ${s}`, "use ADD for a URL, or download it in a RUN step");
        if (/\.git(#.*)?$/.test(s) || s.startsWith("git@") || s.startsWith("git://")) this.fail(line, `ADD of a git repository is not supported: ${s}`, "clone it in a RUN step, or check it out into the build context");
      }
    }
    if (sources.length + inline.length > 1 && !dest.endsWith("/")) {
      this.fail(line, `When using ${instr.kind.toUpperCase()} with more than one source file, the destination must be a directory and end with a /`);
    }
    const chown = instr.chown === undefined ? undefined : expand(instr.chown);
    const chmod = instr.chmod === undefined ? undefined : expand(instr.chmod);
    if (chmod !== undefined && !validChmod(chmod)) this.fail(line, `invalid --chmod "${chmod}"`, "use an octal mode like 0755 or a symbolic one like u=rwX,go=rX");
    const checksum = instr.checksum === undefined ? undefined : expand(instr.checksum);
    if (checksum !== undefined && !/^sha256:[a-f0-9]{64}$/.test(checksum)) this.fail(line, `invalid --checksum "${checksum}"`, "use sha256:<64 hex digits>");
    if (checksum !== undefined && !sources.every((s) => /^https?:\/\//.test(s))) this.fail(line, "--checksum applies only to HTTP(S) sources");
    const flags = [
      instr.from !== undefined ? `--from=${instr.from}` : "",
      chown !== undefined ? `--chown=${chown}` : "",
      chmod !== undefined ? `--chmod=${chmod}` : "",
      instr.link ? "--link" : "",
      instr.parents ? "--parents" : "",
    ].filter(Boolean);
    const shown = [...flags, ...instr.sources.map((s, i) => (heredocFor(s, instr.heredocs) ? s : (sources[i] ?? s))), instr.dest].join(" ");
    const history = this.entry(`${instr.kind.toUpperCase()} ${shown} # buildkit`, true);
    return {
      kind: "copy",
      add: instr.kind === "add",
      sources,
      dest,
      from,
      inline,
      ...(chown !== undefined ? { chown } : {}),
      ...(chmod !== undefined ? { chmod } : {}),
      link: instr.link,
      parents: instr.parents,
      exclude: instr.exclude.map(expand),
      ...(checksum !== undefined ? { checksum } : {}),
      ...(instr.unpack !== undefined ? { unpack: instr.unpack } : {}),
      line,
      history,
      display: instr.original.replace(/^\s*(copy|add)/i, instr.kind.toUpperCase()),
    };
  }
}

/** A COPY heredoc body: variables expanded, quotes and escapes left alone (BuildKit ExpandRaw). */
function expandHeredoc(content: string, env: LexEnv, escape: string): string | undefined {
  try {
    // treat the body as one double-quoted word so quotes in it stay literal
    let out = "";
    for (const part of content.split(/(\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*)/)) {
      out += part.startsWith("$") ? processWord(part, env, { escape }) : part;
    }
    return out;
  } catch {
    return undefined;
  }
}

function heredocFor(source: string, heredocs: Heredoc[]): Heredoc | undefined {
  const m = /^\d*<<-?\s*(.+)$/.exec(source);
  if (!m) return undefined;
  const name = m[1]!.replace(/^["']|["']$/g, "");
  return heredocs.find((h) => h.name === name);
}

function isSingleHeredoc(text: string): boolean {
  return /^\d*<<-?\s*\S+$/.test(text.trim());
}

/** EXPOSE words → `port/proto` keys; ranges expand to one per port (nat.ParsePortSpecs). */
export function exposedPorts(word: string, bad: () => never): string[] {
  let spec = word;
  let proto = "tcp";
  const slash = spec.lastIndexOf("/");
  if (slash >= 0) {
    proto = spec.slice(slash + 1).toLowerCase();
    spec = spec.slice(0, slash);
    if (!["tcp", "udp", "sctp"].includes(proto)) bad();
  }
  // `ip:host:container` forms: the container part is what the image exposes
  const container = spec.split(":").at(-1)!;
  const m = /^(\d+)(?:-(\d+))?$/.exec(container);
  if (!m) bad();
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) bad();
  const out: string[] = [];
  for (let p = a; p <= b; p++) out.push(`${p}/${proto}`);
  return out;
}

const SIGNALS = new Set(["ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ"]);

function validSignal(s: string): boolean {
  if (/^\d+$/.test(s)) return Number(s) > 0 && Number(s) < 65;
  const name = s.toUpperCase().replace(/^SIG/, "");
  return SIGNALS.has(name) || /^RTM(IN|AX)([+-]\d+)?$/.test(name);
}

function validChmod(s: string): boolean {
  return /^[0-7]{1,4}$/.test(s) || /^([ugoa]*[-+=]([rwxXst]*|[ugo]))(,[ugoa]*[-+=]([rwxXst]*|[ugo]))*$/.test(s);
}

/** A Go duration (`1m30s`, `500ms`) in nanoseconds, or undefined. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const units: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === text.length && pos > 0 ? Math.round(total) : undefined;
}
