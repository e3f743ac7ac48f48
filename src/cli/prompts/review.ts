/**
 * The review of a draft on a TTY: the YAML, a summary table, the start order, the drafter's notes
 * and warnings; then deploy, refine (a follow-up request edits the draft), edit in $EDITOR, save,
 * or cancel. Only used when stdin and stdout are terminals.
 */
import * as p from "@clack/prompts";
import type { Readable, Writable } from "node:stream";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CancelledError, errorText } from "../../core/errors.ts";
import type { Project } from "../../engine/compose/model.ts";
import { loadExisting } from "../../ai/ask.ts";
import { draftProblems, renderDraft, startLevels, summaryRows, type Draft } from "../../ai/draft.ts";

/** Both outcomes save the draft to `path` first; "deploy" then starts it. */
export type ReviewOutcome = { action: "deploy" | "save"; draft: Draft; path: string };

export interface ReviewOptions {
  refine: (request: string, current: Project) => Promise<Draft>;
  defaultPath: string;
  format: "yaml" | "json";
  /** deploying is offered only when it can work */
  canDeploy: boolean;
  /** why a path can't be written to (an existing file that is not the one being edited), or undefined */
  refusePath?: (path: string) => string | undefined;
  /** the terminal (tests pass streams) */
  io?: { input?: Readable; output?: Writable };
}

/** The summary table as aligned text columns. */
export function summaryTable(project: Project): string {
  const rows = summaryRows(project).map((r) => [r.service, r.image, r.replicas > 1 ? `x${r.replicas}` : "", r.ports, r.dependsOn]);
  const all = [["SERVICE", "IMAGE", "REPLICAS", "PORTS", "DEPENDS ON"], ...rows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export function levelsText(project: Project): string {
  return startLevels(project).map((level, i) => `${i + 1}. ${level.join(", ")}`).join("\n");
}

type Io = ReviewOptions["io"];

function show(draft: Draft, format: "yaml" | "json", io: Io): void {
  p.note(renderDraft(draft.project, format).trimEnd(), `draft (${draft.source})`, io);
  p.note(summaryTable(draft.project), "services", io);
  p.note(levelsText(draft.project), "start order", io);
  for (const line of draft.summary) p.log.info(line, io);
  for (const line of draft.warnings) p.log.warn(line, io);
}

function cancelled(io: Io): never {
  p.cancel("cancelled: nothing was deployed or written", io);
  throw new CancelledError();
}

async function editInEditor(draft: Draft): Promise<Draft> {
  const dir = mkdtempSync(join(tmpdir(), "kitten-ask-"));
  const file = join(dir, "compose.yaml");
  try {
    writeFileSync(file, renderDraft(draft.project, "yaml"));
    const editor = process.env.VISUAL || process.env.EDITOR || "vi";
    const proc = Bun.spawn(["sh", "-c", `${editor} "$1"`, "editor", file], { stdio: ["inherit", "inherit", "inherit"] });
    if ((await proc.exited) !== 0) throw new Error(`${editor} exited with code ${proc.exitCode}`);
    const { project } = await loadExisting(file);
    const problems = draftProblems(project);
    if (problems.length) throw new Error(problems.join("; "));
    return { project, summary: ["edited by hand"], warnings: [], source: draft.source };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function reviewDraft(first: Draft, options: ReviewOptions): Promise<ReviewOutcome> {
  let draft = first;
  const io = options.io;
  p.intro("kitten ask", io);
  for (;;) {
    show(draft, options.format, io);
    const choice = await p.select({
      ...io,
      message: "What now?",
      options: [
        ...(options.canDeploy ? [{ value: "deploy", label: "deploy", hint: "start it now" }] : []),
        { value: "refine", label: "refine", hint: "describe a change" },
        { value: "edit", label: "edit", hint: "open the YAML in $EDITOR" },
        { value: "save", label: "save to a file" },
        { value: "cancel", label: "cancel" },
      ],
    });
    if (p.isCancel(choice) || choice === "cancel") cancelled(io);
    if (choice === "deploy" || choice === "save") {
      const path = await p.text({
        ...io,
        message: choice === "deploy" ? "Save the project to (then deploy it)" : "Save to",
        placeholder: options.defaultPath,
        defaultValue: options.defaultPath,
        validate: (value) => options.refusePath?.(value || options.defaultPath),
      });
      if (p.isCancel(path)) cancelled(io);
      p.outro(choice === "deploy" ? `saving ${path} and deploying it` : `saving ${path}`, io);
      return { action: choice, draft, path };
    }
    try {
      if (choice === "refine") {
        const request = await p.text({ ...io, message: "What should change?", placeholder: "add redis, scale web to 3, remove cache, expose api on 9000" });
        if (p.isCancel(request)) cancelled(io);
        const s = p.spinner(io);
        s.start("redrafting");
        try {
          draft = await options.refine(request, draft.project);
        } finally {
          s.stop("redrafted");
        }
      } else if (choice === "edit") {
        draft = await editInEditor(draft);
      }
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      p.log.error(errorText(err), io);
    }
  }
}
