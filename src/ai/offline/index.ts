/**
 * The offline drafter: deterministic, no network. A request drafts a new project, or edits
 * `existing` when given. The result is checked like any draft (`draftProblems`).
 */
import { InvalidInputError } from "../../core/errors.ts";
import type { Project } from "../../engine/compose/model.ts";
import { draftProblems, type Draft } from "../draft.ts";
import { buildDraft } from "./build.ts";
import { applyEdits } from "./edit.ts";
import { parseRequest } from "./parse.ts";

export interface OfflineOptions {
  projectName: string;
  existing?: Project;
}

export function draftOffline(request: string, options: OfflineOptions): Draft {
  const draft = options.existing ? applyEdits(options.existing, request) : buildDraft(parseRequest(request), request, { projectName: options.projectName });
  const problems = draftProblems(draft.project);
  if (problems.length > 0) {
    throw new InvalidInputError(`the draft for "${request.trim()}" is not a valid project: ${problems.join("; ")}`, {
      hint: "say it differently, or save the draft with --out and fix it by hand",
    });
  }
  return draft;
}
