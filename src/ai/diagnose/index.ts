/**
 * `kitten diagnose` as a library: gather the evidence of failing containers and failed builds,
 * mask secrets, run the analyzers, and optionally ask a language model to explain it in a few
 * sentences. The model sees the masked evidence and the findings, never the raw configuration.
 */
import type { Service } from "../../engine/compose/model.ts";
import { openAiChat, type ChatClient, type LlmSettings } from "../llm/client.ts";
import type { ChatMessage } from "../llm/prompt.ts";
import { analyze, type Finding } from "./analyzers.ts";
import { analyzeBuild, dockerfileName } from "./build-analyzers.ts";
import type { BuildEvidence, ContainerEvidence, EvidenceSource } from "./evidence.ts";
import { maskBuildEvidence, maskEvidence, secretValues } from "./mask.ts";

export interface ContainerDiagnosis {
  service: string;
  container: string;
  state: string;
  exitCode?: number;
  restartCount: number;
  findings: Finding[];
}

/** A failed build: where it failed (step, stage, instruction, Dockerfile line, command, exit code) and why. */
export interface BuildDiagnosis {
  /** the compose service it was building, for a project's build */
  service?: string;
  /** the image it was to be tagged */
  image?: string;
  context: string;
  dockerfile: string;
  step?: string;
  stage?: string;
  instruction?: string;
  line?: number;
  command?: string;
  exitCode?: number;
  error: string;
  time: string;
  findings: Finding[];
}

export interface DiagnosisReport {
  containers: ContainerDiagnosis[];
  builds: BuildDiagnosis[];
  explanation?: string;
}

function buildDiagnosis(b: BuildEvidence): BuildDiagnosis {
  const s = b.step;
  return {
    ...(b.service !== undefined ? { service: b.service } : {}),
    ...(b.tags[0] !== undefined ? { image: b.tags[0] } : {}),
    context: b.context,
    dockerfile: dockerfileName(b),
    ...(s ? { step: s.name, instruction: s.instruction } : {}),
    ...(s?.stage !== undefined ? { stage: s.stage } : {}),
    ...(s?.line !== undefined ? { line: s.line } : {}),
    ...(s?.command !== undefined ? { command: s.command } : {}),
    ...(s?.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
    error: b.error,
    time: b.time,
    findings: analyzeBuild(b),
  };
}

export interface DiagnoseOptions {
  services: string[];
  source: EvidenceSource;
  /** every service's config, so passwords of dependencies are masked where they appear (URLs, logs) */
  projectServices?: Service[];
}

/** Masked evidence and findings for each failing container and failed build. */
export async function gatherAndAnalyze(options: DiagnoseOptions): Promise<{ evidence: ContainerEvidence[]; builds: BuildEvidence[]; report: DiagnosisReport }> {
  const raw = await options.source.gather(options.services);
  const extra = secretValues(options.projectServices ?? []);
  const evidence = raw.map((e) => maskEvidence(e, extra));
  const builds = ((await options.source.builds?.(options.services)) ?? []).map((b) => maskBuildEvidence(b, extra));
  const containers = evidence.map((e) => ({
    service: e.service,
    container: e.container,
    state: e.state,
    // a running container's last exit code is no news (a post_start hook failing leaves it running)
    ...(e.exitCode !== undefined && e.state !== "running" ? { exitCode: e.exitCode } : {}),
    restartCount: e.restartCount,
    findings: analyze(e),
  }));
  return { evidence, builds, report: { containers, builds: builds.map(buildDiagnosis) } };
}

/** The evidence as the model sees it: status, masked env names and values, log tail, findings. */
export function explainMessages(evidence: ContainerEvidence[], report: DiagnosisReport, builds: BuildEvidence[] = []): ChatMessage[] {
  const blocks = evidence.map((e, i) => {
    const d = report.containers[i]!;
    return [
      `container ${e.container} (service ${e.service}): state ${e.state}, exit code ${e.exitCode ?? "none"}${e.signal ? `, signal ${e.signal}` : ""}${e.oomKilled ? ", oom killed" : ""}, restarts ${e.restartCount}`,
      `image: ${e.config.image ?? "none"}; command: ${JSON.stringify([...(e.config.entrypoint ?? []), ...(e.config.command ?? [])])}`,
      `environment names: ${Object.keys(e.config.environment).join(", ") || "none"}`,
      `dependencies: ${e.dependencies.map((d) => `${d.service} ${d.state}${d.healthy === false ? " unhealthy" : ""}`).join(", ") || "none"}`,
      ...(e.startError ? [`start error${e.startPhase ? ` (${e.startPhase})` : ""}: ${e.startError}`] : []),
      ...(e.health?.lastOutput ? [`last failed healthcheck output: ${e.health.lastOutput}`] : []),
      "last log lines:",
      ...e.logs.slice(-30).map((l) => `| ${l}`),
      "rule-based findings:",
      ...d.findings.map((f) => `- ${f.cause} (confidence ${f.confidence}); fix: ${f.fix}`),
    ].join("\n");
  });
  builds.forEach((b, i) => {
    const d = report.builds[i]!;
    blocks.push(
      [
        `build${b.service ? ` of service ${b.service}` : ""}${b.tags[0] ? ` (image ${b.tags[0]})` : ""} failed: ${b.error}`,
        ...(b.step ? [`step: ${d.dockerfile}${b.step.line !== undefined ? `:${b.step.line}` : ""}${b.step.stage ? ` stage ${b.step.stage}` : ""}: ${b.step.original ?? b.step.name}`] : []),
        ...(b.step?.exitCode !== undefined ? [`exit code: ${b.step.exitCode}`] : []),
        "last output lines of the step:",
        ...(b.step?.output ?? []).slice(-30).map((l) => `| ${l}`),
        "rule-based findings:",
        ...d.findings.map((f) => `- ${f.cause} (confidence ${f.confidence}); fix: ${f.fix}`),
      ].join("\n"),
    );
  });
  return [
    {
      role: "system",
      content:
        "You explain why containers of a compose project failed, or why an image build failed, to a developer. Use only the evidence given; quote the log line that shows the cause. Answer in at most 5 short sentences of plain text: the cause, then the fix. If the evidence does not show the cause, say so. Values shown as **** are masked secrets.",
    },
    { role: "user", content: blocks.join("\n\n") },
  ];
}

export async function explain(chat: ChatClient, evidence: ContainerEvidence[], report: DiagnosisReport, builds: BuildEvidence[] = []): Promise<string> {
  if (evidence.length === 0 && builds.length === 0) return "";
  return (await chat.complete(explainMessages(evidence, report, builds), "text")).trim();
}

export async function diagnose(options: DiagnoseOptions & { explainWith?: LlmSettings }): Promise<DiagnosisReport> {
  const { evidence, builds, report } = await gatherAndAnalyze(options);
  if (options.explainWith) report.explanation = await explain(openAiChat(options.explainWith), evidence, report, builds);
  return report;
}
