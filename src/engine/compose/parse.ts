/**
 * Reads a YAML or JSON file (JSON is parsed as YAML, which keeps positions for both) into plain
 * values, plus a locator from a key path (`["services","web","ports",0]`) to its line and column,
 * so that every later error can say `error: <file>:<line>:<col>: ...`. Anchors, aliases and
 * `<<` merge keys work as in docker compose; duplicate keys are errors, as they are there.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { InvalidInputError, type SourceLocation } from "../../core/errors.ts";

export type KeyPath = readonly (string | number)[];

export interface ParsedFile {
  file: string;
  value: unknown;
  /** the location of the value at `path`, or of its nearest located ancestor */
  locate(path: KeyPath): SourceLocation;
  /** the location of the key that ends `path` (for unknown-key errors), else as locate */
  locateKey(path: KeyPath): SourceLocation;
  /** whether the file itself has a value at `path` */
  has(path: KeyPath): boolean;
  /** values tagged `!reset` or `!override` (compose-spec merge control), by key path */
  tags: { path: (string | number)[]; tag: "!reset" | "!override" }[];
  /**
   * whether the value at `path` is an integer written with a leading 0 (`mode: 0440`), which
   * compose-go's YAML reader takes as octal where YAML 1.2 reads decimal 440
   */
  octal?(path: KeyPath): boolean;
}

export function pathKey(path: KeyPath): string {
  return path.map(String).join("\u0000");
}

