/**
 * `.dockerignore` as moby/patternmatcher reads and matches it (research/build.md §2): a BOM is
 * dropped, `#` starts a comment only in column 1, lines are trimmed and cleaned (`/foo/bar/` ≡
 * `foo/bar`), `!` re-includes, `**` spans any number of directories (none included), `*` and `?`
 * never cross `/`, the last matching line decides, and a pattern that matches a directory
 * matches everything below it. Pure.
 */
import { posix } from "node:path";
import { InvalidInputError } from "../../../core/errors.ts";

interface Pattern {
  text: string;
  exclusion: boolean;
  re: RegExp;
}

const REGEX_SPECIAL = new Set([".", "+", "(", ")", "|", "{", "}", "$"]);

function compile(pattern: string): RegExp {
  let re = "^";
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "*") {
      if (chars[i + 1] === "*") {
        i++;
        if (chars[i + 1] === "/") i++;
        // `**` at the end takes everything; elsewhere any number of directories, even none
        re += i + 1 >= chars.length ? ".*" : "(.*/)?";
      } else re += "[^/]*";
    } else if (ch === "?") re += "[^/]";
    else if (REGEX_SPECIAL.has(ch)) re += `\\${ch}`;
    else if (ch === "\\") {
      if (i + 1 < chars.length) re += `\\${chars[++i]}`;
      else re += "\\\\";
    } else re += ch;
  }
  try {
    return new RegExp(`${re}$`, "s");
  } catch {
    throw new InvalidInputError(`.dockerignore: invalid pattern "${pattern}"`, { code: "bad_dockerignore" });
  }
}

/** The lines of a .dockerignore file as patterns (ignorefile.ReadAll). */
export function readIgnoreFile(text: string): string[] {
  const out: string[] = [];
  for (const [i, raw] of text.replace(/^\uFEFF/, "").split(/\r?\n/).entries()) {
    void i;
    if (raw.startsWith("#")) continue;
    let p = raw.trim();
    if (p === "") continue;
    const invert = p.startsWith("!");
    if (invert) p = p.slice(1).trim();
    if (p.length > 0) {
      p = posix.normalize(p).replace(/\/+$/, "") || "/";
      if (p.length > 1 && p.startsWith("/")) p = p.slice(1);
    }
    out.push(invert ? `!${p}` : p);
  }
  return out;
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[] = [];
  readonly hasExclusions: boolean;

  constructor(lines: string[]) {
    for (const line of lines) {
      let p = line.trim();
      if (p === "") continue;
      let exclusion = false;
      if (p.startsWith("!")) {
        if (p.length === 1) throw new InvalidInputError('.dockerignore: illegal exclusion pattern: "!"', { code: "bad_dockerignore" });
        exclusion = true;
        p = p.slice(1);
      }
      p = posix.normalize(p);
      if (p === ".") continue;
      this.patterns.push({ text: p, exclusion, re: compile(p) });
    }
    this.hasExclusions = this.patterns.some((p) => p.exclusion);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether a context-relative path (no leading `/`) is excluded, a matching parent counting too. */
  excludes(rel: string): boolean {
    if (this.patterns.length === 0 || rel === "" || rel === ".") return false;
    const parents = rel.split("/").slice(0, -1);
    let matched = false;
    for (const p of this.patterns) {
      let m = p.re.test(rel);
      if (!m) {
        for (let i = 1; i <= parents.length && !m; i++) m = p.re.test(parents.slice(0, i).join("/"));
      }
      if (m) matched = !p.exclusion;
    }
    return matched;
  }

  /** Whether anything below an excluded directory could be re-included by a `!` line. */
  mayIncludeBelow(dirRel: string): boolean {
    if (!this.hasExclusions) return false;
    const prefix = `${dirRel}/`;
    return this.patterns.some((p) => p.exclusion && (p.text.startsWith(prefix) || p.text.includes("*") || p.text.includes("?") || p.text.includes("[")));
  }
}
