/**
 * Variable interpolation as the compose specification defines it (compose-go's template
 * package): $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message},
 * ${VAR:+alt}, ${VAR+alt}, and $$ for a literal $. Defaults, alternatives and messages may
 * themselves contain interpolations (`${A:-${B:-x}}`). A "$" before anything else ("$1") stays
 * literal, while a malformed "${...}" is an error. Applied to string values only — keys are never
 * interpolated — before the file is validated.
 */

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly kind: "invalid" | "required",
    readonly variable?: string,
  ) {
    super(message);
  }
}

export interface InterpolateOptions {
  lookup: Lookup;
  /** called for every plain ${VAR} / $VAR that is unset and becomes "" */
  onUnset?: (name: string) => void;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** `${A:-${B:-…}}` nests defaults; compose files use one or two levels. Deeper is refused, not recursed (#14: 50,000 levels overflowed the stack). */
const MAX_NESTING = 32;

export function interpolate(text: string, options: InterpolateOptions, depth = 0): string {
  if (!text.includes("$")) return text;
  if (depth > MAX_NESTING) throw new InterpolationError(`variables nested more than ${MAX_NESTING} levels deep in "${shorten(text)}"`, "invalid");
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next === "{") {
      const end = matchingBrace(text, i + 2);
      if (end < 0) throw invalid(text);
      out += braced(text.slice(i + 2, end), text, options, depth);
      i = end + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
      out += plain(text.slice(i + 1, j), options);
      i = j;
    } else {
      // compose-go's pattern does not match a "$" before anything else ("$1", "a $ b"): kept as is
      out += "$";
      i++;
    }
  }
  return out;
}

function invalid(text: string): InterpolationError {
  return new InterpolationError(`invalid interpolation format in "${shorten(text)}"`, "invalid");
}

/** A value quoted in a message: long ones cut (the message is one line, not the value). */
function shorten(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/** Index of the "}" closing a "${" whose body starts at `start`, honouring nested "${...}". */
function matchingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === "$" && text[i + 1] === "$") {
      i++;
    } else if (c === "$" && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function plain(name: string, options: InterpolateOptions): string {
  const value = options.lookup(name);
  if (value === undefined) {
    options.onUnset?.(name);
    return "";
  }
  return value;
}

function braced(body: string, whole: string, options: InterpolateOptions, depth: number): string {
  let j = 0;
  if (!NAME_START.test(body[0] ?? "")) throw invalid(whole);
  while (j < body.length && NAME_CHAR.test(body[j]!)) j++;
  const name = body.slice(0, j);
  const rest = body.slice(j);
  if (rest === "") return plain(name, options);
  const colon = rest[0] === ":";
  const op = colon ? rest[1] : rest[0];
  const arg = rest.slice(colon ? 2 : 1);
  if (op !== "-" && op !== "?" && op !== "+") throw invalid(whole);
  const value = options.lookup(name);
  // with ":" an empty value counts as unset (compose-spec)
  const set = colon ? value !== undefined && value !== "" : value !== undefined;
  switch (op) {
    case "-":
      return set ? value! : interpolate(arg, options, depth + 1);
    case "+":
      return set ? interpolate(arg, options, depth + 1) : "";
    case "?": {
      if (set) return value!;
      const message = interpolate(arg, options, depth + 1);
      const what = `required variable ${name} is missing a value`;
      throw new InterpolationError(message ? `${what}: ${message}` : what, "required", name);
    }
  }
  throw invalid(whole);
}
