/**
 * `kitten exec [options] SERVICE COMMAND [ARG…]`: docker compose exec in a project (the service's
 * first running container, or --index N), docker exec for a container named outside one. As in
 * compose, stdin is passed by default and a terminal is allocated when stdin and stdout are
 * terminals; -T drops the terminal only. Flags end at SERVICE: the rest is the command's.
 */
import { defineCommand } from "citty";
import { isatty } from "node:tty";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { pickRunning } from "../../engine/orchestrate/target.ts";
import { execInContainer } from "../../engine/runtime/exec.ts";
import { containerRuntime } from "../container-runtime.ts";
import { bool, flagHelp, list, parseDockerArgs, str, type FlagTable } from "../docker-args.ts";
import { cliTarget } from "../target.ts";

export const flags: FlagTable = {
  detach: { short: "d", description: "run the command in the background" },
  env: { short: "e", value: true, repeat: true, description: "set an environment variable K=V (K alone: from this environment)" },
  index: { value: true, description: "the replica of the service (default: the first running one)" },
  privileged: { description: "give the command every capability the namespace allows" },
  "no-tty": { short: "T", aliases: ["no-TTY"], description: "no terminal, even when stdin and stdout are terminals" },
  tty: { short: "t", description: "allocate a terminal (the default when stdin and stdout are terminals)" },
  interactive: { short: "i", description: "keep stdin open (the default; --interactive=false closes it)" },
  user: { short: "u", value: true, description: "user[:group] (names or ids)" },
  workdir: { short: "w", value: true, description: "working directory inside the container" },
};

export const usage = flagHelp("kitten exec [options] SERVICE|CONTAINER COMMAND [ARG…]", flags);

export function parseIndex(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`--index must be a replica number from 1, not "${value}"`, { code: "bad_flag" });
  return n;
}

export function envFlags(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of values) {
    const eq = e.indexOf("=");
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
    // -e KEY takes the value from this environment; an unset KEY is left out (docker, compose)
    else if (process.env[e] !== undefined) env[e] = process.env[e]!;
  }
  return env;
}

export default defineCommand({
  meta: { name: "exec", description: "run a command in a service's (or a named) running container" },
  async run({ rawArgs }) {
    const { flags: f, positionals } = parseDockerArgs(rawArgs, flags, "exec");
    const [name, ...command] = positionals;
    if (!name || command.length === 0) throw new InvalidInputError("exec needs a service (or container) and a command", { code: "bad_usage", hint: "kitten exec [options] <service> <command…>" });
    if (bool(f.tty) && bool(f["no-tty"])) throw new InvalidInputError("--tty and --no-tty can't be used together", { code: "bad_flag" });
    const target = await cliTarget("name", { names: [name], fallback: "container" });
    const rt = containerRuntime();
    const container = target.project && target.services.length > 0 ? await pickRunning(target.project, name, parseIndex(str(f.index)), { paths: kittenPaths(), inspect: (n) => rt.inspect(n) }) : target.containers[0]!;
    const tty = bool(f.tty) || (!bool(f["no-tty"]) && f.tty === undefined && !bool(f.detach) && isatty(0) && isatty(1));
    return execInContainer(rt, container, command, {
      env: envFlags(list(f.env)),
      workingDir: str(f.workdir),
      user: str(f.user),
      interactive: f.interactive !== false,
      tty,
      detach: bool(f.detach),
      privileged: bool(f.privileged),
    });
  },
});
