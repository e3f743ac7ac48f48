/**
 * docker's flag parsing for management verbs (`kitten volume rm a b -f`): flags may come before,
 * between and after the positionals, `--` ends them, and an unknown flag is an error. Built on
 * parseDockerArgs, which stops at the first positional (right for run/exec, not for these).
 */
import { parseDockerArgs, type FlagTable, type Parsed } from "./docker-args.ts";

export function parseInterspersed(argv: string[], table: FlagTable, command: string): Parsed {
  const flags: Parsed["flags"] = {};
  const positionals: string[] = [];
  let rest = argv;
  while (rest.length > 0) {
    const parsed = parseDockerArgs(rest, table, command);
    for (const [k, v] of Object.entries(parsed.flags)) {
      const had = flags[k];
      flags[k] = Array.isArray(v) && Array.isArray(had) ? [...had, ...v] : v;
    }
    const consumed = rest.length - parsed.positionals.length;
    if (consumed > 0 && rest[consumed - 1] === "--") {
      positionals.push(...parsed.positionals);
      break;
    }
    if (parsed.positionals.length === 0) break;
    positionals.push(parsed.positionals[0]!);
    rest = parsed.positionals.slice(1);
  }
  return { flags, positionals };
}
