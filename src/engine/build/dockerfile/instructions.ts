/**
 * Nodes → typed instructions and stages, as BuildKit's `frontend/dockerfile/instructions/parse.go`
 * checks them: the argument forms of each instruction (JSON or shell form, `k=v` pairs and the
 * legacy `ENV k v`), the flags each one accepts (anything else is an error naming the flag),
 * `FROM … AS name` stage names, `ONBUILD` triggers, and the rule that only ARG may come before
 * the first FROM. Values stay unexpanded: variables are substituted per stage when the build
 * runs (plan.ts), because their values depend on build args and the base image's ENV.
 */
import { didYouMean } from "../../../core/suggest.ts";
import { dockerfileError, extractFlags, parseJsonArgs, splitWords, type Heredoc, type Node, type ParsedDockerfile } from "./parser.ts";

export interface Loc {
  line: number;
  endLine: number;
  /** the instruction as written (continuations joined) */
  original: string;
}

/** Exec form (`["a","b"]`, no expansion, no shell) or shell form (the text, run by SHELL). */
export type CommandForm = { shell: false; args: string[] } | { shell: true; text: string };

export interface KeyValue {
  key: string;
  value: string;
}

export interface FromInstruction extends Loc {
  kind: "from";
  image: string;
  platform?: string;
  /** the stage name, lower-cased */
  alias?: string;
}

export interface RunInstruction extends Loc {
  kind: "run";
  command: CommandForm;
  heredocs: Heredoc[];
  /** `--mount` values as written (expanded and parsed per build: mounts.ts) */
  mounts: string[];
  network?: string;
  security?: string;
}

