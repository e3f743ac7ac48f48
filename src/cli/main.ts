#!/usr/bin/env bun
/**
 * The composition root of the CLI: global flags, grouped help, lazy dispatch to one command
 * file per verb, and the single place errors are printed and turned into exit codes.
 */
import { runCommand, renderUsage } from "citty";
import pkg from "../../package.json" with { type: "json" };
import { COMMANDS, GROUP_TITLES, findCommand, type CommandGroup } from "./registry.ts";
import { renderError } from "./render-error.ts";
import { InvalidInputError } from "../core/errors.ts";
import { didYouMeanHint } from "../core/suggest.ts";

export const VERSION: string = pkg.version;

function mainHelp(): string {
  const lines = [`kitten ${VERSION} — daemonless, rootless container orchestrator`, "", "Usage: kitten [--debug] <command> [options]", ""];
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  for (const group of Object.keys(GROUP_TITLES) as Exclude<CommandGroup, "internal">[]) {
    const cmds = COMMANDS.filter((c) => c.group === group);
    if (cmds.length === 0) continue;
    lines.push(`${GROUP_TITLES[group]}:`);
    for (const c of cmds) lines.push(`  ${c.name.padEnd(width)}${c.description}`);
    lines.push("");
  }
  lines.push("Global options:", "  --debug     print stack traces with errors", "  --version   print the version", "  --help      print help (also: kitten <command> --help)", "");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug") || process.env.KITTEN_DEBUG === "1";
  const args = argv.filter((a) => a !== "--debug");
  const first = args[0];
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    if (first === "help" && args[1]) return main([args[1], "--help"]);
    process.stdout.write(mainHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-v" || first === "version") {
    process.stdout.write(`kitten ${VERSION}\n`);
    return 0;
  }
  try {
    const entry = findCommand(first);
    if (!entry) {
      const names = COMMANDS.filter((c) => c.group !== "internal").flatMap((c) => [c.name, ...(c.aliases ?? [])]);
      throw new InvalidInputError(`unknown command "${first}"`, {
        hint: didYouMeanHint(first, names) ?? "run `kitten --help` to list the commands",
      });
    }
    const mod = await entry.load();
    const cmd = mod.default;
    const rest = args.slice(1);
    const wantsHelp = entry.ownArgs ? rest[0] === "--help" : rest.includes("--help") || rest.includes("-h");
    if (wantsHelp) {
      const usage = mod.usage ?? `${await renderUsage(cmd)}\n`;
      // citty colours its usage even into pipes and files; keep colour for terminals only
      const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      process.stdout.write(color ? usage : usage.replace(/\x1b\[[0-9;]*m/g, ""));
      return 0;
    }
    const result = await runCommand(cmd, { rawArgs: rest });
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
