/**
 * The command line as docker compose reads it (cmd/compose/compose.go): the project flags come
 * between `kitten` (or `kitten compose`) and the verb; kitten also takes their long forms after
 * the verb, as nerdctl does (docker/compose#8986 is the complaint this answers), and -f/-p there
 * when the verb gives those letters no meaning of its own (`logs -f` is --follow, `run -p`
 * --publish, `rm -f` --force: compose's per-verb letters are never reinterpreted).
 *
 * Every flag after the verb is checked against the verb's own definition — derived from its
 * citty args, or from the docker-style flag table of run/exec — so an unknown flag is always
 * `unknown flag: --x` (exit 2), for every command, including ones added later.
 */
import type { ArgsDef } from "citty";
import { InvalidInputError } from "../core/errors.ts";
import { emptyGlobals, type GlobalOptions } from "./invocation.ts";
import type { FlagTable } from "./docker-args.ts";

export interface FlagSpec {
  /** long name → whether it takes a value, whether `--no-<name>` negates it */
  long: Map<string, { value: boolean; negatable: boolean }>;
  /** short letter → long name */
  short: Map<string, string>;
  /** flags end at the first positional (run, exec: the rest is the container's command) */
  stopAtPositional: boolean;
}

/** The flags a citty command defines (booleans are negatable with --no-, as citty parses them). */
export function specFromArgs(args: ArgsDef): FlagSpec {
  const spec: FlagSpec = { long: new Map(), short: new Map(), stopAtPositional: false };
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const value = def.type !== "boolean";
    spec.long.set(name, { value, negatable: !value });
    const aliases = "alias" in def && def.alias !== undefined ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
    for (const a of aliases) {
      if (a.length === 1) spec.short.set(a, name);
      else spec.long.set(a, { value, negatable: !value });
    }
  }
  return spec;
}

/** The flags of a docker-style command (run, exec), whose parsing stops at the first positional. */
export function specFromTable(table: FlagTable): FlagSpec {
  const spec: FlagSpec = { long: new Map(), short: new Map(), stopAtPositional: true };
  for (const [name, def] of Object.entries(table)) {
    const entry = { value: Boolean(def.value), negatable: false };
    spec.long.set(name, entry);
    for (const a of def.aliases ?? []) spec.long.set(a, entry);
    if (def.short) spec.short.set(def.short, name);
  }
  return spec;
}

interface GlobalDef {
  short?: string;
  value: boolean;
  /** accepted after the verb too (long form; the short one when the verb leaves it free) */
  afterVerb?: boolean;
  apply(g: GlobalOptions, value: string): void;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidInputError(`invalid --${flag} value "${value}"`, { code: "bad_flag", hint: `use one of: ${allowed.join(", ")}` });
}

/** docker compose's root flags (cmd/compose/compose.go addProjectFlags), as kitten honours them. */
export const GLOBAL_FLAGS: Record<string, GlobalDef & { description: string }> = {
  file: { short: "f", value: true, afterVerb: true, description: "compose file (repeatable; later files merge over earlier ones; - reads stdin)", apply: (g, v) => void g.files.push(v) },
  "project-name": { short: "p", value: true, afterVerb: true, description: "project name", apply: (g, v) => void (g.projectName = v) },
  "project-directory": { value: true, afterVerb: true, description: "project directory (default: the first file's directory)", apply: (g, v) => void (g.projectDirectory = v) },
  profile: { value: true, afterVerb: true, description: "enable a profile (repeatable; * enables all)", apply: (g, v) => void g.profiles.push(...v.split(",").map((p) => p.trim()).filter(Boolean)) },
  "env-file": { value: true, afterVerb: true, description: "environment file (repeatable; replaces the project directory's .env)", apply: (g, v) => void g.envFiles.push(v) },
  "dry-run": { value: false, description: "up: print the plan and change nothing", apply: (g) => void (g.dryRun = true) },
  ansi: { value: true, description: "colours: never, always or auto", apply: (g, v) => void (g.ansi = oneOf("ansi", v, ["never", "always", "auto"] as const)) },
  progress: { value: true, description: "progress on stderr: auto, tty and plain (lines), json (JSON lines) or quiet (warnings only)", apply: (g, v) => void (g.progress = oneOf("progress", v === "none" ? "quiet" : v, ["auto", "tty", "plain", "json", "quiet"] as const)) },
  parallel: {
    value: true,
    description: "accepted for compatibility; kitten starts each dependency level in parallel",
    apply: (_g, v) => {
      if (!/^-?\d+$/.test(v)) throw new InvalidInputError(`--parallel must be an integer, not "${v}"`, { code: "bad_flag" });
    },
  },
  compatibility: {
    value: false,
    description: "refused: kitten names containers <project>-<service>-<n> only",
    apply: () => {
      throw new InvalidInputError("--compatibility is not supported", { code: "bad_flag", hint: "kitten names containers the docker compose v2 way, <project>-<service>-<n>" });
    },
  },
  "all-resources": {
    value: false,
    description: "refused: kitten creates only the networks and volumes services use",
    apply: () => {
      throw new InvalidInputError("--all-resources is not supported", { code: "bad_flag", hint: "kitten creates the networks and volumes the services use" });
    },
  },
  workdir: { value: true, description: "deprecated alias of --project-directory", apply: (g, v) => void (g.projectDirectory = v) },
  debug: { value: false, afterVerb: true, description: "print stack traces with errors", apply: (g) => void (g.debug = true) },
};

