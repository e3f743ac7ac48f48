/** `kitten diagnose [service...]`: why containers failed — cause, evidence, fix — optionally explained by a model. */
import { checkProjectName } from "../../core/names.ts";
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { diagnose, explainMessages, gatherAndAnalyze, type DiagnosisReport } from "../../ai/diagnose/index.ts";
import { llmSettingsFromEnv } from "../../ai/llm/client.ts";
import { loadProject } from "../../engine/compose/index.ts";
import { diagnoseSource } from "../ai-wiring.ts";
import { projectArgs, projectOptions } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { cliReporter } from "../render/reporter.ts";

export default defineCommand({
  meta: { name: "diagnose", description: "explain why containers failed or keep restarting: cause, evidence, fix" },
  args: {
    ...projectArgs,
    format: { type: "string", description: "output format: text or json", default: "text" },
    explain: { type: "boolean", description: "add a short explanation from the language model (OPENAI_API_KEY); secrets are masked" },
    model: { type: "string", description: "model for --explain (default: KITTEN_MODEL, else gpt-4o-mini)" },
    "print-prompt": { type: "boolean", description: "print what --explain would send, and stop" },
    services: { type: "positional", required: false, description: "services to diagnose (default: every failing one)" },
  },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const services = args._.map(String);
    const explainWith = args.explain ? llmSettingsFromEnv(process.env, args.model) : undefined;
    if (args.explain && !explainWith) throw new InvalidInputError("--explain needs a language model", { hint: "set OPENAI_API_KEY (and OPENAI_BASE_URL for a local server), or leave --explain out" });
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
      const { evidence, report } = await gatherAndAnalyze({ services, source, projectServices });
      process.stdout.write(`${JSON.stringify({ messages: explainMessages(evidence, report) }, null, 2)}\n`);
      return 0;
    }
    const report = await diagnose({ services, source, projectServices, explainWith });
    process.stdout.write(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderDiagnosis(report));
    return report.containers.length > 0 ? 1 : 0;
  },
});

/** The report as text: per container its state, then each finding with its evidence quoted and its fix. */
export function renderDiagnosis(report: DiagnosisReport): string {
  if (report.containers.length === 0) return "no failing or restarting containers\n";
  const out: string[] = [];
  for (const c of report.containers) {
    const status = [c.state, c.exitCode !== undefined ? `exit code ${c.exitCode}` : "", c.restartCount ? `restarted ${c.restartCount} time${c.restartCount === 1 ? "" : "s"}` : ""].filter(Boolean).join(", ");
    out.push(`${c.service} (${c.container}): ${status}`);
    for (const f of c.findings) {
      out.push(`  cause: ${f.cause} (${f.confidence} confidence)`);
      for (const line of f.evidence) out.push(`    | ${line}`);
      out.push(`  fix: ${f.fix}`);
    }
    out.push("");
  }
  if (report.explanation) out.push("explanation:", ...report.explanation.split("\n").map((l) => `  ${l}`), "");
  return out.join("\n");
}
