/**
 * Dockerfile text → nodes, as BuildKit's `frontend/dockerfile/parser/parser.go` reads it
 * (research/build.md §1.1): parser directives only at the very top (`syntax`, `escape`, `check`;
 * unknown ones are comments and end the directive block), `#` comment lines (removed even in the
 * middle of a continued instruction), line continuation with the escape character, empty
 * continuation lines tolerated with a warning, and heredocs for RUN, COPY and ADD (also under
 * ONBUILD). Pure: no file system, no expansion.
 */
import { InvalidInputError } from "../../../core/errors.ts";
import { processWords, ShellLexError } from "./shell-lex.ts";

export interface Heredoc {
  /** the delimiter word, quotes removed */
  name: string;
  /** false when the delimiter was quoted: the body is not expanded */
  expand: boolean;
  /** `<<-`: leading tabs are stripped */
  chomp: boolean;
  /** `3<<EOF`: the file descriptor (RUN only) */
  fd: number;
  /** the body, each line ending in "\n" (tabs already stripped for `<<-`) */
  content: string;
}

export interface Node {
  /** lower-case instruction name */
  cmd: string;
  /** everything after the instruction name, continuations joined, comments removed */
  rest: string;
  /** the instruction as written, continuations joined (for messages and history) */
  original: string;
  heredocs: Heredoc[];
  /** 1-based first and last line */
  line: number;
  endLine: number;
}

export interface Directives {
  syntax?: string;
  escape: string;
  check?: string;
}

export interface ParsedDockerfile {
  file: string;
  directives: Directives;
  nodes: Node[];
  warnings: { line: number; message: string }[];
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(["syntax", "escape", "check"]);
const HEREDOC_WORD = /^(\d*)<<(-?)\s*([^<]*)$/;
const HEREDOC_COMMANDS = new Set(["run", "copy", "add"]);

export function dockerfileError(file: string, line: number, message: string, hint?: string): InvalidInputError {
  // every refusal says where to look (#14: the fuzzer's invariant), the instruction's own hint first
  return new InvalidInputError(message, { code: "bad_dockerfile", location: { file, line }, hint: hint ?? "see https://docs.docker.com/reference/dockerfile/ for the instruction's syntax" });
}

/** `#!`-style `<<EOF`, `<<-"EOF"`, `3<<'X'` word → heredoc header, or undefined. */
export function parseHeredocWord(word: string): Omit<Heredoc, "content"> | undefined {
  const m = HEREDOC_WORD.exec(word);
  if (!m || m[3] === "") return undefined;
  const rest = m[3]!;
  let words: string[];
  let raw: string[];
  try {
    words = processWords(rest, new Map(), { skipUnset: true });
    raw = processWords(rest, new Map(), { skipUnset: true, rawQuotes: true });
  } catch {
    return undefined;
  }
  if (words.length !== 1 || raw.length !== 1) return undefined;
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  // quoted anywhere ('EOF', "EOF", E"O"F): the body is taken literally (BuildKit parseHeredoc)
  return { name: words[0]!, expand: quotes(words[0]!) === quotes(raw[0]!), chomp: m[2] === "-", fd: m[1] ? Number(m[1]) : 0 };
}

/** The heredoc headers of an instruction line, in order. */
function heredocHeaders(rest: string): Omit<Heredoc, "content">[] {
  let words: string[];
  try {
    words = processWords(rest, new Map(), { skipUnset: true, rawQuotes: true, rawEscapes: true });
  } catch {
    return [];
  }
  return words.flatMap((w) => {
    const h = parseHeredocWord(w);
    return h ? [h] : [];
  });
}

function splitCommand(text: string): { cmd: string; rest: string } {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text);
  return { cmd: (m?.[1] ?? "").toLowerCase(), rest: m?.[2] ?? "" };
}

