#!/usr/bin/env bun
/**
 * The composition root of the CLI: docker compose's global flags (before the verb, or in long
 * form after it), `kitten compose <verb>` as a full alias, grouped help, lazy dispatch to one
 * command file per verb, the generic flag check every command gets (an unknown flag is an
 * error, never ignored), and the single place errors are printed and turned into exit codes.
 */
import { runCommand, renderUsage, type ArgsDef, type CommandDef } from "citty";
import pkg from "../../package.json" with { type: "json" };
import { COMMANDS, GROUP_TITLES, findCommand, type CommandGroup } from "./registry.ts";
import { renderError } from "./render-error.ts";
import { GLOBAL_FLAGS, parseGlobalPrefix, specFromArgs, specFromTable, splitVerbArgs } from "./argv.ts";
import { setInvocation } from "./invocation.ts";
import type { FlagTable } from "./docker-args.ts";
import { InvalidInputError } from "../core/errors.ts";
import { didYouMeanHint } from "../core/suggest.ts";

export const VERSION: string = pkg.version;

function globalHelp(): string[] {
  const rows = Object.entries(GLOBAL_FLAGS).map(([name, d]) => `  ${`${d.short ? `-${d.short}, ` : "    "}--${name}${d.value ? " <value>" : ""}`.padEnd(32)}${d.description}`);
  return [
    "Global options (before the command; --file, --project-name, --project-directory, --profile and --env-file also after it):",
    ...rows,
    `  ${"-v, --version".padEnd(32)}print the version`,
    `  ${"-h, --help".padEnd(32)}print help (also: kitten <command> --help)`,
    "",
  ];
}

function mainHelp(compose: boolean): string {
  const usage = compose ? "Usage: kitten compose [global options] <command> [options]" : "Usage: kitten [global options] <command> [options]";
  const lines = [`kitten ${VERSION} — daemonless, rootless container orchestrator`, "", usage, ""];
  if (!compose) lines.push("In a project (a compose file here or above, or -p), names are services; elsewhere, containers.", "`kitten compose <command>` runs the same commands with docker compose's strict semantics (docs/compose-users.md).", "");
  const visible = COMMANDS.filter((c) => c.group !== "internal" && (!compose || c.compose));
  const width = Math.max(...visible.map((c) => c.name.length)) + 2;
  for (const group of Object.keys(GROUP_TITLES) as Exclude<CommandGroup, "internal">[]) {
    const cmds = visible.filter((c) => c.group === group);
    if (cmds.length === 0) continue;
    lines.push(`${GROUP_TITLES[group]}:`);
    for (const c of cmds) lines.push(`  ${c.name.padEnd(width)}${c.description}`);
    lines.push("");
  }
  lines.push(...globalHelp());
  return lines.join("\n");
}

type CommandModule = { default: CommandDef<any>; usage?: string; flags?: FlagTable };

/** Follows `kitten image load …` down citty's subCommands to the command that runs. */
async function leafCommand(mod: CommandModule, verb: string, rest: string[]): Promise<{ cmd: CommandDef<any>; rest: string[]; path: string; usage?: string }> {
  let cmd = mod.default;
  let path = verb;
  for (;;) {
    const subs = (typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands) as Record<string, CommandDef<any>> | undefined;
    if (!subs || Object.keys(subs).length === 0) return { cmd, rest, path, ...(cmd === mod.default && mod.usage ? { usage: mod.usage } : {}) };
    const name = rest[0];
    if (name === undefined || name === "--help" || name === "-h") {
      if (name !== undefined) return { cmd, rest, path, ...(mod.usage ? { usage: mod.usage } : {}) };
      if (cmd.run) return { cmd, rest, path };
      throw new InvalidInputError(`missing ${path} command`, { code: "bad_usage", hint: `use one of: kitten ${path} ${Object.keys(subs).join("|")}` });
    }
    const sub = subs[name];
    if (!sub) throw new InvalidInputError(`unknown ${path} command "${name}"`, { code: "bad_usage", hint: didYouMeanHint(name, Object.keys(subs)) ?? `use one of: kitten ${path} ${Object.keys(subs).join("|")}` });
    cmd = sub;
    path = `${path} ${name}`;
    rest = rest.slice(1);
  }
}

