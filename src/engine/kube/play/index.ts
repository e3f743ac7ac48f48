/**
 * `kitten kube play` on the host: parse the YAML, turn it into a Project (convert.ts, pure),
 * write the files its ConfigMaps and Secrets mount under <data>/kube-play/<project>, and hand the
 * project to the orchestration engine's `up` — the same entry point `kitten up` uses, so a played
 * file is an ordinary kitten project (`kitten ps -p`, `logs`, `down`).
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { RuntimeFailure, errorText } from "../../../core/errors.ts";
import type { KittenPaths } from "../../../core/paths.ts";
import { parseYamlDocuments } from "../yaml.ts";
import { playObjects, type PlayResult } from "./convert.ts";

export function playDir(paths: KittenPaths, project: string): string {
  return join(paths.data, "kube-play", project);
}

/** A project name from a file name: lower case, other characters as dashes. */
function nameFromFile(file: string): string {
  const base = file === "-" ? "kube" : basename(file, extname(file));
  return base.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[^a-z0-9]+/, "") || "kube";
}

export function preparePlay(text: string, file: string, o: { projectName?: string; paths: KittenPaths }): PlayResult {
  const objects = parseYamlDocuments(text, file === "-" ? "<stdin>" : file);
  return playObjects(objects, { projectName: o.projectName, defaultName: nameFromFile(file), filesDir: (p) => playDir(o.paths, p) });
}

/** Replaces the project's play files with the ones the objects mount. */
export function writePlayFiles(paths: KittenPaths, result: PlayResult): void {
  const dir = playDir(paths, result.project.name);
  try {
    rmSync(dir, { recursive: true, force: true });
    for (const f of result.files) {
      mkdirSync(dirname(f.path), { recursive: true, mode: 0o755 });
      writeFileSync(f.path, f.content, { mode: f.mode });
      chmodSync(f.path, f.mode);
    }
  } catch (err) {
    throw new RuntimeFailure(`cannot write the files of ConfigMaps and Secrets under ${dir}: ${errorText(err)}`, { cause: err });
  }
}

export function removePlayFiles(paths: KittenPaths, project: string): void {
  rmSync(playDir(paths, project), { recursive: true, force: true });
}