export function parseDockerfile(text: string, file = "Dockerfile"): ParsedDockerfile {
  // a UTF-8 byte order mark is not part of the first line
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const directives: Directives = { escape: "\\" };
  const warnings: ParsedDockerfile["warnings"] = [];
  const seen = new Set<string>();
  let i = 0;
  // parser directives: only before any comment, empty line or instruction
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (!KNOWN_DIRECTIVES.has(key)) {
      i++; // an unknown directive is a comment, and ends the directive block
      break;
    }
    if (seen.has(key)) throw dockerfileError(file, i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    const value = m[2]!;
    if (key === "escape") {
      if (value !== "\\" && value !== "`") throw dockerfileError(file, i + 1, `invalid escape token '${value}' does not match ${"`"} or \\`);
      directives.escape = value;
    } else if (key === "syntax") directives.syntax = value;
    else directives.check = value;
  }
  const escape = directives.escape;
  const continued = (line: string): string | undefined => {
    // the escape character as the last non-blank character continues the instruction
    const trimmed = line.replace(/[ \t]+$/, "");
    return trimmed.endsWith(escape) ? trimmed.slice(0, -escape.length) : undefined;
  };
  const isComment = (line: string) => /^[ \t]*#/.test(line);
  const isBlank = (line: string) => /^[ \t]*$/.test(line);

  const nodes: Node[] = [];
  while (i < lines.length) {
    const raw = lines[i]!;
    if (isBlank(raw) || isComment(raw)) {
      i++;
      continue;
    }
    const start = i;
    let text = raw.replace(/^[ \t]+/, "");
    const body = continued(text);
    i++;
    if (body !== undefined) {
      text = body;
      while (i < lines.length) {
        const next = lines[i]!;
        i++;
        if (isComment(next)) continue;
        if (isBlank(next)) {
          warnings.push({ line: i, message: "empty continuation line (empty continuation lines will become errors in a future release)" });
          continue;
        }
        const more = continued(next);
        if (more === undefined) {
          text += next;
          break;
        }
        text += more;
      }
    }
    const { cmd, rest } = splitCommand(text);
    const node: Node = { cmd, rest, original: text.replace(/[ \t]+$/, ""), heredocs: [], line: start + 1, endLine: i };
    const wrapped = cmd === "onbuild" ? splitCommand(rest).cmd : cmd;
    if (HEREDOC_COMMANDS.has(wrapped)) {
      for (const header of heredocHeaders(cmd === "onbuild" ? splitCommand(rest).rest : rest)) {
        let content = "";
        let closed = false;
        while (i < lines.length) {
          let line = lines[i]!;
          i++;
          if (header.chomp) line = line.replace(/^\t+/, "");
          if (line === header.name) {
            closed = true;
            break;
          }
          content += `${line}\n`;
        }
        if (!closed) throw dockerfileError(file, node.line, `unterminated heredoc "${header.name}"`, `end it with a line holding only ${header.name}`);
        node.heredocs.push({ ...header, content });
      }
      node.endLine = i;
    }
    nodes.push(node);
  }
  return { file, directives, nodes, warnings };
}

/** Words of an instruction's arguments, quotes kept (ENV/LABEL/ARG pairs), as BuildKit's parseWords. */
export function splitWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | undefined;
  let blank = true;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (blank) {
      if (/\s/.test(ch)) continue;
      blank = false;
    }
    if (/\s/.test(ch) && quote === undefined) {
      if (word) words.push(word);
      word = "";
      blank = true;
      continue;
    }
    if (ch === escape && quote !== "'" && i + 1 < rest.length) {
      word += ch + rest[++i]!;
      continue;
    }
    if (quote === undefined && (ch === "'" || ch === '"')) quote = ch;
    else if (quote === ch) quote = undefined;
    word += ch;
  }
  if (word) words.push(word);
  return words;
}

/** `["a", "b"]` → the strings, or undefined when the text is not a JSON array of strings (shell form). */
export function parseJsonArgs(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith("[")) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  } catch {}
  return undefined;
}

/** Leading `--flag=value` / `--flag` words of an instruction and the text after them. */
export function extractFlags(rest: string): { flags: { name: string; value?: string; text: string }[]; rest: string } {
  const flags: { name: string; value?: string; text: string }[] = [];
  let s = rest;
  for (;;) {
    s = s.replace(/^[ \t]+/, "");
    if (!s.startsWith("--")) break;
    // a flag ends at unquoted whitespace; its value may be quoted
    let end = 0;
    let quote: string | undefined;
    while (end < s.length) {
      const ch = s[end]!;
      if (quote) {
        if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (/\s/.test(ch)) break;
      end++;
    }
    const text = s.slice(0, end);
    if (text === "--") break;
    const eq = text.indexOf("=");
    const name = (eq < 0 ? text.slice(2) : text.slice(2, eq)).toLowerCase();
    let value = eq < 0 ? undefined : text.slice(eq + 1);
    if (value !== undefined && value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) value = value.slice(1, -1);
    flags.push({ name, value, text });
    s = s.slice(end);
  }
  return { flags, rest: s };
}

export { ShellLexError };
