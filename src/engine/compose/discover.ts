/**
 * Finding the project's files and name the way docker compose does: with no -f, the working
 * directory and then its parents are searched for compose.yaml, compose.yml, docker-compose.yml,
 * docker-compose.yaml (compose-go's order; then kitten.json, kitten.yaml, kitten.yml), and the
 * first compose.override.* / docker-compose.override.* beside a compose file is applied. The
 * project name comes, as in compose-go (and docker's documented precedence), from -p, then
 * COMPOSE_PROJECT_NAME, then `name:` in the files, then the project directory's base name
 * normalized.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { checkProjectName } from "../../core/names.ts";
import type { Reporter } from "../../core/reporter.ts";

const COMPOSE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
const OVERRIDE_NAMES = ["compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"];
const KITTEN_NAMES = ["kitten.json", "kitten.yaml", "kitten.yml"];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function discoverFiles(cwd: string, reporter: Reporter): string[] {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const compose = COMPOSE_NAMES.filter((n) => isFile(join(dir, n)));
    const found = compose.length > 0 ? compose : KITTEN_NAMES.filter((n) => isFile(join(dir, n)));
    if (found.length > 0) {
      const main = found[0]!;
      if (found.length > 1) reporter.emit({ type: "warning", message: `found several config files in ${dir} (${found.join(", ")}): using ${main}` });
      const files = [join(dir, main)];
      if (compose.length > 0) {
        const overrides = OVERRIDE_NAMES.filter((n) => isFile(join(dir, n)));
        if (overrides.length > 1) reporter.emit({ type: "warning", message: `found several override files in ${dir} (${overrides.join(", ")}): using ${overrides[0]}` });
        if (overrides[0]) files.push(join(dir, overrides[0]));
      }
      return files;
    }
    if (dirname(dir) === dir) break;
  }
  throw new InvalidInputError(`no compose file found in ${resolve(cwd)} or its parents`, {
    code: "no_config",
    hint: `create compose.yaml (see compose-examples/), or pass one with -f <file>`,
  });
}

/** compose's normalization of a directory name: lower case, only [a-z0-9_-], starting alphanumeric */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[^a-z0-9]+/, "");
}

export function projectName(candidates: { flag?: string; file?: string; env?: string; directory: string }): string {
  const explicit: [string | undefined, string][] = [
    [candidates.flag, "-p"],
    [candidates.env, "COMPOSE_PROJECT_NAME"],
    [candidates.file, "name:"],
  ];
  for (const [value, source] of explicit) {
    if (value === undefined || value === "") continue;
    return checkProjectName(value, source);
  }
  const name = normalizeProjectName(basename(candidates.directory));
  if (name === "") {
    throw new InvalidInputError(`cannot derive a project name from the directory "${candidates.directory}"`, { code: "bad_project_name", hint: "set one with -p <name> or name: in the file" });
  }
  return name;
}

export function exists(path: string): boolean {
  return existsSync(path);
}
