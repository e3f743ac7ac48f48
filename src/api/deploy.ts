/**
 * Documents sent to the API (a compose file as YAML or JSON, or a Kitten config) become a project
 * the CLI sees like any other: loaded by the same loader, saved as
 * <data>/deployments/<name>/compose.yaml (so `kitten up -f` / `kitten down -p` work on it), and
 * started by the engine's `up`. Interpolation sees no environment: the server's variables (its API
 * token among them) must not leak into containers through `${VAR}` in a request.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parse } from "yaml";
import type { KittenPaths } from "../core/paths.ts";
import { checkProjectName } from "../core/names.ts";
import { writeFileAtomic } from "../core/atomic-file.ts";
import type { Reporter } from "../core/reporter.ts";
import { parseProjectText, type ConfigFormat } from "../engine/compose/index.ts";
import type { Project } from "../engine/compose/model.ts";
import type { UpResult } from "../engine/orchestrate/project-api.ts";
import { renderDraft } from "../ai/draft.ts";
import type { ApiContext } from "./context.ts";
import { ApiError, JSON_TYPES } from "./http.ts";

/** `deploy_` and 12 hex digits: the seed's ids look like deploy_abc123 */
export function newDeploymentId(): string {
  return `deploy_${randomBytes(6).toString("hex")}`;
}

function declaredName(text: string): string | undefined {
  try {
    const doc = parse(text) as unknown;
    const name = doc && typeof doc === "object" ? (doc as Record<string, unknown>).name : undefined;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined; // the loader reports the syntax error with its position
  }
}

export interface ParsedDocument {
  project: Project;
  format: ConfigFormat;
}

/**
 * `name`: the project name asked for (a query parameter); else the document's `name:`; else
 * `fallback()` — or, without a fallback, a refusal: a project needs a name.
 */
export function parseDocument(text: string, o: { mediaType: string; cwd: string; name?: string; fallback?: () => string }): ParsedDocument {
  if (!text.trim()) throw new ApiError(400, "empty_document", "the body is empty", "send a compose file or a Kitten config");
  const json = JSON_TYPES.includes(o.mediaType);
  const own = declaredName(text);
  const name = o.name ?? (own === undefined ? o.fallback?.() : undefined);
  if (name === undefined && own === undefined) throw new ApiError(400, "no_project_name", "the document has no name", "add `name:` to it, or pass ?name=<project>");
  if (name !== undefined) checkProjectName(name, "the request");
  const { project, format } = parseProjectText(text, json ? "request.json" : "request.yaml", { projectName: name, projectDirectory: o.cwd, env: {} });
  return { project, format };
}

export function deploymentFile(paths: KittenPaths, name: string): string {
  return join(paths.data, "deployments", checkProjectName(name), "compose.yaml");
}

/** Saves the project as a compose file and starts it with the engine's `up`. */
export async function deploy(ctx: ApiContext, project: Project, o: { reporter: Reporter; wait?: boolean; pull?: "always" | "missing" | "never" }): Promise<UpResult> {
  const file = deploymentFile(ctx.paths, project.name);
  mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, renderDraft(project, "yaml"), 0o600);
  return ctx.engine.up(
    { project, workingDir: ctx.cwd, configFiles: [file], ...(o.wait ? { wait: true } : {}), ...(o.pull ? { pull: o.pull } : {}) },
    ctx.deps(o.reporter),
  );
}

/** After down: the saved file of a project the API deployed goes too. */
export function forgetDeployment(paths: KittenPaths, name: string): void {
  rmSync(join(paths.data, "deployments", checkProjectName(name)), { recursive: true, force: true });
}
