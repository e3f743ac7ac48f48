/**
 * .env and env_file parsing as docker compose reads them (compose-go's dotenv): `KEY=value`,
 * an optional `export ` prefix, `#` comments (inline only after whitespace in unquoted values),
 * single quotes literal, double quotes with escapes (\n \t \\ \" \$) and interpolation,
 * unquoted values trimmed and interpolated. Variables resolve from the given lookup first
 * (the shell environment), then from keys defined earlier in the same file.
 */
import { interpolate, InterpolationError, type Lookup } from "./interpolate.ts";

/**
 * A syntax error at a line. Messages name the line and at most a variable name, never the text:
 * the file may be anything an env_file points at (issue #14: /etc/shadow's first line was shown).
 */
export class DotenvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

export function parseDotenv(text: string, lookup: Lookup = () => undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  const resolve: Lookup = (name) => lookup(name) ?? (Object.hasOwn(vars, name) ? vars[name] : undefined);
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    let line = lines[n]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("export ") || line.startsWith("export\t")) line = line.slice(7).trimStart();
    const eq = line.indexOf("=");
    if (eq < 0) {
      // a bare KEY takes its value from the environment, like compose
      // never the line itself: an env_file may point at a file of secrets (#14)
      if (!KEY.test(line)) throw new DotenvError("invalid line: expected KEY=VALUE, a bare KEY or a # comment", lineNo);
      const v = lookup(line);
      if (v !== undefined) vars[line] = v;
      continue;
    }
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) throw new DotenvError("invalid variable name before '=': use letters, digits, '_', '.' and '-', starting with a letter or '_'", lineNo);
    let raw = line.slice(eq + 1).trimStart();
    const quote = raw[0];
    try {
      if (quote === "'" || quote === '"') {
        // quoted values may span lines until the closing quote
        let body = raw.slice(1);
        let close = findClose(body, quote);
        while (close < 0 && n + 1 < lines.length) {
          n++;
          body += `\n${lines[n]!}`;
          close = findClose(body, quote);
        }
        if (close < 0) throw new DotenvError(`unterminated quoted value for ${key}`, lineNo);
        const after = body.slice(close + 1).trim();
        if (after !== "" && !after.startsWith("#")) throw new DotenvError(`unexpected text after the quoted value of ${key}`, lineNo);
        const inner = body.slice(0, close);
        vars[key] = quote === "'" ? inner : interpolate(unescapeDouble(inner), { lookup: resolve });
      } else {
        const hash = raw.search(/\s#/);
        if (hash >= 0) raw = raw.slice(0, hash);
        vars[key] = interpolate(raw.trim(), { lookup: resolve });
      }
    } catch (err) {
      // the message of an invalid format quotes the value: say what is wrong, not what is there
      if (err instanceof InterpolationError) throw new DotenvError(err.kind === "invalid" ? `invalid interpolation format in the value of ${key}` : err.message, lineNo);
      throw err;
    }
  }
  return vars;
}

function findClose(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "\\" && quote === '"') {
      i++;
      continue;
    }
    if (body[i] === quote) return i;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  // "\$" stays escaped as "$$" so that interpolation turns it into a literal "$"
  return s.replace(/\\(.)/gs, (_, c: string) => {
    switch (c) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "$":
        return "$$";
      default:
        return c;
    }
  });
}

/** `format: raw` env files: every KEY=VALUE line as written, comments and blank lines skipped */
export function parseRawEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}
