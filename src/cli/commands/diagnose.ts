/**
 * `kitten diagnose [service...]`: why containers failed or a service's image did not build —
 * cause, evidence, fix — optionally explained by a model. `kitten diagnose --build [CONTEXT|IMAGE]`:
 * why a plain `kitten build` failed, from what the builder recorded.
 */
import { checkProjectName } from "../../core/names.ts";
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { diagnose, explainMessages, gatherAndAnalyze, type BuildDiagnosis, type DiagnosisReport } from "../../ai/diagnose/index.ts";
import type { EvidenceSource } from "../../ai/diagnose/evidence.ts";
import { llmSettingsFromEnv } from "../../ai/llm/client.ts";
import { loadProject } from "../../engine/compose/index.ts";
import { diagnoseSource } from "../ai-wiring.ts";
import { projectArgs, projectOptions } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { cliReporter } from "../render/reporter.ts";

export default defineCommand({
  meta: { name: "diagnose", description: "explain why containers failed or keep restarting, or a build failed: cause, evidence, fix" },
  args: {
    ...projectArgs,
    format: { type: "string", description: "output format: text or json", default: "text" },
    explain: { type: "boolean", description: "add a short explanation from the language model (OPENAI_API_KEY); secrets are masked" },
    model: { type: "string", description: "model for --explain (default: KITTEN_MODEL, else gpt-4o-mini)" },
    "print-prompt": { type: "boolean", description: "print what --explain would send, and stop" },
    build: { type: "boolean", description: "why a kitten build failed: the arguments are build contexts or image names (default: the last failed build)" },
    services: { type: "positional", required: false, description: "services to diagnose (default: every failing one); with --build, a CONTEXT or IMAGE" },
  },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const services = args._.map(String);
    const explainWith = args.explain ? llmSettingsFromEnv(process.env, args.model) : undefined;
    if (args.explain && !explainWith) throw new InvalidInputError("--explain needs a language model", { hint: "set OPENAI_API_KEY (and OPENAI_BASE_URL for a local server), or leave --explain out" });
    if (args.build) return diagnoseBuilds(services, { format, explainWith, printPrompt: Boolean(args["print-prompt"]), projectGiven: Boolean(args.file || args["project-name"] || projectOptions(rawArgs, args).files.length) });
    const reporter = cliReporter();
    if (args["project-name"]) checkProjectName(args["project-name"], "-p");
    // the project: -f/-p, else the compose file here; with -p alone, the state knows its config
    const loaded = await loadProject({ ...projectOptions(rawArgs, args), reporter }).catch((err) => {
      if (args["project-name"]) return undefined;
      throw err;
    });
    const projectName = args["project-name"] ?? loaded!.project.name;
    const source = diagnoseSource(projectName, loaded, reporter);
    const projectServices = Object.values(loaded?.project.services ?? {});
    if (args["print-prompt"]) {
      const { evidence, builds, report } = await gatherAndAnalyze({ services, source, projectServices });
      process.stdout.write(`${JSON.stringify({ messages: explainMessages(evidence, report, builds) }, null, 2)}\n`);
      return 0;
    }
    const report = await diagnose({ services, source, projectServices, explainWith });
    process.stdout.write(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderDiagnosis(report));
    return report.containers.length > 0 || report.builds.length > 0 ? 1 : 0;
  },
});

/** `--build [CONTEXT|IMAGE...]`: the failed builds the builder recorded for them (the last one without). */
async function diagnoseBuilds(targets: string[], o: { format: string; explainWith?: ReturnType<typeof llmSettingsFromEnv>; printPrompt: boolean; projectGiven: boolean }): Promise<number> {
  if (o.projectGiven) {
    throw new InvalidInputError("--build diagnoses a kitten build by its context or image, not a project", { code: "bad_flag", hint: "without --build, kitten diagnose -f FILE shows the project's failed builds too" });
  }
  const [{ recordedBuilds }, { kittenPaths }] = await Promise.all([import("../../ai/diagnose/build-source.ts"), import("../../core/paths.ts")]);
  const paths = kittenPaths();
  const source: EvidenceSource = {
    gather: async () => [],
    builds: async () => (targets.length === 0 ? recordedBuilds(paths, undefined) : targets.flatMap((t) => recordedBuilds(paths, t))),
  };
  if (o.printPrompt) {
    const { evidence, builds, report } = await gatherAndAnalyze({ services: [], source });
    process.stdout.write(`${JSON.stringify({ messages: explainMessages(evidence, report, builds) }, null, 2)}\n`);
    return 0;
  }
  const report = await diagnose({ services: [], source, explainWith: o.explainWith });
  if (o.format === "json") process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(report.builds.length ? renderDiagnosis(report) : `no failed build recorded${targets.length ? ` for ${targets.join(", ")}` : ""}\n`);
  return report.builds.length > 0 ? 1 : 0;
}

/** "app: build of shop-app failed at Dockerfile:5 (stage build, RUN), exit code 100" */
function buildHeader(b: BuildDiagnosis): string {
  const who = b.service ? `${b.service}: build${b.image ? ` of ${b.image}` : ""}` : `build of ${b.image ?? b.context}${b.image ? ` (${b.context})` : ""}`;
  const where = b.line !== undefined || b.instruction ? ` at ${b.dockerfile}${b.line !== undefined ? `:${b.line}` : ""} (${[b.stage ? `stage ${b.stage}` : "", b.instruction ?? ""].filter(Boolean).join(", ")})` : "";
  return `${who} failed${where}${b.exitCode !== undefined ? `, exit code ${b.exitCode}` : ""}`;
}

/** The report as text: per container its state, then each finding with its evidence quoted and its fix. */
export function renderDiagnosis(report: DiagnosisReport): string {
  const builds = report.builds ?? [];
  if (report.containers.length === 0 && builds.length === 0) return "no failing or restarting containers\n";
  const out: string[] = [];
  const findings = (list: DiagnosisReport["containers"][number]["findings"]) => {
    for (const f of list) {
      out.push(`  cause: ${f.cause} (${f.confidence} confidence)`);
      for (const line of f.evidence) out.push(`    | ${line}`);
      out.push(`  fix: ${f.fix}`);
    }
    out.push("");
  };
  for (const b of builds) {
    out.push(buildHeader(b));
    if (b.command) out.push(`  command: ${b.command}`);
    findings(b.findings);
  }
  for (const c of report.containers) {
    const status = [c.state, c.exitCode !== undefined ? `exit code ${c.exitCode}` : "", c.restartCount ? `restarted ${c.restartCount} time${c.restartCount === 1 ? "" : "s"}` : ""].filter(Boolean).join(", ");
    out.push(`${c.service}${c.container ? ` (${c.container})` : ""}: ${status}`);
    findings(c.findings);
  }
  if (report.explanation) out.push("explanation:", ...report.explanation.split("\n").map((l) => `  ${l}`), "");
  return out.join("\n");
}