/** `services.web.ports[0]` — how errors name a key path. */
export function formatPath(path: KeyPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** compose-spec's merge control tags (the yaml library leaves them unresolved, with a warning) */
const COMPOSE_TAGS = new Set(["!reset", "!override"]);

export function parseText(text: string, file: string): ParsedFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  const at = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file };
    const pos = lines.linePos(offset);
    return { file, line: pos.line, col: pos.col };
  };
  // compose's own tags and YAML's core ones only: anything else (`!!python/object`, `!evil`)
  // is refused rather than read as a plain string
  const tagOf = (message: string) => (/tag:?\s*(\S+)/i.exec(message)?.[1] ?? "").replace(/[.:]$/, "");
  const unknownTag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED" && !COMPOSE_TAGS.has(tagOf(w.message)));
  if (unknownTag && !doc.errors[0]) {
    throw new InvalidInputError(`invalid YAML: unknown tag ${JSON.stringify(tagOf(unknownTag.message).slice(0, 60))}`, {
      code: "invalid_yaml",
      location: at(unknownTag.pos[0]),
      hint: "compose files use only !reset and !override (and YAML's own !!str, !!int, ...)",
    });
  }
  const first = doc.errors[0];
  if (first) {
    throw new InvalidInputError(yamlMessage(first.code, first.message), {
      code: "invalid_yaml",
      location: at(first.pos[0]),
      hint: yamlHint(first.code, first.message),
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    // yaml's guard against "billion laughs": aliases that expand without bound
    const bomb = /alias count/i.test(text);
    if (/call stack/i.test(text)) {
      throw new InvalidInputError("invalid YAML: it nests too deeply", { code: "invalid_yaml", location: { file }, hint: "a compose file nests a few levels; this one nests thousands" });
    }
    throw new InvalidInputError(bomb ? "invalid YAML: its aliases expand to too many values (more than 1000 alias uses)" : `invalid YAML: ${oneLineLower(text)}`, {
      code: "invalid_yaml",
      location: { file },
      hint: bomb ? "a compose file with nested aliases that multiply (a YAML bomb) is refused: write the values out" : "check the anchors (&name) and aliases (*name) in the file",
    });
  }
  const positions = new Map<string, number>();
  const tags: ParsedFile["tags"] = [];
  const octal = new Set<string>();
  if (doc.contents) record(doc, doc.contents as Node, [], { positions, tags, octal }, 0);
  return {
    file,
    value,
    tags,
    octal: (path) => octal.has(pathKey(path)),
    locate(path) {
      for (let n = path.length; n >= 0; n--) {
        const offset = positions.get(pathKey(path.slice(0, n)));
        if (offset !== undefined) return at(offset);
      }
      return { file };
    },
    has(path) {
      return positions.has(pathKey(path));
    },
    locateKey(path) {
      const offset = positions.get(`${pathKey(path)}\u0001key`);
      return offset !== undefined ? at(offset) : this.locate(path);
    },
  };
}

function yamlHint(code: string, message: string): string {
  if (/call stack/i.test(message)) return "a compose file nests a few levels; this one nests thousands";
  if (code === "TAB_AS_INDENT") return "indent YAML with spaces, not tabs";
  if (code === "DUPLICATE_KEY") return "a key may appear once per mapping: remove or merge the repeated one";
  if (code === "MULTIPLE_DOCS") return "split the documents into files and pass each with -f";
  if (message.includes("compact mappings")) return 'quote a value that contains ": ", e.g. command: "echo a: b"';
  if (message.includes("reserved character")) return "quote a value that starts with @ or `";
  if (code === "BAD_ALIAS" || message.includes("alias")) return "define an anchor (&name) before its alias (*name)";
  return "check the YAML syntax at that line (indentation, quotes, a missing ':')";
}

function yamlMessage(code: string, message: string): string {
  const text = message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  if (/call stack/i.test(text)) return "invalid YAML: it nests too deeply";
  if (code === "DUPLICATE_KEY") return "invalid YAML: duplicate key (map keys must be unique)";
  if (code === "MULTIPLE_DOCS") return "invalid YAML: a second document (---) in one file; use one document, or one file per -f";
  return `invalid YAML: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

function oneLineLower(text: string): string {
  const first = text.split("\n")[0] ?? text;
  return `${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

/** Records the start offset of every value under `node`, by key path. */
interface Recorded {
  positions: Map<string, number>;
  tags: ParsedFile["tags"];
  octal?: Set<string>;
}

function record(doc: Document, node: Node, path: (string | number)[], rec: Recorded, depth: number): void {
  if (depth > 64) return;
  const out = rec.positions;
  if (node.tag === "!reset" || node.tag === "!override") rec.tags.push({ path, tag: node.tag });
  let target: Node | undefined = node;
  if (isAlias(node)) {
    out.set(pathKey(path), node.range?.[0] ?? 0);
    target = node.resolve(doc) as Node | undefined;
    if (!target) return;
  } else if (node.range) {
    out.set(pathKey(path), node.range[0]);
    if (isScalar(node) && typeof node.value === "number" && /^0[0-7]+$/.test(node.source ?? "")) rec.octal?.add(pathKey(path));
  }
  if (isMap(target)) {
    for (const pair of target.items) {
      if (!isPair(pair)) continue;
      // with `merge: true` the "<<" key's value is a symbol, not the string
      const isMerge = isScalar(pair.key) && (typeof pair.key.value === "symbol" || pair.key.value === "<<");
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) continue;
      if (isMerge) {
        // merged maps: their keys become keys of this map
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const src of sources) {
          const resolved = isAlias(src) ? (src.resolve(doc) as Node | undefined) : (src as Node | undefined);
          if (resolved && isMap(resolved)) {
            for (const p of resolved.items) {
              if (isPair(p) && isScalar(p.key) && !out.has(pathKey([...path, String(p.key.value)])) && p.value) {
                record(doc, p.value as Node, [...path, String(p.key.value)], rec, depth + 1);
              }
            }
          }
        }
        continue;
      }
      const childPath = [...path, key];
      const keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      if (pair.value && (pair.value as Node).range) record(doc, pair.value as Node, childPath, rec, depth + 1);
      else if (keyOffset !== undefined) out.set(pathKey(childPath), keyOffset);
      // a key's own position, for "unknown key" errors
      if (keyOffset !== undefined) out.set(`${pathKey(childPath)}\u0001key`, keyOffset);
    }
  } else if (isSeq(target)) {
    target.items.forEach((item, i) => {
      if (item) record(doc, item as Node, [...path, i], rec, depth + 1);
    });
  }
}
