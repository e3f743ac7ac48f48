/**
 * One configuration source: its text read, parsed with positions and interpolated. The
 * interpolation environment is shared by every file of a load, and each unset variable is
 * warned about once, as docker compose does.
 */
import { existsSync, statSync } from "node:fs";
import { FileTooLarge, readCapped } from "../../core/read-capped.ts";

/** far above any real compose file (the 300-service benchmark is 100 KB), and bounded */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;
import { InvalidInputError } from "../../core/errors.ts";
import type { Reporter } from "../../core/reporter.ts";
import { interpolate, InterpolationError, type Lookup } from "./interpolate.ts";
import { formatPath, parseText, type KeyPath, type ParsedFile } from "./parse.ts";
import { oneLine } from "./read.ts";
import { DotenvError, parseDotenv } from "./dotenv.ts";
import { ENV_FILE_HINT, readEnvFileText } from "./env-file.ts";

export interface InterpolationEnv {
  lookup: Lookup;
  reporter: Reporter;
  /** variables already warned about */
  warned: Set<string>;
}

/**
 * Variables of .env-style files for interpolation, later files winning; `${VAR}` inside them
 * resolves from `lookup` (the shell environment) first, then from the files read so far.
 */
export function readEnvFiles(files: string[], lookup: Lookup): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of files) {
    if (!existsSync(file)) throw new InvalidInputError(`file not found: ${file}`, { code: "file_not_found", hint: "check the path given with --env-file" });
    const text = readEnvFileText(file, (message, hint) => {
      throw new InvalidInputError(message, { code: "invalid_env_file", hint });
    });
    try {
      Object.assign(out, parseDotenv(text, (k) => lookup(k) ?? out[k]));
    } catch (err) {
      if (err instanceof DotenvError) throw new InvalidInputError(oneLine(err.message), { code: "invalid_env_file", location: { file, line: err.line }, hint: ENV_FILE_HINT });
      throw err;
    }
  }
  return out;
}

export function readSourceFile(path: string): string {
  let isFile = false;
  try {
    // pipes and devices (/dev/stdin, <(...)) are fine; only directories are refused
    isFile = !statSync(path).isDirectory();
  } catch {
    throw new InvalidInputError(`file not found: ${path}`, { code: "file_not_found", hint: "check the path given with -f, or run from the project's directory" });
  }
  if (!isFile) throw new InvalidInputError(`not a file: ${path}`, { hint: "pass the compose file itself with -f, or use --project-directory for a directory" });
  let bytes: Buffer;
  try {
    bytes = readCapped(path, MAX_CONFIG_BYTES);
  } catch (err) {
    if (err instanceof FileTooLarge) throw new InvalidInputError(`${path} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MB`, { code: "file_too_large", hint: "a compose file is a few KB; is this the right file?" });
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InvalidInputError(`cannot read ${path}: ${code === "EACCES" ? "permission denied" : code}`, { code: "file_unreadable", hint: "check the path and that the user running kitten may read it" });
  }
  return sourceText(bytes, path);
}

/** A config file's bytes as text; binary files are refused by name, never shown (#14). */
export function sourceText(bytes: Uint8Array, file: string): string {
  const hint = "pass a compose file (YAML or JSON) or a Kitten JSON file";
  if (bytes.includes(0)) throw new InvalidInputError("not a text file (it has NUL bytes)", { code: "binary_file", location: { file }, hint });
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidInputError("not a text file (it is not valid UTF-8)", { code: "binary_file", location: { file }, hint });
  }
}

/** Parses `text` and interpolates every string value (keys are left as written). */
export function loadSource(text: string, file: string, env: InterpolationEnv): ParsedFile {
  if (text.includes("\0")) throw new InvalidInputError("not a text file (it has NUL bytes)", { code: "binary_file", location: { file }, hint: "pass a compose file (YAML or JSON) or a Kitten JSON file" });
  const parsed = parseText(text, file);
  if (parsed.value === null || parsed.value === undefined) {
    throw new InvalidInputError("empty file", { code: "empty_file", location: { file }, hint: "a compose file needs at least a services: mapping" });
  }
  if (typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
    throw new InvalidInputError("the top level must be a mapping (services:, networks:, ...)", { location: parsed.locate([]), hint: 'a compose file starts with keys like "services:" at the left margin' });
  }
  parsed.value = walk(parsed.value, [], parsed, env);
  return parsed;
}

function walk(value: unknown, path: (string | number)[], parsed: ParsedFile, env: InterpolationEnv): unknown {
  if (typeof value === "string") {
    try {
      return interpolate(value, {
        lookup: env.lookup,
        onUnset: (name) => {
          if (env.warned.has(name)) return;
          env.warned.add(name);
          env.reporter.emit({ type: "warning", message: `the "${name}" variable is not set, defaulting to a blank string` });
        },
      });
    } catch (err) {
      if (!(err instanceof InterpolationError)) throw err;
      const hint =
        err.kind === "required"
          ? `set ${err.variable} in the environment or in the .env file`
          : "write a literal $ as $$, and variables as $NAME or ${NAME}";
      throw new InvalidInputError(oneLine(`${formatPath(path)}: ${err.message}`), { code: "interpolation", location: parsed.locate(path), hint });
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i], parsed, env));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k], parsed, env);
    return out;
  }
  return value;
}

export type { KeyPath };
