/**
 * Names that become path segments, file names, interface or DNS names. Each is checked against
 * compose's and docker's rule at the edge (a flag, a compose file with its location, an API body)
 * and again by the code that turns it into a path: `-p ../../x`, a network `name: ../../x` or a
 * service called `..` must never reach the file system (issue #14).
 *
 * The rules, and whose they are:
 * - project: compose-spec "lowercase letters, decimal digits, dashes, and underscores, and must
 *   begin with a lowercase letter or decimal digit"
 * - service, secret, config keys: compose-spec's schema `^[a-zA-Z0-9._-]+$`, and a first letter
 *   or digit (docker compose refuses `..` only later, when it names a container; kitten at load)
 * - container, volume: docker's RestrictedNameChars `[a-zA-Z0-9][a-zA-Z0-9_.-]*`
 * - network: libcni's ValidateNetworkName, the same set (host-local keeps a directory per name)
 * Every name is at most 255 bytes (NAME_MAX of the directory entry it becomes); a project name at
 * most 128, since it is a prefix: `<project>.lock`, `<project>_<network>`, `<project>-<service>-1`
 * must fit too (a 255-byte project name could not even be locked).
 */
import { InvalidInputError } from "./errors.ts";

/** compose-spec: "must contain only lowercase letters, decimal digits, dashes, and underscores, and must begin with a lowercase letter or decimal digit" */
export const PROJECT_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
/** docker's RestrictedNameChars: containers, volumes; libcni's rule for networks is the same */
export const RESTRICTED_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** compose-spec's key pattern for services, secrets and configs, with a first letter or digit */
export const SERVICE_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
/** NAME_MAX: a name becomes one directory entry */
export const MAX_NAME_BYTES = 255;
/** a project name prefixes other names and file names (see above) */
export const MAX_PROJECT_BYTES = 128;

export type NameKind = "project" | "service" | "container" | "volume" | "network" | "secret" | "config";

const RULES: Record<NameKind, { re: RegExp; hint: string }> = {
  project: { re: PROJECT_NAME_RE, hint: "use lower-case letters, digits, dashes and underscores, starting with a letter or digit" },
  service: { re: SERVICE_NAME_RE, hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit" },
  container: { re: RESTRICTED_NAME_RE, hint: "use letters, digits, '_', '.' and '-', starting with a letter or digit" },
  volume: { re: RESTRICTED_NAME_RE, hint: "use letters, digits, '_', '.' and '-', starting with a letter or digit" },
  network: { re: RESTRICTED_NAME_RE, hint: "use letters, digits, '_', '.' and '-', starting with a letter or digit" },
  secret: { re: SERVICE_NAME_RE, hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit" },
  config: { re: SERVICE_NAME_RE, hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit" },
};

/** Why `name` is not a valid name of this kind, or undefined when it is. */
export function nameProblem(kind: NameKind, name: string): string | undefined {
  if (name === "") return "it is empty";
  const max = kind === "project" ? MAX_PROJECT_BYTES : MAX_NAME_BYTES;
  if (Buffer.byteLength(name) > max) return `it is longer than ${max} bytes`;
  if (!RULES[kind].re.test(name)) return /^[a-zA-Z0-9]/.test(name) ? "it has characters that are not allowed" : "it must start with a letter or digit";
  return undefined;
}

/** The hint that says what a valid name of this kind looks like. */
export function nameHint(kind: NameKind): string {
  return RULES[kind].hint;
}

/** Shown in messages: long names cut, control characters escaped. */
export function quoteName(name: string): string {
  const cut = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return JSON.stringify(cut);
}

/** The name itself, or an exit-2 error naming its kind and where it came from. */
export function checkName(kind: NameKind, name: string, source?: string): string {
  const problem = nameProblem(kind, name);
  if (problem === undefined) return name;
  const from = source ? ` (from ${source})` : "";
  throw new InvalidInputError(`invalid ${kind} name ${quoteName(name)}${from}: ${problem}`, { code: `bad_${kind}_name`, hint: nameHint(kind) });
}

/** The name itself, or an error naming where it came from (`-p`, `name:`, COMPOSE_PROJECT_NAME). */
export function checkProjectName(name: string, source = "project name"): string {
  if (PROJECT_NAME_RE.test(name) && Buffer.byteLength(name) <= MAX_PROJECT_BYTES) return name;
  const why = Buffer.byteLength(name) > MAX_PROJECT_BYTES ? `: it is longer than ${MAX_PROJECT_BYTES} bytes` : "";
  throw new InvalidInputError(`invalid project name ${quoteName(name)} (from ${source})${why}`, {
    code: "bad_project_name",
    hint: RULES.project.hint,
  });
}
