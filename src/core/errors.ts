/**
 * Errors are values with a code (STYLE.md §6). Every failure that reaches the user is a
 * KittenError: `error: <message>` plus an optional `hint: <hint>`, and a process exit code
 * per DESIGN.md — 2 for bad usage or invalid input, 1 for runtime failures, 130 when cancelled.
 */
export type ExitCode = 0 | 1 | 2 | 130;

export interface SourceLocation {
  file: string;
  line?: number;
  col?: number;
}

export interface KittenErrorOptions {
  hint?: string;
  cause?: unknown;
  location?: SourceLocation;
}

export class KittenError extends Error {
  readonly hint?: string;
  readonly location?: SourceLocation;

  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    options: KittenErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KittenError";
    this.hint = options.hint;
    this.location = options.location;
  }

  /** The one line printed after `error: `, prefixed by `file:line:col: ` when known. */
  get display(): string {
    const loc = this.location;
    if (!loc) return this.message;
    const where = [loc.file, loc.line, loc.col].filter((p) => p !== undefined).join(":");
    return `${where}: ${this.message}`;
  }
}

/** Bad usage or invalid input: config files, flags, image references (exit 2). */
export class InvalidInputError extends KittenError {
  constructor(message: string, options: KittenErrorOptions & { code?: string } = {}) {
    super(options.code ?? "invalid_input", message, 2, options);
  }
}

/** Something failed while doing the work: a runtime, a registry, the kernel (exit 1). */
export class RuntimeFailure extends KittenError {
  constructor(message: string, options: KittenErrorOptions & { code?: string } = {}) {
    super(options.code ?? "runtime", message, 1, options);
  }
}

/** The user cancelled (Ctrl-C at a prompt, or declined) (exit 130). */
export class CancelledError extends KittenError {
  constructor(message = "cancelled") {
    super("cancelled", message, 130);
  }
}

export function isKittenError(err: unknown): err is KittenError {
  return err instanceof KittenError;
}

/** Text of any thrown value, for wrapping foreign errors into a KittenError message. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
