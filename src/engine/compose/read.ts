/**
 * Typed reading of one parsed file with precise errors: every failure names the key path
 * (`services.web.ports[0]: expected ...`) and, through the file's locator, its line and column.
 * Values may arrive as strings after interpolation, so integers and booleans are also accepted
 * in their string forms — compose-go casts the same paths after interpolating.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { formatPath, type KeyPath, type ParsedFile } from "./parse.ts";
import { didYouMeanHint } from "../../core/suggest.ts";
import { nameHint, nameProblem, quoteName, type NameKind } from "../../core/names.ts";

export type Dict = Record<string, unknown>;

/** Errors print as one line: values quoted into messages keep their newlines and tabs escaped. */
export function oneLine(text: string): string {
  return text.replace(/[\n\r\t]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t"));
}

export class FileReader {
  constructor(
    readonly parsed: ParsedFile,
    /** relative paths in this file resolve against this directory */
    readonly baseDir: string,
    /** maps a canonical (compose) path to the path as written, for Kitten-format files */
    readonly displayPath: (path: KeyPath) => KeyPath = (p) => p,
  ) {}

  get file(): string {
    return this.parsed.file;
  }

  fail(path: KeyPath, message: string, hint?: string): never {
    const shown = this.displayPath(path);
    const prefix = shown.length > 0 ? `${formatPath(shown)}: ` : "";
    throw new InvalidInputError(oneLine(`${prefix}${message}`), { location: this.parsed.locate(shown), hint: hint ?? specHint(path) });
  }

  /** Rejects keys outside the spec (with did-you-mean); returns the spec keys we do not model. */
  checkKeys(value: Dict, path: KeyPath, supported: Set<string>, spec: Set<string> = supported): string[] {
    const ignored: string[] = [];
    for (const key of Object.keys(value)) {
      if (key.startsWith("x-")) continue;
      if (supported.has(key)) continue;
      if (spec.has(key)) {
        ignored.push(key);
        continue;
      }
      const shown = this.displayPath([...path, key]);
      const where = path.length > 0 ? ` in ${formatPath(this.displayPath(path))}` : "";
      throw new InvalidInputError(oneLine(`unknown key "${key}"${where}`), {
        location: this.parsed.locateKey(shown),
        hint:
          didYouMeanHint(key, spec) ??
          (spec.size <= 12 ? `the keys allowed here are: ${[...spec].sort().join(", ")}` : `it is not in the compose specification (custom keys must start with "x-")`),
      });
    }
    return ignored;
  }

  /**
   * A name that becomes a path, an interface or a DNS name (core/names.ts): `key` true when the
   * name is the last key of `path` (`services.<name>`), so the error points at the key itself.
   */
  name(kind: NameKind, name: string, path: KeyPath, key = false): string {
    const problem = nameProblem(kind, name);
    if (problem === undefined) return name;
    const shown = this.displayPath(path);
    const message = oneLine(`${formatPath(shown)}: invalid ${kind} name ${quoteName(name)}: ${problem}`);
    throw new InvalidInputError(message, { code: `bad_${kind}_name`, location: key ? this.parsed.locateKey(shown) : this.parsed.locate(shown), hint: nameHint(kind) });
  }

  map(v: unknown, path: KeyPath): Dict {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Dict;
    return this.fail(path, `expected a mapping, got ${describe(v)}`);
  }

  /** A mapping, or an empty one for null (`web:` with nothing under it) */
  optMap(v: unknown, path: KeyPath): Dict {
    return v === null || v === undefined ? {} : this.map(v, path);
  }

  list(v: unknown, path: KeyPath): unknown[] {
    if (Array.isArray(v)) return v;
    return this.fail(path, `expected a list, got ${describe(v)}`);
  }

  str(v: unknown, path: KeyPath): string {
    if (typeof v === "string") return v;
    return this.fail(path, `expected a string, got ${describe(v)}`);
  }

  /** A string, also accepting a number (`user: 1000`, `expose: [80]`) */
  text(v: unknown, path: KeyPath): string {
    if (typeof v === "string") return v;
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
    return this.fail(path, `expected a string, got ${describe(v)}`);
  }

  /** A scalar as an environment or label value: strings, numbers and booleans as text */
  scalar(v: unknown, path: KeyPath): string {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return this.fail(path, `expected a string, number or boolean, got ${describe(v)}`);
  }

  int(v: unknown, path: KeyPath, min = Number.MIN_SAFE_INTEGER): number {
    let n: number | undefined;
    if (typeof v === "number" && Number.isInteger(v)) n = v;
    else if (typeof v === "string" && /^-?\d+$/.test(v.trim())) n = Number(v.trim());
    if (n === undefined) return this.fail(path, `expected an integer, got ${describe(v)}`);
    // beyond 2^53 a number is no longer exact (and no kernel limit is that large)
    if (!Number.isSafeInteger(n)) return this.fail(path, `${typeof v === "string" ? v.trim() : String(v)} is too large`, `use an integer up to ${Number.MAX_SAFE_INTEGER}, or -1 where it means unlimited`);
    if (n < min) return this.fail(path, `must be at least ${min}, got ${n}`);
    return n;
  }

  bool(v: unknown, path: KeyPath): boolean {
    if (typeof v === "boolean") return v;
    if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
    return this.fail(path, `expected true or false, got ${describe(v)}`);
  }

  /** A list of strings, or one string as a one-item list (cap_add, tmpfs, profiles, ...) */
  strings(v: unknown, path: KeyPath, single = false): string[] {
    if (single && (typeof v === "string" || typeof v === "number")) return [String(v)];
    return this.list(v, path).map((item, i) => this.text(item, [...path, i]));
  }
}

/** The files that define each service, in merge order. */
export type ServiceReaders = Record<string, FileReader[]>;

/**
 * An error about a service of a merged project, located in the last file that has `path`
 * (`["ports", 0]` under services.<service>), else in the last file defining the service.
 */
export function serviceError(readers: ServiceReaders, service: string, path: KeyPath, message: string, hint?: string): InvalidInputError {
  const list = readers[service] ?? [];
  const full = ["services", service, ...path];
  const r = [...list].reverse().find((x) => x.parsed.has(x.displayPath(full))) ?? list.at(-1);
  return new InvalidInputError(oneLine(message), { hint: hint ?? specHint(full), location: r?.parsed.locate(r.displayPath(full)) });
}

const SPEC = "https://docs.docker.com/reference/compose-file";

/**
 * The hint of an error that has no better one: where the compose specification describes the
 * key (`services.web.ports[0]` → services/#ports), so every refusal says where to look.
 */
export function specHint(path: KeyPath): string {
  const [top, , key] = path;
  if (top === "services" && typeof key === "string") return `see ${SPEC}/services/#${key} for what "${key}" takes`;
  if (top === "services") return `see ${SPEC}/services/ for how a service is written`;
  if (top === "networks" || top === "volumes" || top === "secrets" || top === "configs") return `see ${SPEC}/${top}/ for how ${top} are written`;
  return `see ${SPEC}/ for the file's layout`;
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  if (typeof v === "boolean") return `${v}`;
  return typeof v;
}

export function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
