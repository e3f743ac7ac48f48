/**
 * The builder's own variable substitution and word splitting — not the shell's — as BuildKit's
 * `frontend/dockerfile/shell/lex.go` defines it (research/build.md §1.2):
 *
 * - `$v`, `${v}`, `${v:-w}`, `${v-w}`, `${v:+w}`, `${v+w}`, `${v:?msg}`, `${v?msg}`, and the
 *   pattern forms `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`, `${v/p/r}`, `${v//p/r}`;
 * - single quotes are literal; double quotes expand `$` and unescape only `\"`, `\$` and the
 *   escape character (any other `\x` stays as written); outside quotes the escape character
 *   takes the next character literally;
 * - an unset variable expands to "" (with `skipUnset`, it stays as written: heredoc detection);
 * - word splitting (processWords) splits on unquoted whitespace, including whitespace that an
 *   unquoted expansion produced (`EXPOSE $PORTS`).
 */

export class ShellLexError extends Error {}

export interface LexOptions {
  /** the escape character: `\` by default, or the `# escape=` directive's backtick */
  escape?: string;
  /** keep quote characters in the result (heredoc word detection) */
  rawQuotes?: boolean;
  /** keep escape characters in the result */
  rawEscapes?: boolean;
  /** leave unset variables as written instead of expanding them to "" */
  skipUnset?: boolean;
}

/** Variables visible to an expansion: name → value; a missing name is unset. */
export type LexEnv = ReadonlyMap<string, string>;

const SPECIAL_PARAMS = new Set(["@", "*", "#", "?", "-", "$", "!", "0"]);
const isSpace = (ch: string) => ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\f" || ch === "\v";
const isNameChar = (ch: string) => /[\p{L}\p{N}_]/u.test(ch);

class Words {
  readonly words: string[] = [];
  word = "";
  inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word.length > 0) {
        this.words.push(this.word);
        this.word = "";
        this.inWord = false;
      }
    } else this.addRawChar(ch);
  }

  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRawString(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  result(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = "";
    }
    return this.words;
  }
}

class Scanner {
  private i = 0;
  private readonly chars: string[];
  constructor(text: string) {
    this.chars = [...text];
  }
  peek(): string | undefined {
    return this.chars[this.i];
  }
  next(): string | undefined {
    return this.chars[this.i++];
  }
}

class ShellWord {
  private readonly s: Scanner;
  private readonly escape: string;

  constructor(
    text: string,
    private readonly env: LexEnv,
    private readonly o: LexOptions,
  ) {
    this.s = new Scanner(text);
    this.escape = o.escape ?? "\\";
  }

  process(): { result: string; words: string[] } {
    return this.processStopOn(undefined, false);
  }

  private processStopOn(stops: string[] | undefined, rawEscapes: boolean): { result: string; words: string[]; stoppedOn?: string } {
    let result = "";
    const words = new Words();
    for (let ch = this.s.peek(); ch !== undefined; ch = this.s.peek()) {
      if (stops?.includes(ch)) {
        this.s.next();
        return { result, words: words.result(), stoppedOn: ch };
      }
      if (ch === "$") {
        const tmp = this.processDollar();
        result += tmp;
        words.addString(tmp);
        continue;
      }
      if (ch === "'" || ch === '"') {
        const tmp = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
        result += tmp;
        words.addRawString(tmp);
        continue;
      }
      this.s.next();
      if (ch === this.escape) {
        if (this.o.rawEscapes || rawEscapes) {
          words.addRawChar(ch);
          result += ch;
        }
        // the escape character escapes the next one; at the very end it is dropped
        const escaped = this.s.next();
        if (escaped === undefined) break;
        words.addRawChar(escaped);
        result += escaped;
        continue;
      }
      words.addChar(ch);
      result += ch;
    }
    if (stops) throw new ShellLexError(`unexpected end of statement while looking for matching ${stops.join(" or ")}`);
    return { result, words: words.result() };
  }