export interface CopyInstruction extends Loc {
  kind: "copy" | "add";
  sources: string[];
  dest: string;
  /** `COPY <<EOF /dest` bodies, by delimiter name */
  heredocs: Heredoc[];
  from?: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  parents: boolean;
  exclude: string[];
  checksum?: string;
  unpack?: boolean;
  keepGitDir?: boolean;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CopyInstruction
  | (Loc & { kind: "cmd" | "entrypoint"; command: CommandForm })
  | (Loc & { kind: "env" | "label"; pairs: KeyValue[] })
  | (Loc & { kind: "arg"; args: { key: string; value?: string }[] })
  | (Loc & { kind: "expose"; ports: string })
  | (Loc & { kind: "workdir"; path: string })
  | (Loc & { kind: "user"; user: string })
  | (Loc & { kind: "volume"; paths: string[] })
  | (Loc & { kind: "shell"; shell: string[] })
  | (Loc & { kind: "stopsignal"; signal: string })
  | (Loc & { kind: "maintainer"; name: string })
  | (Loc & { kind: "healthcheck"; test: string[]; interval?: string; timeout?: string; startPeriod?: string; startInterval?: string; retries?: string })
  | (Loc & { kind: "onbuild"; expression: string; trigger: Instruction });

export type ArgInstruction = Extract<Instruction, { kind: "arg" }>;

export interface Stage {
  index: number;
  /** lower-cased `AS` name */
  name?: string;
  from: FromInstruction;
  instructions: Instruction[];
}

export interface Dockerfile {
  file: string;
  directives: ParsedDockerfile["directives"];
  /** ARGs before the first FROM: visible only in FROM lines (and to `ARG name` inside stages) */
  metaArgs: ArgInstruction[];
  stages: Stage[];
  warnings: ParsedDockerfile["warnings"];
}

const INSTRUCTIONS = ["from", "run", "cmd", "entrypoint", "env", "label", "arg", "expose", "copy", "add", "workdir", "user", "volume", "shell", "stopsignal", "maintainer", "healthcheck", "onbuild"];

/** The flags each instruction accepts (REF §RUN, §COPY, §ADD, §FROM, §HEALTHCHECK). */
const FLAGS: Record<string, string[]> = {
  from: ["platform"],
  run: ["mount", "network", "security"],
  copy: ["from", "chown", "chmod", "link", "parents", "exclude"],
  add: ["chown", "chmod", "link", "exclude", "checksum", "keep-git-dir", "unpack"],
  healthcheck: ["interval", "timeout", "start-period", "start-interval", "retries"],
};

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

type Fail = (message: string, hint?: string) => never;

function boolFlag(value: string | undefined, name: string, fail: Fail): boolean {
  if (value === undefined || value === "" || value === "true") return true;
  if (value === "false") return false;
  return fail(`--${name} expects true or false, not "${value}"`);
}

function kvPairs(rest: string, escape: string, what: string, fail: Fail): KeyValue[] {
  const words = splitWords(rest, escape);
  if (words.length === 0) fail(`${what} requires at least one argument`);
  if (!words[0]!.includes("=")) {
    // legacy `ENV key value with spaces`: exactly one pair, the rest of the line is the value
    const m = /^\s*(\S+)\s+([\s\S]*?)\s*$/.exec(rest);
    if (!m || m[2] === "") fail(`${what} must have two arguments`, `use ${what} key=value`);
    return [{ key: m[1]!, value: m[2]! }];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq < 0) fail(`syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (eq === 0) fail(`${what} names can not be blank`);
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

function commandForm(rest: string): CommandForm {
  const json = parseJsonArgs(rest);
  return json ? { shell: false, args: json } : { shell: true, text: rest.replace(/^\s+/, "").replace(/\s+$/, "") };
}

function listForm(rest: string, escape: string): string[] {
  return parseJsonArgs(rest) ?? splitWords(rest, escape);
}

/** One node → an instruction; `escape` is the file's escape character. */
export function parseInstruction(node: Node, file: string, escape: string): Instruction {
  const fail: Fail = (message, hint) => {
    throw dockerfileError(file, node.line, message, hint);
  };
  const loc: Loc = { line: node.line, endLine: node.endLine, original: node.original };
  const cmd = node.cmd;
  if (!INSTRUCTIONS.includes(cmd)) {
    const near = didYouMean(cmd, INSTRUCTIONS);
    fail(`unknown instruction: ${cmd.toUpperCase()}`, near ? `did you mean ${near.toUpperCase()}?` : "see the Dockerfile reference for the instructions");
  }
  const allowed = FLAGS[cmd] ?? [];
  const { flags, rest } = allowed.length > 0 ? extractFlags(node.rest) : { flags: [], rest: node.rest };
  const values = new Map<string, string[]>();
  for (const f of flags) {
    if (!allowed.includes(f.name)) {
      fail(`unknown flag: --${f.name}`, `${cmd.toUpperCase()} accepts ${allowed.map((a) => `--${a}`).join(", ")}`);
    }
    values.set(f.name, [...(values.get(f.name) ?? []), f.value ?? ""]);
  }
  const one = (name: string): string | undefined => {
    const v = values.get(name);
    if (v && v.length > 1 && name !== "mount" && name !== "exclude") fail(`--${name} given more than once`);
    return v?.[0];
  };
  const text = rest.replace(/^\s+/, "").replace(/\s+$/, "");
  const upper = cmd.toUpperCase();
  switch (cmd) {
    case "from": {
      const words = splitWords(rest, escape);
      if (!(words.length === 1 || (words.length === 3 && words[1]!.toLowerCase() === "as"))) fail("FROM requires either one or three arguments", "FROM <image> [AS <name>]");
      const alias = words[2]?.toLowerCase();
      if (alias !== undefined && !STAGE_NAME.test(alias)) fail(`invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      return { ...loc, kind: "from", image: words[0]!, platform: one("platform"), alias };
    }
    case "run": {
      if (text === "" && node.heredocs.length === 0) fail("RUN requires at least one argument");
      const network = one("network");
      if (network !== undefined && !["default", "none", "host"].includes(network)) fail(`RUN --network must be default, none or host, not "${network}"`);
      const security = one("security");
      if (security !== undefined && !["sandbox", "insecure"].includes(security)) fail(`RUN --security must be sandbox or insecure, not "${security}"`);
      const command: CommandForm = node.heredocs.length > 0 ? { shell: true, text } : commandForm(rest);
      return { ...loc, kind: "run", command, heredocs: node.heredocs, mounts: values.get("mount") ?? [], network, security };
    }
    case "cmd":
    case "entrypoint":
      return { ...loc, kind: cmd, command: commandForm(rest) };
    case "shell": {
      const json = parseJsonArgs(rest);
      if (!json) fail("SHELL requires the arguments to be in JSON form", 'SHELL ["/bin/sh", "-c"]');
      if (json.length === 0) fail("SHELL requires at least one argument");
      return { ...loc, kind: "shell", shell: json };
    }
    case "env":
    case "label":
      return { ...loc, kind: cmd, pairs: kvPairs(rest, escape, upper, fail) };
    case "arg": {
      const words = splitWords(rest, escape);
      if (words.length === 0) fail("ARG requires at least one argument");
      return {
        ...loc,
        kind: "arg",
        args: words.map((w) => {
          const eq = w.indexOf("=");
          if (eq === 0) fail("ARG names can not be blank");
          return eq < 0 ? { key: w } : { key: w.slice(0, eq), value: w.slice(eq + 1) };
        }),
      };
    }
    case "expose":
      if (text === "") fail("EXPOSE requires at least one argument");
      return { ...loc, kind: "expose", ports: text };
    case "copy":
    case "add": {
      const args = listForm(rest, escape);
      if (args.length < 2) fail(`${upper} requires at least two arguments, but only one was provided. Destination could not be determined.`, `${upper} <src>... <dest>`);
      const from = one("from");
      const chmod = one("chmod");
      const keep = one("keep-git-dir");
      const unpack = one("unpack");
      return {
        ...loc,
        kind: cmd,
        sources: args.slice(0, -1),
        dest: args[args.length - 1]!,
        heredocs: node.heredocs,
        from,
        chown: one("chown"),
        chmod,
        link: values.has("link") ? boolFlag(one("link"), "link", fail) : false,
        parents: values.has("parents") ? boolFlag(one("parents"), "parents", fail) : false,
        exclude: values.get("exclude") ?? [],
        checksum: one("checksum"),
        ...(unpack === undefined ? {} : { unpack: boolFlag(unpack, "unpack", fail) }),
        ...(keep === undefined ? {} : { keepGitDir: boolFlag(keep, "keep-git-dir", fail) }),
      };
    }
    case "workdir":
      if (text === "") fail("WORKDIR requires exactly one argument");
      return { ...loc, kind: "workdir", path: text };
    case "user":
      if (text === "") fail("USER requires exactly one argument");
      return { ...loc, kind: "user", user: text };
    case "volume": {
      const paths = listForm(rest, escape);
      if (paths.length === 0) fail("VOLUME requires at least one argument");
      if (paths.some((p) => p.trim() === "")) fail("VOLUME specified can not be an empty string");
      return { ...loc, kind: "volume", paths };
    }
    case "stopsignal":
      if (text === "") fail("STOPSIGNAL requires exactly one argument");
      return { ...loc, kind: "stopsignal", signal: text };
    case "maintainer":
      return { ...loc, kind: "maintainer", name: text };
    case "healthcheck": {
      const words = /^(\S+)\s*([\s\S]*)$/.exec(text);
      const type = words?.[1]?.toUpperCase();
      if (type === "NONE") {
        if (words![2] !== "" || flags.length > 0) fail("HEALTHCHECK NONE takes no arguments");
        return { ...loc, kind: "healthcheck", test: ["NONE"] };
      }
      if (type !== "CMD") fail(`unknown type "${words?.[1] ?? ""}" in HEALTHCHECK (try CMD)`, "HEALTHCHECK [OPTIONS] CMD command, or HEALTHCHECK NONE");
      const form = commandForm(words![2]!);
      if (!form.shell && form.args.length === 0) fail("HEALTHCHECK CMD requires a command");
      if (form.shell && form.text === "") fail("HEALTHCHECK CMD requires a command");
      return {
        ...loc,
        kind: "healthcheck",
        test: form.shell ? ["CMD-SHELL", form.text] : ["CMD", ...form.args],
        interval: one("interval"),
        timeout: one("timeout"),
        startPeriod: one("start-period"),
        startInterval: one("start-interval"),
        retries: one("retries"),
      };
    }
    case "onbuild": {
      const m = /^(\S+)\s*([\s\S]*)$/.exec(text);
      if (!m) fail("ONBUILD requires at least one argument");
      const inner = m[1]!.toLowerCase();
      if (inner === "onbuild") fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (inner === "from" || inner === "maintainer") fail(`${inner.toUpperCase()} isn't allowed as an ONBUILD trigger`);
      const trigger = parseInstruction({ ...node, cmd: inner, rest: m[2]!, original: text }, file, escape);
      return { ...loc, kind: "onbuild", expression: text, trigger };
    }
  }
  return fail(`unknown instruction: ${upper}`);
}

/** The parsed file → meta args and stages. */
export function toDockerfile(parsed: ParsedDockerfile): Dockerfile {
  const { file, directives } = parsed;
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  for (const node of parsed.nodes) {
    const instr = parseInstruction(node, file, directives.escape);
    if (instr.kind === "from") {
      if (instr.alias && stages.some((s) => s.name === instr.alias)) throw dockerfileError(file, instr.line, `duplicate stage name "${instr.alias}"`);
      stages.push({ index: stages.length, name: instr.alias, from: instr, instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) {
      if (instr.kind === "arg") {
        metaArgs.push(instr);
        continue;
      }
      throw dockerfileError(file, instr.line, `${node.cmd.toUpperCase()} before the first FROM: no build stage in current context`, "a Dockerfile starts with FROM; only ARG may come before it");
    }
    stage.instructions.push(instr);
  }
  if (stages.length === 0) throw dockerfileError(file, parsed.nodes[0]?.line ?? 1, parsed.nodes.length === 0 ? "the Dockerfile has no instructions" : "the Dockerfile has no FROM", "a Dockerfile starts with FROM <image>");
  return { file, directives, metaArgs, stages, warnings: parsed.warnings };
}