function writeHelp(text: string): void {
  // citty colours its usage even into pipes and files; keep colour for terminals only
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  process.stdout.write(color ? text : text.replace(/\x1b\[[0-9;]*m/g, ""));
}

export async function main(argv: string[]): Promise<number> {
  let debug = argv.includes("--debug") || process.env.KITTEN_DEBUG === "1";
  try {
    const prefix = parseGlobalPrefix(argv);
    debug ||= prefix.global.debug;
    if (prefix.global.ansi === "never") process.env.NO_COLOR = "1";
    const { verb, compose } = prefix;
    if (verb === undefined || verb === "help") {
      const topic = verb === "help" ? prefix.rest[0] : undefined;
      if (topic) return main([...(compose ? ["compose"] : []), topic, "--help"]);
      if (prefix.version && verb === undefined) {
        process.stdout.write(`kitten ${VERSION}\n`);
        return 0;
      }
      process.stdout.write(mainHelp(compose));
      return prefix.help || verb === "help" ? 0 : 2;
    }
    const entry = findCommand(verb);
    if (!entry) {
      const names = COMMANDS.filter((c) => c.group !== "internal" && (!compose || c.compose)).flatMap((c) => [c.name, ...(c.aliases ?? [])]);
      throw new InvalidInputError(`unknown command "${compose ? `compose ${verb}` : verb}"`, {
        hint: didYouMeanHint(verb, names) ?? `run \`kitten ${compose ? "compose " : ""}--help\` to list the commands`,
      });
    }
    // compose's --dry-run shows what a verb would do; kitten's plan exists for up only: say so rather than run for real
    if (prefix.global.dryRun && entry.name !== "up") throw new InvalidInputError(`--dry-run is not supported by ${verb}`, { code: "bad_flag", hint: "kitten up --dry-run prints the plan; other commands run for real" });
    const mod = (await (compose && entry.composeLoad ? entry.composeLoad() : entry.load())) as CommandModule;
    if (entry.ownArgs && !mod.flags) {
      // it parses (and checks) its own argv: only a leading --help is help, the rest is its own
      setInvocation({ global: prefix.global, compose, verb });
      if (prefix.help || prefix.rest[0] === "--help" || prefix.rest[0] === "-h") {
        writeHelp(mod.usage ?? `${await renderUsage(mod.default)}\n`);
        return 0;
      }
      const result = await runCommand(mod.default, { rawArgs: prefix.rest });
      return typeof result.result === "number" ? result.result : 0;
    }
    const leaf = await leafCommand(mod, verb, prefix.rest);
    const where = `kitten ${compose ? "compose " : ""}${leaf.path}`;
    const spec = mod.flags && leaf.cmd === mod.default ? specFromTable(mod.flags) : specFromArgs(((typeof leaf.cmd.args === "function" ? await leaf.cmd.args() : await leaf.cmd.args) ?? {}) as ArgsDef);
    const split = splitVerbArgs(leaf.rest, spec, prefix.global, where);
    setInvocation({ global: prefix.global, compose, verb });
    if (split.help || prefix.help) {
      writeHelp(leaf.usage ?? `${await renderUsage(leaf.cmd)}\nRun \`kitten --help\` for the global options.\n`);
      return 0;
    }
    const result = await runCommand(leaf.cmd, { rawArgs: split.args });
    return typeof result.result === "number" ? result.result : 0;
  } catch (err) {
    return renderError(err, debug);
  }
}

if (import.meta.main) {
  // no top-level await: the binary is compiled to bytecode (CommonJS), which starts faster
  void main(process.argv.slice(2)).then((code) => {
    // Not process.exit(code) right away: Bun writes stdout to a pipe asynchronously, and exiting
    // at once truncated large outputs (`up --dry-run --format json` of 300 services stopped at
    // 64 KiB when the reader was slow). Let the loop drain, with a backstop should a stray handle
    // keep it alive.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 10_000).unref();
  });
}
