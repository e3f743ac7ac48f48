/** `kitten ask "<request>"`: draft a project from plain English, review it, save or deploy it. */
import { checkProjectName } from "../../core/names.ts";
import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { CancelledError, InvalidInputError } from "../../core/errors.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { LoadedProject } from "../../engine/compose/index.ts";
import { draftRequest, loadExisting, projectNameFor, saveDraft } from "../../ai/ask.ts";
import { renderDraft } from "../../ai/draft.ts";
import { changesState, classifyIntent, describeIntent, resolveIntent, type Intent } from "../../ai/intents.ts";
import { DEFAULT_MODEL, llmSettingsFromEnv, promptPreview } from "../../ai/llm/client.ts";
import { engineOperations, upDeployer } from "../ai-wiring.ts";
import { parseFormat } from "../render/format.ts";
import { cliReporter } from "../render/reporter.ts";
import { askFolder } from "../folder.ts";
import type { Draft } from "../../ai/draft.ts";
import type { Project } from "../../engine/compose/model.ts";

export default defineCommand({
  meta: { name: "ask", description: "draft a project from plain English, review it, then save or deploy it" },
  args: {
    request: { type: "positional", description: 'what to run, e.g. "nginx on port 8080 with a postgres db"', required: true },
    file: { type: "string", alias: "f", description: "an existing project file the request changes" },
    dir: { type: "string", description: "a folder to run: its compose file, or a draft from what kitten finds in it (\"\" as the request takes it as it is)" },
    yes: { type: "boolean", alias: "y", description: "no review: deploy the draft (or carry out the action)" },
    out: { type: "string", alias: "o", description: "write the draft to this file" },
    format: { type: "string", description: "draft format: yaml or json", default: "yaml" },
    offline: { type: "boolean", description: "use the built-in drafter, even when OPENAI_API_KEY is set" },
    model: { type: "string", description: "model name (default: KITTEN_MODEL, else gpt-4o-mini)" },
    "print-prompt": { type: "boolean", description: "print the messages and schema that would be sent, and stop" },
    "project-name": { type: "string", alias: "p", description: "project name (default: the directory name)" },
  },
  async run({ args }) {
    const request = [args.request, ...args._.slice(1)].join(" ");
    const format = parseFormat(args.format, ["yaml", "json"]);
    const stderr = cliReporter();
    if (args["project-name"]) checkProjectName(args["project-name"], "-p");
    if (args.dir && args.file) throw new InvalidInputError("--dir and -f cannot be combined", { code: "bad_flag", hint: "give the folder or the compose file, not both" });
    const folder = args.dir ? askFolder(args.dir, args["project-name"]) : undefined;
    const file = args.file ?? folder?.file;
    const loaded = file ? await loadExisting(file, args["project-name"], stderr) : undefined;
    const existing = loaded?.project ?? folder?.draft?.project;
    const projectName = args["project-name"] ?? existing?.name ?? projectNameFor(process.cwd());
    const tty = !!process.stdin.isTTY && !!process.stdout.isTTY;

    const intent = folder ? undefined : classifyIntent(request);
    if (intent && !(existing && intent.action === "scale")) return runIntent(intent, loaded, { yes: !!args.yes, tty, projectName: args["project-name"], reporter: stderr });

    const llm = args.offline ? undefined : llmSettingsFromEnv(process.env, args.model);
    if (args["print-prompt"]) {
      process.stdout.write(`${JSON.stringify(promptPreview({ model: llm?.model ?? args.model ?? process.env.KITTEN_MODEL ?? DEFAULT_MODEL }, request, existing), null, 2)}\n`);
      return 0;
    }
    const draft = await folderOrRequest(request, folder?.draft, () => draftRequest(request, { projectName, existing, llm, reporter: stderr }));
    const defaultPath = args.out ?? file ?? folder?.defaultPath ?? "compose.yaml";
    // a folder's draft is saved with its build contexts beside the file and its Dockerfiles written
    const save = (project: Project, path: string) => saveDraft(folder ? folder.save(project, path) : project, path, format);
    const target = args.out ?? (args.yes ? defaultPath : undefined);
    if (tty && !args.yes) {
      const { reviewDraft } = await import("../prompts/review.ts");
      const outcome = await reviewDraft(draft, {
        refine: (text, current) => draftRequest(text, { projectName, existing: current, llm, reporter: stderr }),
        defaultPath,
        format,
        canDeploy: true,
        refusePath: (path) => (existsSync(path) && resolve(path) !== resolve(file ?? "") && path !== args.out ? `${path} already exists: name another file` : undefined),
      });
      save(outcome.draft.project, outcome.path);
      process.stderr.write(`wrote ${outcome.path}\n`);
      if (outcome.action === "deploy") await upDeployer(outcome.path).deploy(outcome.draft.project, resolve(outcome.path, ".."), stderr);
      return 0;
    }
    for (const line of draft.summary) process.stderr.write(`note: ${line}\n`);
    for (const line of draft.warnings) process.stderr.write(`warning: ${line}\n`);
    if (!target) {
      process.stdout.write(renderDraft(draft.project, format));
      return 0;
    }
    if (!args.out && existsSync(target) && resolve(target) !== resolve(file ?? "")) {
      throw new InvalidInputError(`${target} already exists`, { hint: "name another file with --out, or edit it with -f" });
    }
    save(draft.project, target);
    process.stderr.write(`wrote ${target}\n`);
    if (args.yes) await upDeployer(target).deploy(draft.project, resolve(target, ".."), stderr);
    return 0;
  },
});

/** An action on a running project: resolved against its services, shown, confirmed, carried out. */
async function runIntent(intent: Intent, loaded: LoadedProject | undefined, o: { yes: boolean; tty: boolean; projectName?: string; reporter: Reporter }): Promise<number> {
  // the project the action is about: -f, else the one discovered here (when there is one)
  const here = loaded ?? (await loadExisting(undefined, o.projectName).catch(() => undefined));
  const project = here?.project;
  const resolved = project ? resolveIntent(intent, Object.entries(project.services).map(([name, s]) => ({ name, image: s.image }))) : intent;
  // "run this on my cluster": the manifests are the draft to review
  if (resolved.action === "kube") process.stdout.write(await (await import("../ai-kube.ts")).kubeDraft(here, resolved));
  process.stderr.write(`kitten would ${describeIntent(resolved)}\n`);
  if (changesState(resolved) && !o.yes) {
    if (!o.tty) {
      process.stderr.write("hint: run again with --yes to do it\n");
      return 0;
    }
    const ok = await (await import("@clack/prompts")).confirm({ message: "Go ahead?" });
    if (ok !== true) throw new CancelledError();
  }
  await engineOperations(here, o.reporter).run(resolved, project);
  return 0;
}

/** A folder's draft as it is (an empty request), or edited by the request with the folder's notes kept. */
async function folderOrRequest(request: string, folderDraft: Draft | undefined, draftIt: () => Promise<Draft>): Promise<Draft> {
  if (folderDraft && !request.trim()) return folderDraft;
  const draft = await draftIt();
  return folderDraft ? { ...draft, summary: [...folderDraft.summary, ...draft.summary], warnings: [...folderDraft.warnings, ...draft.warnings] } : draft;
}