const GLOBAL_SHORT = new Map(Object.entries(GLOBAL_FLAGS).flatMap(([name, d]) => (d.short ? [[d.short, name] as const] : [])));

export interface GlobalPrefix {
  global: GlobalOptions;
  compose: boolean;
  verb?: string;
  help: boolean;
  version: boolean;
  /** the arguments after the verb, untouched */
  rest: string[];
}

function unknownFlag(flag: string, where: string): InvalidInputError {
  return new InvalidInputError(`unknown flag: ${flag}`, { code: "unknown_flag", hint: `${where} --help lists the flags` });
}

function needsValue(flag: string): InvalidInputError {
  return new InvalidInputError(`flag needs an argument: ${flag}`, { code: "bad_flag" });
}

/**
 * Reads `[globals] [compose [globals]] <verb> ...`: the flags before the verb, which must all be
 * global ones, then the verb; what follows is left for `splitVerbArgs`.
 */
export function parseGlobalPrefix(argv: string[]): GlobalPrefix {
  const out: GlobalPrefix = { global: emptyGlobals(), compose: false, help: false, version: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const where = out.compose ? "kitten compose" : "kitten";
    if (!arg.startsWith("-") || arg === "-") {
      if (arg === "compose" && !out.compose) {
        out.compose = true;
        continue;
      }
      out.verb = arg;
      out.rest = argv.slice(i + 1);
      return out;
    }
    if (arg === "--") {
      out.rest = argv.slice(i + 1);
      return out;
    }
    if (arg === "--help" || arg === "-h") {
      out.help = true;
      continue;
    }
    if (arg === "--version" || arg === "-v") {
      out.version = true;
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const def = GLOBAL_FLAGS[name];
      if (!def) throw unknownFlag(`--${name}`, where);
      if (def.value) {
        const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
        if (v === undefined) throw needsValue(`--${name}`);
        def.apply(out.global, v);
      } else def.apply(out.global, "true");
      continue;
    }
    // short flags: -f a.yml, -fa.yml, -f=a.yml
    const letter = arg[1]!;
    const name = GLOBAL_SHORT.get(letter);
    if (!name) throw unknownFlag(`-${letter}`, where);
    let v = arg.slice(2);
    if (v.startsWith("=")) v = v.slice(1);
    if (v === "") {
      const next = argv[++i];
      if (next === undefined) throw needsValue(`-${letter}`);
      v = next;
    }
    GLOBAL_FLAGS[name]!.apply(out.global, v);
  }
  return out;
}

export interface VerbArgs {
  /** the verb's own arguments, short flags spelled as long ones */
  args: string[];
  help: boolean;
}

/**
 * Checks every flag after the verb against its definition; takes the global ones out into
 * `global`. Short flags come back as their long names (`-fn 5` → `--follow --tail 5`), so the
 * command's parser sees one spelling.
 */
export function splitVerbArgs(rest: string[], spec: FlagSpec, global: GlobalOptions, where: string): VerbArgs {
  const args: string[] = [];
  let help = false;
  const takeGlobal = (name: string, inline: string | undefined, shown: string, next: () => string | undefined) => {
    const def = GLOBAL_FLAGS[name]!;
    if (!def.value) {
      def.apply(global, "true");
      return;
    }
    const v = inline ?? next();
    if (v === undefined) throw needsValue(shown);
    def.apply(global, v);
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const next = () => rest[++i];
    if (arg === "--") {
      args.push(...rest.slice(i));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      args.push(arg);
      if (spec.stopAtPositional) {
        args.push(...rest.slice(i + 1));
        break;
      }
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      const own = spec.long.get(name);
      if (own) {
        if (!own.value) {
          if (inline !== undefined && inline !== "true" && inline !== "false") throw new InvalidInputError(`flag --${name} takes true or false, not "${inline}"`, { code: "bad_flag" });
          args.push(arg);
          continue;
        }
        const v = inline ?? next();
        if (v === undefined) throw needsValue(`--${name}`);
        args.push(`--${name}`, v);
        continue;
      }
      if (name.startsWith("no-") && inline === undefined && spec.long.get(name.slice(3))?.negatable) {
        args.push(arg);
        continue;
      }
      if (name === "help") {
        help = true;
        continue;
      }
      if (GLOBAL_FLAGS[name]?.afterVerb) {
        takeGlobal(name, inline, `--${name}`, next);
        continue;
      }
      throw unknownFlag(`--${name}`, where);
    }
    // a cluster of short flags: booleans combine (-dV); a value flag takes the rest or the next argument
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      const ownName = spec.short.get(letter);
      const globalName = ownName ? undefined : GLOBAL_SHORT.get(letter);
      if (!ownName && letter === "h") {
        help = true;
        continue;
      }
      if (!ownName && !(globalName && GLOBAL_FLAGS[globalName]!.afterVerb)) throw unknownFlag(`-${letter}`, where);
      const takesValue = ownName ? spec.long.get(ownName)!.value : true;
      if (!takesValue) {
        args.push(`--${ownName}`);
        continue;
      }
      let v: string | undefined = arg.slice(j + 1);
      if (v.startsWith("=")) v = v.slice(1);
      if (v === "") v = next();
      if (v === undefined) throw needsValue(`-${letter}`);
      if (ownName) args.push(`--${ownName}`, v);
      else takeGlobal(globalName!, v, `-${letter}`, () => undefined);
      break;
    }
  }
  return { args, help };
}
