/**
 * What the command line said before (and, in long form, after) the verb: docker compose's
 * project flags (`kitten -f a.yml -f b.yml -p x --profile p --env-file e up -d`), set once by the
 * composition root (main.ts) and read by the commands through `invocation()` and
 * `projectOptions()` (args.ts), so a command added later gets them without declaring them.
 */

export interface GlobalOptions {
  /** -f/--file, in order (repeatable) */
  files: string[];
  /** -p/--project-name */
  projectName?: string;
  projectDirectory?: string;
  /** --profile (repeatable; commas split) */
  profiles: string[];
  /** --env-file (repeatable) */
  envFiles: string[];
  /** --dry-run before the verb (docker compose's persistent flag) */
  dryRun: boolean;
  /** --ansi never|always|auto */
  ansi?: "never" | "always" | "auto";
  /** --progress auto|tty|plain|json|quiet */
  progress?: "auto" | "tty" | "plain" | "json" | "quiet";
  debug: boolean;
}

export interface Invocation {
  global: GlobalOptions;
  /** invoked as `kitten compose <verb>`: strict compose semantics (a project is required) */
  compose: boolean;
  /** the verb as typed (`compose ps` → "ps") */
  verb?: string;
}

export function emptyGlobals(): GlobalOptions {
  return { files: [], profiles: [], envFiles: [], dryRun: false, debug: false };
}

let current: Invocation = { global: emptyGlobals(), compose: false };

export function setInvocation(inv: Invocation): void {
  current = inv;
}

export function invocation(): Invocation {
  return current;
}
