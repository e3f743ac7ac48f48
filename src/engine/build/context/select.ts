/**
 * Which files a COPY/ADD takes from a source root (the build context, another stage, an image),
 * as BuildKit selects them (research/build.md §1.4): sources are relative to the root (a leading
 * `/` and `..` are dropped), Go filepath.Match wildcards (`**` with --parents/--exclude) may match
 * nothing, a plain source must exist; the source path itself is followed if it is a symlink —
 * inside the root only — while symlinks below it are copied as symlinks; a directory copies its
 * contents; `.dockerignore` and `--exclude` remove entries; `--parents` keeps the path (from a
 * `/./` marker on). The same code runs on the host (hashing the context for the cache key) and in
 * the namespace (copying), so both always see the same selection.
 */
import { lstatSync, readdirSync, type Stats } from "node:fs";
import { posix } from "node:path";
import { IgnoreMatcher } from "./ignore.ts";
import { resolveInRoot } from "./scoped-path.ts";

export type EntryType = "file" | "dir" | "symlink" | "other";

export interface SelectedEntry {
  /** host path of the source entry */
  path: string;
  /** path relative to the source root (messages) */
  rel: string;
  /** path below the destination ("" = the destination itself) */
  dest: string;
  type: EntryType;
  stat: Stats;
}

export interface SelectOptions {
  ignore?: IgnoreMatcher;
  exclude?: string[];
  parents?: boolean;
  /** the destination is a directory (ends in `/`, or more than one source): files go below it by name */
  destIsDir: boolean;
}

export class MissingSourceError extends Error {
  constructor(
    readonly source: string,
    readonly ignored: boolean,
  ) {
    super(`"${source}": not found`);
  }
}

export const hasWildcard = (s: string) => /[*?[]/.test(s.replace(/\\./g, ""));

export function entryType(st: Stats): EntryType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}

