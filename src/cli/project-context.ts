/**
 * The composition root of the project commands: the engine dependencies
 * (engine/orchestrate/engine-deps.ts, shared with `kitten serve`), which project an invocation
 * means, and the time flags. The compose loader loads only when used, so `ps -p` and `ls` stay quick.
 */
import { InvalidInputError } from "../core/errors.ts";
import type { Reporter } from "../core/reporter.ts";
import { cliTarget } from "./target.ts";

// the wiring lives beside the engine: `kitten serve` uses the same one
export { engineDeps } from "../engine/orchestrate/engine-deps.ts";

/** The project this invocation means (-p, COMPOSE_PROJECT_NAME, or the compose file in reach). */
export async function projectName(_rawArgs: string[] = [], _args: unknown = {}, reporter?: Reporter): Promise<string> {
  const target = await cliTarget("optional", { ...(reporter ? { reporter } : {}) });
  if (target.project) return target.project;
  throw new InvalidInputError("no compose file found here or in the directories above", { code: "no_config", hint: "pass one with -f <file>, or name the project with -p <name>" });
}

/** `-t SECONDS` as milliseconds (undefined when not given). */
export function timeoutMs(value: string | undefined, flag = "--timeout"): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === "") throw new InvalidInputError(`${flag} must be a number of seconds, not "${value}"`, { code: "bad_flag" });
  return Math.round(n * 1000);
}

/** `--wait-timeout`: compose's non-negative integer of seconds; 0 or absent is no limit. */
export function waitSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new InvalidInputError("--wait-timeout must be a non-negative integer", { code: "bad_flag" });
  return Number(value) || undefined;
}
