/**
 * `kitten ask` as a library: pick the drafter (the LLM when a key is configured, else offline),
 * draft or edit, and hand a confirmed draft to a Deployer. The CLI only adds the review.
 */
import { basename, resolve } from "node:path";
import { InvalidInputError, RuntimeFailure, errorText } from "../core/errors.ts";
import { writeFileAtomic } from "../core/atomic-file.ts";
import type { Reporter } from "../core/reporter.ts";
import { loadProject, type LoadedProject } from "../engine/compose/index.ts";
import type { Project } from "../engine/compose/model.ts";
import { renderDraft, type Draft } from "./draft.ts";
import { draftWithLlm, type LlmSettings } from "./llm/client.ts";
import { draftOffline } from "./offline/index.ts";

export interface DraftRequestOptions {
  projectName: string;
  existing?: Project;
  /** undefined: the offline drafter */
  llm?: LlmSettings;
  reporter?: Reporter;
}

export async function draftRequest(request: string, options: DraftRequestOptions): Promise<Draft> {
  if (!request.trim()) throw new InvalidInputError("the request is empty", { hint: 'say what to run, e.g. kitten ask "nginx on port 8080"' });
  if (!options.llm) return draftOffline(request, { projectName: options.projectName, existing: options.existing });
  return draftWithLlm(options.llm, request, { projectName: options.projectName, existing: options.existing, reporter: options.reporter });
}

/** A project name from a directory name: lower case, invalid characters as dashes. */
export function projectNameFor(dir: string): string {
  const name = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[^a-z0-9]+/, "");
  return name || "kitten";
}

/** The project of an existing file (compose or Kitten format), for edits; without a path, the one discovered from the cwd. */
export function loadExisting(path: string | undefined, projectName?: string, reporter?: Reporter): Promise<LoadedProject> {
  return loadProject({ files: path ? [path] : [], projectName, reporter });
}

export function saveDraft(project: Project, path: string, format: "yaml" | "json"): void {
  try {
    writeFileAtomic(path, renderDraft(project, format));
  } catch (err) {
    throw new RuntimeFailure(`cannot write ${path}: ${errorText(err)}`, { cause: err });
  }
}

/** Deploys a confirmed draft: the orchestration engine's `up`. */
export interface Deployer {
  deploy(project: Project, workingDir: string, reporter: Reporter): Promise<void>;
}
