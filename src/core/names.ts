/**
 * Names that become path segments. A project name is joined into paths under kitten's root
 * (namespace records, locks, supervisor sockets, network plans), so it is checked against
 * compose's rule at the edge (a flag, a file, an API body) and again by every path builder:
 * `-p ../../x` must never reach the file system (issue #14).
 */
import { InvalidInputError } from "./errors.ts";

/** compose-spec: "must contain only lowercase letters, decimal digits, dashes, and underscores, and must begin with a lowercase letter or decimal digit" */
export const PROJECT_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** The name itself, or an error naming where it came from (`-p`, `name:`, COMPOSE_PROJECT_NAME). */
export function checkProjectName(name: string, source = "project name"): string {
  if (PROJECT_NAME_RE.test(name)) return name;
  throw new InvalidInputError(`invalid project name ${JSON.stringify(name)} (from ${source})`, {
    code: "bad_project_name",
    hint: "use lower-case letters, digits, dashes and underscores, starting with a letter or digit",
  });
}
