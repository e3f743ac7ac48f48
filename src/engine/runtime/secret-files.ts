/**
 * Where the contents of a project's secrets and configs wait for its containers:
 * `<data>/secrets/<project>/<secrets|configs>/<key>` (dirs 0700, files 0600). `up` writes them
 * from their sources — the file, the variable of the project environment, or the inline
 * content — before any container is made; the runtime copies each into the container that uses
 * it with the uid, gid and mode asked (so they apply to every source, file included).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { checkProjectName, nameHint, nameProblem } from "../../core/names.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { joinLocal } from "../../core/safe-path.ts";
import type { Project } from "../compose/model.ts";

export type FileKind = "secret" | "config";

export function secretsDir(paths: KittenPaths, project: string): string {
  return join(paths.data, "secrets", checkProjectName(project));
}

export function secretFilePath(paths: KittenPaths, project: string, kind: FileKind, key: string): string {
  const path = joinLocal(join(secretsDir(paths, project), `${kind}s`), key);
  if (path === undefined || nameProblem(kind, key) !== undefined) throw new InvalidInputError(`invalid ${kind} name "${key}"`, { hint: nameHint(kind) });
  return path;
}

/** Writes every secret and config the project's services use; an unset variable or missing file fails first, naming it. */
export function materializeSecrets(paths: KittenPaths, project: Project, environment: Record<string, string | undefined>): void {
  const contents: Array<{ path: string; data: string | Uint8Array }> = [];
  for (const kind of ["secret", "config"] as const) {
    const defs = project[`${kind}s`] ?? {};
    const used = new Set(Object.values(project.services).flatMap((s) => (s[`${kind}s`] ?? []).map((r) => r.source)));
    for (const key of [...used].sort()) {
      const def = defs[key];
      if (!def) continue; // the loader refuses undefined references
      let data: string | Uint8Array;
      if (def.file !== undefined) {
        if (!existsSync(def.file)) {
          throw new InvalidInputError(`${kind} "${key}": file ${def.file} not found`, { code: "secret_missing", hint: `create it, or point ${kind}s.${key}.file at the right path` });
        }
        data = readFileSync(def.file);
      } else if (def.environment !== undefined) {
        const value = environment[def.environment];
        // docker compose: "environment variable %q required by secret %q is not set"
        if (value === undefined) {
          throw new InvalidInputError(`environment variable "${def.environment}" required by ${kind} "${key}" is not set`, { code: "secret_missing", hint: `set ${def.environment} in the environment or in the project's .env file` });
        }
        data = value;
      } else {
        data = def.content ?? "";
      }
      contents.push({ path: secretFilePath(paths, project.name, kind, key), data });
    }
  }
  const dir = secretsDir(paths, project.name);
  rmSync(dir, { recursive: true, force: true });
  if (contents.length === 0) return;
  for (const c of contents) {
    mkdirSync(join(c.path, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(c.path, c.data, { mode: 0o600 });
  }
}

export function removeSecrets(paths: KittenPaths, project: string): void {
  rmSync(secretsDir(paths, project), { recursive: true, force: true });
}
