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

export default defineCommand({
  meta: { name: "ask", description: "draft a project from plain English, review it, then save or deploy it" },
  args: {
    request: { type: "positional", description: 'what to run, e.g. "nginx on port 8080 with a postgres db"', required: true },
    file: { type: "string", alias: "f", description: "an existing project file the request changes" },
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
    const loaded = args.file ? await loadExisting(args.file, args["project-name"], stderr) : undefined;
    const existing = loaded?.project;
    const projectName = args["project-name"] ?? existing?.name ?? projectNameFor(process.cwd());
    const tty = !!process.stdin.isTTY && !!process.stdout.isTTY;

    const intent = classifyIntent(request);
    if (intent && !(existing && intent.action === "scale")) return runIntent(intent, loaded, { yes: !!args.yes, tty, projectName: args["project-name"], reporter: stderr });

    const llm = args.offline ? undefined : llmSettingsFromEnv(process.env, args.model);
    if (args["print-prompt"]) {
      process.stdout.write(`${JSON.stringify(promptPreview({ model: llm?.model ?? args.model ?? process.env.KITTEN_MODEL ?? DEFAULT_MODEL }, request, existing), null, 2)}\n`);
      return 0;
    }
    const draft = await draftRequest(request, { projectName, existing, llm, reporter: stderr });
    const target = args.out ?? (args.yes ? (args.file ?? "compose.yaml") : undefined);
    if (tty && !args.yes) {
      const { reviewDraft } = await import("../prompts/review.ts");
      const outcome = await reviewDraft(draft, {
        refine: (text, current) => draftRequest(text, { projectName, existing: current, llm, reporter: stderr }),
        defaultPath: args.out ?? args.file ?? "compose.yaml",
        format,
        canDeploy: true,
        refusePath: (path) => (existsSync(path) && resolve(path) !== resolve(args.file ?? "") && path !== args.out ? `${path} already exists: name another file` : undefined),
      });
      saveDraft(outcome.draft.project, outcome.path, format);
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
    if (!args.out && existsSync(target) && resolve(target) !== resolve(args.file ?? "")) {
      throw new InvalidInputError(`${target} already exists`, { hint: "name another file with --out, or edit it with -f" });
    }
    saveDraft(draft.project, target, format);
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
