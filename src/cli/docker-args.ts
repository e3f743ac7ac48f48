/**
 * A small docker-style argv parser for `run` and `exec`: flags stop at the first positional
 * (the image or container), so `kitten run img sh -c "ls -l"` passes `-c` to the container.
 * Supports `-it` (combined short booleans), `-e K=V`, `-eK=V`, `--env K=V`, `--env=K=V`.
 * citty cannot do this: it parses flags anywhere on the line.
 */
import { InvalidInputError } from "../core/errors.ts";

export interface FlagDef {
  short?: string;
  /** takes a value */
  value?: boolean;
  repeat?: boolean;
  description: string;
  /** other long names (--net for --network) */
  aliases?: string[];
}

export type FlagTable = Record<string, FlagDef>;

export interface Parsed {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseDockerArgs(argv: string[], table: FlagTable, command: string): Parsed {
  const flags: Parsed["flags"] = {};
  const byLong = new Map<string, string>();
  const byShort = new Map<string, string>();
  for (const [name, def] of Object.entries(table)) {
    byLong.set(name, name);
    for (const a of def.aliases ?? []) byLong.set(a, name);
    if (def.short) byShort.set(def.short, name);
  }
  const set = (name: string, value: string | boolean) => {
    const def = table[name]!;
    if (def.repeat) flags[name] = [...((flags[name] as string[] | undefined) ?? []), String(value)];
    else flags[name] = value;
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const key = arg.slice(2, eq < 0 ? undefined : eq);
      const name = byLong.get(key);
      if (!name) throw unknown(arg, command);
      if (table[name]!.value) {
        const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new InvalidInputError(`flag --${key} needs a value`);
        set(name, v);
      } else {
        const v = eq >= 0 ? arg.slice(eq + 1) : "true";
        if (v !== "true" && v !== "false") throw new InvalidInputError(`flag --${key} takes true or false, not "${v}"`);
        set(name, v === "true");
      }
      continue;
    }
    // short flags: booleans combine (-it); a value flag takes the rest or the next argument
    for (let j = 1; j < arg.length; j++) {
      const name = byShort.get(arg[j]!);
      if (!name) throw unknown(`-${arg[j]}`, command);
      if (table[name]!.value) {
        let v = arg.slice(j + 1);
        if (v.startsWith("=")) v = v.slice(1);
        if (v === "") {
          const next = argv[++i];
          if (next === undefined) throw new InvalidInputError(`flag -${arg[j]} needs a value`);
          v = next;
        }
        set(name, v);
        break;
      }
      set(name, true);
    }
  }
  return { flags, positionals: argv.slice(i) };
}

function unknown(flag: string, command: string): InvalidInputError {
  return new InvalidInputError(`unknown flag: ${flag}`, { code: "unknown_flag", hint: `kitten ${command} --help lists the flags` });
}

export function flagHelp(usage: string, table: FlagTable): string {
  const rows = Object.entries(table).map(([name, d]) => {
    const left = `${d.short ? `-${d.short}, ` : "    "}--${name}${d.value ? " <value>" : ""}`;
    return `  ${left.padEnd(30)}${d.description}${d.repeat ? " (repeatable)" : ""}`;
  });
  return `Usage: ${usage}\n\nOptions:\n${rows.join("\n")}\n`;
}

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
export const bool = (v: unknown): boolean => v === true;
