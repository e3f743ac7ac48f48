/**
 * `kitten up DIR` and `kitten ask --dir DIR` on a folder (issue #17): detect what the folder is,
 * draft a compose project for it, show the draft and its reasons, and only once the user accepts
 * write DIR/compose.yaml (and the generated Dockerfiles) and build and start it. A folder that
 * has a compose file is simply that project. Without a terminal nothing is written unless -y
 * says so: the draft is printed and the exit is 2 with the hint.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { CancelledError, InvalidInputError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/atomic-file.ts";
import { checkProjectName } from "../core/names.ts";
import { detectFolder, diskFolder, type FolderDetection } from "../ai/folder/detect.ts";
import { folderDraft, type FolderDraft } from "../ai/folder/draft.ts";
import { renderDraft } from "../ai/draft.ts";
import type { Project } from "../engine/compose/model.ts";
import { normalizeProjectName } from "../engine/compose/discover.ts";
import { invocation, setInvocation } from "./invocation.ts";
import type { EventFormat } from "./render/reporter.ts";
import { runUp, type UpFlags } from "./up-run.ts";

/** A positional that names a folder rather than a service: it has a slash, or is `.`/`..`, and is a directory. */
export function folderArgument(positionals: string[]): string | undefined {
  if (positionals.length !== 1) return undefined;
  const p = positionals[0]!;
  if (!(p.includes("/") || p === "." || p === "..")) return undefined;
  try {
    if (statSync(p).isDirectory()) return p;
  } catch {}
  throw new InvalidInputError(`${p} is not a directory`, { hint: "kitten up DIR runs the app in a folder; service names have no slash" });
}

export interface FolderPlan {
  dir: string;
  detection: FolderDetection;
  /** the compose file to use: the folder's own, or the one a draft will be written to */
  composeFile: string;
  draft?: FolderDraft;
}

const KNOWN = "a compose file, a Dockerfile, package.json, requirements.txt, pyproject.toml, manage.py, go.mod, Cargo.toml, pom.xml, build.gradle or index.html";

/** What kitten would run for the folder: its compose file, or a draft. */
export function planFolder(dir: string, projectName?: string): FolderPlan {
  const abs = resolve(dir);
  const view = diskFolder(abs);
  const detection = detectFolder(view, basename(abs));
  if (detection.compose) return { dir: abs, detection, composeFile: join(abs, detection.compose) };
  if (detection.services.length === 0) {
    throw new InvalidInputError(`${dir}: nothing here kitten knows how to run`, { code: "unknown_folder", hint: `kitten recognises ${KNOWN} (at the top or in subfolders)` });
  }
  const name = projectName ? checkProjectName(projectName, "-p") : normalizeProjectName(basename(abs)) || "app";
  return { dir: abs, detection, composeFile: join(abs, "compose.yaml"), draft: folderDraft(detection, view, name) };
}

/** The draft as a person reviews it: reasons and notes, the files it would write, the compose file. */
export function showFolderDraft(plan: FolderPlan, write: (s: string) => void): void {
  const d = plan.draft!;
  write(`kitten found in ${plan.dir}:\n`);
  for (const line of d.draft.summary) write(`  ${line}\n`);
  for (const line of d.draft.warnings) write(`warning: ${line}\n`);
  write(`\nit would write ${[relative(process.cwd(), plan.composeFile) || "compose.yaml", ...d.files.map((f) => relative(process.cwd(), join(plan.dir, f.path)))].join(", ")}:\n\n`);
  write(renderDraft(d.draft.project, "yaml"));
  for (const f of d.files) write(`\n# ${f.path}\n${f.content}`);
}

/** Asks before writing: a terminal gets a prompt, a script needs -y. */
export async function acceptFolderDraft(plan: FolderPlan, yes: boolean): Promise<void> {
  if (yes) return;
  if (!(process.stdin.isTTY && process.stderr.isTTY)) {
    throw new InvalidInputError(`${relative(process.cwd(), plan.dir) || "."} has no compose file: kitten drafted one (above) and wrote nothing`, {
      code: "needs_confirmation",
      hint: "run again with -y to write it and start the project, or save it first with kitten ask --dir DIR --out FILE",
    });
  }
  const { confirm, isCancel } = await import("@clack/prompts");
  const ok = await confirm({ message: "Write these files, build and start?" });
  if (isCancel(ok) || ok !== true) throw new CancelledError();
}

/** Writes the accepted draft: the compose file and the generated Dockerfiles (never over a file). */
export function writeFolderDraft(plan: FolderPlan, project = plan.draft!.draft.project): void {
  const files = [...plan.draft!.files.map((f) => ({ path: join(plan.dir, f.path), content: f.content })), { path: plan.composeFile, content: renderDraft(project, "yaml") }];
  for (const f of files) if (existsSync(f.path)) throw new InvalidInputError(`${f.path} already exists: kitten does not write over it`, { hint: "move it away, or write the project by hand" });
  for (const f of files) {
    writeFileAtomic(f.path, f.content);
    process.stderr.write(`wrote ${relative(process.cwd(), f.path) || f.path}\n`);
  }
}

/**
 * `kitten up DIR`: the folder's compose file, or its draft once accepted, brought up as any
 * project is (building what has build:). -f cannot be combined with a folder.
 */
export async function upFolder(dir: string, flags: UpFlags, format: EventFormat, yes: boolean): Promise<number> {
  const inv = invocation();
  if (inv.global.files.length > 0) throw new InvalidInputError("kitten up DIR and -f cannot be combined", { code: "bad_flag", hint: "give the folder or the compose file, not both" });
  const plan = planFolder(dir, inv.global.projectName);
  if (plan.draft) {
    showFolderDraft(plan, (s) => void process.stderr.write(s));
    await acceptFolderDraft(plan, yes);
    writeFolderDraft(plan);
  }
  setInvocation({ ...inv, global: { ...inv.global, files: [plan.composeFile] } });
  return runUp({ ...flags, services: [] }, format);
}

/**
 * `kitten ask --dir DIR "..."`: the folder's compose file is the project the request changes;
 * without one, the folder's draft is, and an empty request takes the draft as it is. The
 * generated Dockerfiles are written beside the apps when the draft is saved; build contexts are
 * made relative to wherever the compose file goes.
 */
export function askFolder(dir: string, projectName: string | undefined) {
  const plan = planFolder(dir, projectName);
  const draft = plan.draft;
  return {
    plan,
    /** the folder's compose file, to edit as `-f` would */
    file: draft ? undefined : plan.composeFile,
    draft: draft?.draft,
    /** where the draft is saved unless --out says otherwise */
    defaultPath: relative(process.cwd(), plan.composeFile) || "compose.yaml",
    /** build contexts relative to `target`'s directory, then the generated Dockerfiles written */
    save(project: Project, target: string): Project {
      const base = resolve(target, "..");
      // nothing is written when the compose file cannot be: no Dockerfiles without their project
      if (!existsSync(base)) throw new InvalidInputError(`cannot write ${target}: ${base} does not exist`, { hint: "create the directory first, or name another file with --out" });
      const services = Object.fromEntries(
        Object.entries(project.services).map(([name, s]) => [name, s.build && !s.build.context.startsWith("/") ? { ...s, build: { ...s.build, context: relative(base, resolve(plan.dir, s.build.context)) || "." } } : s]),
      );
      if (draft) {
        for (const f of draft.files) {
          const path = join(plan.dir, f.path);
          if (existsSync(path)) continue;
          writeFileAtomic(path, f.content);
          process.stderr.write(`wrote ${relative(process.cwd(), path) || path}\n`);
        }
      }
      return { ...project, services };
    },
  };
}
