/**
 * The top-level `include` of the compose specification: each entry loads other compose files
 * as a sub-project (its own project directory — relative paths resolve there — and its own
 * .env, which only adds variables the including project does not set, as compose-go does) and
 * imports their services, networks and volumes. A resource defined by the including file too is
 * merged over the imported one. An include cycle is an error.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import type { KeyPath, ParsedFile } from "./parse.ts";
import type { FileReader } from "./read.ts";
import { loadSource, readEnvFiles, readSourceFile, type InterpolationEnv } from "./source.ts";
import type { ComposeContext, FileModel } from "./compose-file.ts";
import { mergeFiles } from "./project.ts";

type ReadFile = (parsed: ParsedFile, baseDir: string, ctx: ComposeContext) => FileModel;

const ENTRY_KEYS = new Set(["path", "project_directory", "env_file"]);

export function readIncludes(r: FileReader, value: unknown, ctx: ComposeContext, read: ReadFile): FileModel[] {
  return r.list(value, ["include"]).map((item, i) => {
    const path: KeyPath = ["include", i];
    const entry = typeof item === "string" ? { path: item } : r.map(item, path);
    r.checkKeys(entry, path, ENTRY_KEYS);
    if (entry.path === undefined) r.fail(path, `an include entry needs a "path"`);
    const files = r.strings(entry.path, typeof item === "string" ? path : [...path, "path"], true).map((f) => resolve(r.baseDir, f));
    const projectDir = entry.project_directory === undefined ? dirname(files[0]!) : resolve(r.baseDir, r.str(entry.project_directory, [...path, "project_directory"]));
    const stack = ctx.includeStack ?? [r.file];
    if (stack.includes(files[0]!)) {
      throw new InvalidInputError(`include cycle: ${[...stack, files[0]!].join(" -> ")}`, { location: r.parsed.locate(path), hint: "remove one of these includes" });
    }
    const envFiles =
      entry.env_file === undefined
        ? [resolve(projectDir, ".env")].filter((f) => existsSync(f))
        : r.strings(entry.env_file, [...path, "env_file"], true).map((f) => resolve(r.baseDir, f));
    // the included project's own .env only adds variables the including project leaves unset
    const own = readEnvFiles(envFiles, ctx.env.lookup);
    const env: InterpolationEnv = { ...ctx.env, lookup: (k) => ctx.env.lookup(k) ?? own[k] };
    const sub: ComposeContext = { ...ctx, env, includeStack: [...stack, files[0]!] };
    const models = files.map((file) => {
      let text: string;
      try {
        text = readSourceFile(file);
      } catch (err) {
        if (err instanceof InvalidInputError && err.code === "file_not_found") r.fail(path, `included file not found: ${file}`);
        throw err;
      }
      return read(loadSource(text, file, env), projectDir, sub);
    });
    // an included project's name never names the including one
    const { name: _name, ...imported } = mergeFiles(models);
    return imported;
  });
}