  private processSingleQuote(): string {
    // everything up to the next single quote is literal; a single quote cannot be escaped
    let result = "";
    const open = this.s.next()!;
    if (this.o.rawQuotes) result += open;
    for (;;) {
      const ch = this.s.next();
      if (ch === undefined) throw new ShellLexError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") {
        if (this.o.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = "";
    const open = this.s.next()!;
    if (this.o.rawQuotes) result += open;
    for (;;) {
      const peek = this.s.peek();
      if (peek === undefined) throw new ShellLexError("unexpected end of statement while looking for matching double-quote");
      if (peek === '"') {
        this.s.next();
        if (this.o.rawQuotes) result += peek;
        return result;
      }
      if (peek === "$") {
        result += this.processDollar();
        continue;
      }
      let ch = this.s.next()!;
      if (ch === this.escape) {
        if (this.o.rawEscapes) result += ch;
        const after = this.s.peek();
        if (after === undefined) continue;
        // only these can be escaped inside double quotes; any other `\x` stays as written
        if (after === '"' || after === "$" || after === this.escape) ch = this.s.next()!;
        else if (this.o.rawEscapes) continue;
      }
      result += ch;
    }
  }

  private processName(): string {
    let name = "";
    for (let ch = this.s.peek(); ch !== undefined; ch = this.s.peek()) {
      if (name === "" && /\d/.test(ch)) {
        while (this.s.peek() !== undefined && /\d/.test(this.s.peek()!)) name += this.s.next();
        return name;
      }
      if (name === "" && SPECIAL_PARAMS.has(ch)) return this.s.next()!;
      if (!isNameChar(ch)) break;
      name += this.s.next();
    }
    return name;
  }

  private lookup(name: string): string | undefined {
    return this.env.get(name);
  }

  private processDollar(): string {
    this.s.next(); // $
    if (this.s.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      const value = this.lookup(name);
      if (value === undefined && this.o.skipUnset) return `$${name}`;
      return value ?? "";
    }
    this.s.next(); // {
    const first = this.s.peek();
    if (first === undefined) throw new ShellLexError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new ShellLexError("syntax error: bad substitution");
    const name = this.processName();
    let ch = this.s.next();
    if (ch === undefined) throw new ShellLexError("syntax error: missing '}'");
    if (ch === "}") {
      const value = this.lookup(name);
      if (value === undefined && this.o.skipUnset) return `\${${name}}`;
      return value ?? "";
    }
    let modifier = ch;
    let nullIsUnset = false;
    if (ch === ":") {
      nullIsUnset = true;
      ch = this.s.next();
      if (ch === undefined) throw new ShellLexError("syntax error: missing '}'");
      modifier += ch;
    }
    if (ch === "/" && !nullIsUnset) return this.processReplace(name);
    if (!["+", "-", "?", "#", "%"].includes(ch)) throw new ShellLexError(`unsupported modifier (${modifier}) in substitution`);
    const pattern = ch === "#" || ch === "%";
    if (nullIsUnset && pattern) throw new ShellLexError(`unsupported modifier (${modifier}) in substitution`);
    let word: string;
    try {
      word = this.processStopOn(["}"], pattern).result;
    } catch (err) {
      if (this.s.peek() === undefined) throw new ShellLexError("syntax error: missing '}'");
      throw err;
    }
    const value = this.lookup(name);
    const set = value !== undefined;
    if (!set && this.o.skipUnset) return `\${${name}${modifier}${word}}`;
    const empty = !set || (nullIsUnset && value === "");
    switch (ch) {
      case "-":
        return empty ? word : value!;
      case "+":
        return empty ? "" : word;
      case "?":
        if (!set) throw new ShellLexError(`${name}: ${word || "is not allowed to be unset"}`);
        if (nullIsUnset && value === "") throw new ShellLexError(`${name}: ${word || "is not allowed to be empty"}`);
        return value!;
      default: {
        let greedy = false;
        if (word.startsWith(ch)) {
          greedy = true;
          word = word.slice(1);
        }
        return ch === "%" ? trimSuffix(word, value ?? "", greedy) : trimPrefix(word, value ?? "", greedy);
      }
    }
  }

  private processReplace(name: string): string {
    let all = false;
    if (this.s.peek() === "/") {
      all = true;
      this.s.next();
    }
    const pattern = this.processStopOn(["/", "}"], true);
    let replacement = "";
    if (pattern.stoppedOn === "/") replacement = this.processStopOn(["}"], true).result;
    const value = this.lookup(name);
    if (value === undefined && this.o.skipUnset) return `\${${name}/${all ? "/" : ""}${pattern.result}${pattern.stoppedOn === "/" ? `/${replacement}` : ""}}`;
    const re = globToRegex(pattern.result, all ? "g" : "");
    return (value ?? "").replace(re, () => replacement);
  }
}

/** A shell glob (`*`, `?`, `[...]`, `\x`) as a regular expression source. */
function globSource(glob: string, greedy: boolean): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "\\" && i + 1 < glob.length) out += escapeRegex(glob[++i]!);
    else if (ch === "*") out += greedy ? ".*" : ".*?";
    else if (ch === "?") out += ".";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith("!")) cls = `^${cls.slice(1)}`;
        out += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else out += escapeRegex(ch);
  }
  return out;
}

function globToRegex(glob: string, flags: string): RegExp {
  return new RegExp(globSource(glob, true), flags);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function trimPrefix(glob: string, value: string, greedy: boolean): string {
  const m = new RegExp(`^${globSource(glob, greedy)}`, "s").exec(value);
  return m ? value.slice(m[0].length) : value;
}

function trimSuffix(glob: string, value: string, greedy: boolean): string {
  // the shortest suffix: try from the end; the longest: from the start
  const src = globSource(glob, true);
  const re = new RegExp(`^(?:${src})$`, "s");
  if (greedy) {
    for (let i = 0; i <= value.length; i++) if (re.test(value.slice(i))) return value.slice(0, i);
  } else {
    for (let i = value.length; i >= 0; i--) if (re.test(value.slice(i))) return value.slice(0, i);
  }
  return value;
}

/** Expands one word: quotes removed, variables substituted, no splitting. */
export function processWord(text: string, env: LexEnv, options: LexOptions = {}): string {
  return new ShellWord(text, env, options).process().result;
}

/** Expands and splits into words on unquoted whitespace (EXPOSE, heredoc detection). */
export function processWords(text: string, env: LexEnv, options: LexOptions = {}): string[] {
  return new ShellWord(text, env, options).process().words;
}

/** Which variables a word refers to (for the "unused build-arg" bookkeeping and cache keys). */
export function referencedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  return [...names];
}
