/**
 * Where the contents of a project's secrets and configs wait for its containers:
 * `<data>/secrets/<project>/<secrets|configs>/<key>` (dirs 0700, files 0600). `up` writes them
 * from their sources — the file, the variable of the project environment, or the inline
 * content — before any container is made; the runtime copies each into the container that uses
 * it with the uid, gid and mode asked (so they apply to every source, file included).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { currentUser } from "../../core/user.ts";
import { checkProjectName, nameHint, nameProblem } from "../../core/names.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { joinLocal } from "../../core/safe-path.ts";
import type { Project } from "../compose/model.ts";
import { FileTooLarge, readCapped } from "../../core/read-capped.ts";

export type FileKind = "secret" | "config";

/** A secret or config whose source cannot be read: names which, so `up` can say which services it stopped. */
export class SecretSourceError extends InvalidInputError {
  constructor(
    message: string,
    readonly kind: FileKind,
    readonly key: string,
    options: { code: string; hint: string },
  ) {
    super(message, options);
  }
}

export function secretsDir(paths: KittenPaths, project: string): string {
  return join(paths.data, "secrets", checkProjectName(project));
}

export function secretFilePath(paths: KittenPaths, project: string, kind: FileKind, key: string): string {
  const path = joinLocal(join(secretsDir(paths, project), `${kind}s`), key);
  if (path === undefined || nameProblem(kind, key) !== undefined) throw new InvalidInputError(`invalid ${kind} name "${key}"`, { hint: nameHint(kind) });
  return path;
}

/** Writes every secret and config the project's services use; an unset variable or missing file fails first, naming it. */
/** a secret or config is a password, a key, a config file: far below this */
const MAX_SECRET_BYTES = 16 * 1024 * 1024;

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
          throw new SecretSourceError(`${kind} "${key}": file ${def.file} not found`, kind, key, { code: "secret_missing", hint: `create it, or point ${kind}s.${key}.file at the right path` });
        }
        // bounded, and the user's mistake when it is a directory or unreadable (#14: /dev/zero as a secret read forever)
        try {
          data = readCapped(def.file, MAX_SECRET_BYTES);
        } catch (err) {
          // EACCES: a file only another user may read; who kitten reads it as is the fix
          const errno = (err as NodeJS.ErrnoException).code;
          const user = currentUser().name;
          const why =
            err instanceof FileTooLarge
              ? `is larger than ${MAX_SECRET_BYTES / 1024 / 1024} MB`
              : errno === "EACCES"
                ? `cannot be read: permission denied for user ${user}`
                : `cannot be read (${errno ?? "error"})`;
          throw new SecretSourceError(`${kind} "${key}": file ${def.file} ${why}`, kind, key, {
            code: "secret_unreadable",
            hint: errno === "EACCES" ? `kitten reads it as ${user}: make it readable by that user, or point ${kind}s.${key}.file at a readable file` : `point ${kind}s.${key}.file at a readable file`,
          });
        }
      } else if (def.environment !== undefined) {
        const value = environment[def.environment];
        // docker compose: "environment variable %q required by secret %q is not set"
        if (value === undefined) {
          throw new SecretSourceError(`environment variable "${def.environment}" required by ${kind} "${key}" is not set`, kind, key, { code: "secret_missing", hint: `set ${def.environment} in the environment or in the project's .env file` });
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
