/**
 * Evidence of failed builds: the records the builder left (failure-store.ts), and what the build
 * context says about a file a failed step missed — is it there at all, and does .dockerignore
 * keep it out — so a finding can tell "COPY it first" from "un-ignore it" from "it does not
 * exist". `recordedBuilds` finds the records `kitten diagnose --build [CONTEXT|IMAGE]` names.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import type { KittenPaths } from "../../core/paths.ts";
import { ignoringLine } from "../../engine/build/failure-record.ts";
import { normalizeReference } from "../../engine/image/reference.ts";
import { openStateDb } from "../../engine/state/db.ts";
import { FailureStore, type BuildFailure } from "../../engine/state/failure-store.ts";
import type { BuildEvidence, ContextFileFact } from "./evidence.ts";
import { missingFiles } from "./package-errors.ts";

/** The .dockerignore a build reads: `<Dockerfile>.dockerignore` first, then the context's (BuildKit dockerui). */
function ignoreFileOf(b: BuildFailure): { file: string; text: string } | undefined {
  const candidates = [...(b.dockerfile !== "-" ? [`${b.dockerfile}.dockerignore`] : []), join(b.context, ".dockerignore")];
  for (const c of candidates) {
    try {
      if (existsSync(c)) return { file: c, text: readFileSync(c, "utf8") };
    } catch {}
  }
  return undefined;
}

/** Context-relative names a path in the image may come from: "/app/req.txt" → app/req.txt, req.txt. */
function candidates(path: string): string[] {
  const clean = posix.normalize(path).replace(/^(\.\/)+/, "");
  const parts = clean.replace(/^\/+/, "").split("/").filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) out.push(parts.slice(i).join("/"));
  return out.filter((c) => c !== "" && !c.startsWith(".."));
}

export function contextFact(b: BuildFailure, path: string, ignore = ignoreFileOf(b)): ContextFileFact | undefined {
  const names = candidates(path);
  if (names.length === 0) return undefined;
  const present = names.find((n) => {
    try {
      statSync(join(b.context, n));
      return true;
    } catch {
      return false;
    }
  });
  const relative = present ?? names.at(-1)!;
  const ignoredBy = present && ignore ? ignoringLine(ignore, present) : undefined;
  return { path, relative, inContext: present !== undefined, ...(ignoredBy ? { ignoredBy } : {}) };
}

/** A record with the facts about the files its step missed. */
export function buildEvidence(b: BuildFailure): BuildEvidence {
  const files = b.step?.instruction === "RUN" ? missingFiles(b.step.output) : [];
  if (files.length === 0) return b;
  const ignore = ignoreFileOf(b);
  const contextFiles = files.map((f) => contextFact(b, f.path, ignore)).filter((f): f is ContextFileFact => f !== undefined);
  return contextFiles.length ? { ...b, contextFiles } : b;
}

function sameImage(a: string, b: string): boolean {
  try {
    return normalizeReference(a) === normalizeReference(b);
  } catch {
    return a === b;
  }
}

/**
 * The recorded build failures `target` names: a directory is a build context (every Dockerfile
 * built from it), anything else an image name one of the builds was tagged with; without a
 * target, the most recent failed build.
 */
export function recordedBuilds(paths: KittenPaths, target: string | undefined, cwd = process.cwd()): BuildEvidence[] {
  const all = new FailureStore(openStateDb(paths)).builds();
  if (target === undefined) return all.slice(0, 1).map(buildEvidence);
  const dir = resolve(cwd, target);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {}
  const found = isDir ? all.filter((b) => b.context === dir) : all.filter((b) => b.tags.some((t) => sameImage(t, target)));
  return found.map(buildEvidence);
}
