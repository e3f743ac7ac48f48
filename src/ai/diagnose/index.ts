/**
 * `kitten diagnose` as a library: gather the evidence of failing containers, mask secrets, run
 * the analyzers, and optionally ask a language model to explain it in a few sentences. The model
 * sees the masked evidence and the findings, never the raw configuration.
 */
import type { Service } from "../../engine/compose/model.ts";
import { openAiChat, type ChatClient, type LlmSettings } from "../llm/client.ts";
import type { ChatMessage } from "../llm/prompt.ts";
import { analyze, type Finding } from "./analyzers.ts";
import type { ContainerEvidence, EvidenceSource } from "./evidence.ts";
import { maskEvidence, secretValues } from "./mask.ts";

export interface ContainerDiagnosis {
  service: string;
  container: string;
  state: string;
  exitCode?: number;
  restartCount: number;
  findings: Finding[];
}

export interface DiagnosisReport {
  containers: ContainerDiagnosis[];
  explanation?: string;
}

export interface DiagnoseOptions {
  services: string[];
  source: EvidenceSource;
  /** every service's config, so passwords of dependencies are masked where they appear (URLs, logs) */
  projectServices?: Service[];
}

/** Masked evidence and findings for each failing container. */
export async function gatherAndAnalyze(options: DiagnoseOptions): Promise<{ evidence: ContainerEvidence[]; report: DiagnosisReport }> {
  const raw = await options.source.gather(options.services);
  const extra = secretValues(options.projectServices ?? []);
  const evidence = raw.map((e) => maskEvidence(e, extra));
  const containers = evidence.map((e) => ({
    service: e.service,
    container: e.container,
    state: e.state,
    ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
    restartCount: e.restartCount,
    findings: analyze(e),
  }));
  return { evidence, report: { containers } };
}

/** The evidence as the model sees it: status, masked env names and values, log tail, findings. */
export function explainMessages(evidence: ContainerEvidence[], report: DiagnosisReport): ChatMessage[] {
  const blocks = evidence.map((e, i) => {
    const d = report.containers[i]!;
    return [
      `container ${e.container} (service ${e.service}): state ${e.state}, exit code ${e.exitCode ?? "none"}${e.signal ? `, signal ${e.signal}` : ""}${e.oomKilled ? ", oom killed" : ""}, restarts ${e.restartCount}`,
      `image: ${e.config.image ?? "none"}; command: ${JSON.stringify([...(e.config.entrypoint ?? []), ...(e.config.command ?? [])])}`,
      `environment names: ${Object.keys(e.config.environment).join(", ") || "none"}`,
      `dependencies: ${e.dependencies.map((d) => `${d.service} ${d.state}${d.healthy === false ? " unhealthy" : ""}`).join(", ") || "none"}`,
      ...(e.startError ? [`start error: ${e.startError}`] : []),
      ...(e.health?.lastOutput ? [`last failed healthcheck output: ${e.health.lastOutput}`] : []),
      "last log lines:",
      ...e.logs.slice(-30).map((l) => `| ${l}`),
      "rule-based findings:",
      ...d.findings.map((f) => `- ${f.cause} (confidence ${f.confidence}); fix: ${f.fix}`),
    ].join("\n");
  });
  return [
    {
      role: "system",
      content:
        "You explain why containers of a compose project failed, to a developer. Use only the evidence given; quote the log line that shows the cause. Answer in at most 5 short sentences of plain text: the cause, then the fix. If the evidence does not show the cause, say so. Values shown as **** are masked secrets.",
    },
    { role: "user", content: blocks.join("\n\n") },
  ];
}

export async function explain(chat: ChatClient, evidence: ContainerEvidence[], report: DiagnosisReport): Promise<string> {
  if (evidence.length === 0) return "";
  return (await chat.complete(explainMessages(evidence, report), "text")).trim();
}

export async function diagnose(options: DiagnoseOptions & { explainWith?: LlmSettings }): Promise<DiagnosisReport> {
  const { evidence, report } = await gatherAndAnalyze(options);
  if (options.explainWith) report.explanation = await explain(openAiChat(options.explainWith), evidence, report);
  return report;
}