/** Go's filepath.Match (and `**` across directories when `doublestar`), as a regex. */
export function matchRegex(pattern: string, doublestar: boolean): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (doublestar && pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += "[^/]*";
    } else if (ch === "?") re += "[^/]";
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith("^") || cls.startsWith("!")) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = end;
      }
    } else if (ch === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += ch.replace(/[.+(){}|$^]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}

/** `a/./b/c` → { keep: "b/c" from the marker on } for --parents; without a marker the whole path. */
function parentsSplit(rel: string): { path: string; keepFrom: number } {
  const i = rel.indexOf("/./");
  if (rel.startsWith("./")) return { path: rel.slice(2), keepFrom: 0 };
  if (i < 0) return { path: rel, keepFrom: 0 };
  const before = rel.slice(0, i);
  return { path: `${before}/${rel.slice(i + 3)}`, keepFrom: before.length + 1 };
}

function cleanSource(src: string): string {
  // `COPY ../x /x` ≡ `COPY x /x`; a trailing slash on a source means nothing
  const keepMarker = src.includes("/./") || src.startsWith("./");
  const cleaned = posix.normalize(`/${src}`).slice(1).replace(/\/+$/, "");
  if (!keepMarker) return cleaned;
  const i = src.indexOf("/./");
  if (i < 0) return cleaned;
  const a = posix.normalize(`/${src.slice(0, i)}`).slice(1);
  const b = posix.normalize(`/${src.slice(i + 3)}`).slice(1);
  return a === "" ? b : `${a}/./${b}`;
}

export function selectSources(root: string, sources: string[], options: SelectOptions): SelectedEntry[] {
  const ignore = options.ignore;
  const excludes = (options.exclude ?? []).map((p) => matchRegex(posix.normalize(p).replace(/^\/+/, ""), true));
  const out: SelectedEntry[] = [];
  const ignored = (rel: string) => Boolean(ignore && ignore.excludes(rel));

  const add = (hostPath: string, rel: string, destBase: string, st: Stats, walkRel: string) => {
    const type = entryType(st);
    if (type !== "dir") {
      out.push({ path: hostPath, rel, dest: destBase, type, stat: st });
      return;
    }
    out.push({ path: hostPath, rel, dest: destBase, type, stat: st });
    walk(hostPath, rel, destBase, walkRel);
  };

  /** the contents of a directory, depth first in name order; `srcRel` is relative to the selected source (for --exclude) */
  const walk = (dir: string, rel: string, destBase: string, srcRel: string) => {
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const childSrc = srcRel === "" ? name : `${srcRel}/${name}`;
      const path = `${dir}/${name}`;
      const st = lstatSync(path);
      if (excludes.some((re) => re.test(childSrc))) continue;
      const isIgnored = ignored(childRel);
      if (isIgnored && !(st.isDirectory() && ignore!.mayIncludeBelow(childRel))) continue;
      const dest = destBase === "" ? name : `${destBase}/${name}`;
      if (isIgnored) {
        // an excluded directory some `!` line may re-include below: only what is included comes along
        const before = out.length;
        walk(path, childRel, dest, childSrc);
        if (out.length > before) out.splice(before, 0, { path, rel: childRel, dest, type: "dir", stat: st });
        continue;
      }
      out.push({ path, rel: childRel, dest, type: entryType(st), stat: st });
      if (st.isDirectory()) walk(path, childRel, dest, childSrc);
    }
  };

  for (const raw of sources) {
    const cleaned = cleanSource(raw);
    const { path: rel, keepFrom } = options.parents ? parentsSplit(cleaned) : { path: cleaned.replace("/./", "/"), keepFrom: 0 };
    const kept = (matchedRel: string) => (options.parents ? matchedRel.slice(keepFrom) : undefined);
    if (hasWildcard(rel)) {
      const re = matchRegex(rel, Boolean(options.parents) || excludes.length > 0);
      const parts = rel.split("/");
      const fixed: string[] = [];
      for (const p of parts) {
        if (hasWildcard(p)) break;
        fixed.push(p);
      }
      const deep = rel.includes("**");
      const maxDepth = parts.length;
      const matches: string[] = [];
      const scan = (dirRel: string, depth: number) => {
        const dirPath = dirRel === "" ? root : `${root}/${dirRel}`;
        let names: string[];
        try {
          names = readdirSync(dirPath).sort();
        } catch {
          return;
        }
        for (const name of names) {
          const childRel = dirRel === "" ? name : `${dirRel}/${name}`;
          if (ignored(childRel) && !(ignore!.mayIncludeBelow(childRel))) continue;
          if (re.test(childRel) && !ignored(childRel)) matches.push(childRel);
          const st = lstatSync(`${root}/${childRel}`);
          if (st.isDirectory() && (deep || depth + 1 < maxDepth)) scan(childRel, depth + 1);
        }
      };
      scan(fixed.join("/"), fixed.length);
      // a match inside another match is copied with it already
      const top = matches.filter((m) => !matches.some((o) => o !== m && m.startsWith(`${o}/`) && !options.parents));
      for (const m of top) {
        const st = lstatSync(`${root}/${m}`);
        const k = kept(m);
        const destBase = k !== undefined ? k : st.isDirectory() ? "" : options.destIsDir ? posix.basename(m) : "";
        add(`${root}/${m}`, m, destBase, st, "");
      }
      continue;
    }
    if (rel === "" || rel === ".") {
      // the whole root: its contents
      walk(root, "", kept("") ?? "", "");
      continue;
    }
    const resolved = resolveInRoot(root, rel, true);
    if (resolved.stat === null || ignored(rel) || ignored(resolved.rel)) throw new MissingSourceError(raw, resolved.stat !== null);
    const st = resolved.stat;
    const k = kept(rel);
    const destBase = k !== undefined ? k : st.isDirectory() ? "" : options.destIsDir ? posix.basename(rel) : "";
    if (st.isDirectory()) {
      if (k !== undefined) out.push({ path: resolved.path, rel: resolved.rel, dest: destBase, type: "dir", stat: st });
      walk(resolved.path, resolved.rel, destBase, "");
    } else add(resolved.path, resolved.rel, destBase, st, "");
  }
  return out;
}

/** Whether the user named a source that a .dockerignore line excluded (for the error's hint). */
export function excludedByIgnore(root: string, source: string, ignore?: IgnoreMatcher): boolean {
  if (!ignore) return false;
  const rel = cleanSource(source).replace("/./", "/");
  return ignore.excludes(rel) && resolveInRoot(root, rel, true).stat !== null;
}
