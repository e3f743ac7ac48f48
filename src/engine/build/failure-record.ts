/**
 * The record a failed build leaves for `kitten diagnose` (src/engine/state/failure-store.ts):
 * the error as printed, the step it came from (stage, instruction, line, command, exit code,
 * the step's last output lines), and for a COPY source .dockerignore excludes, the line that
 * excludes it. Errors from no step (a Dockerfile syntax error, a COPY source missing) are placed
 * by their Dockerfile line. Build secrets and build args whose names look secret are masked
 * here, before the record reaches the disk. Pure.
 */
import { errorText, isKittenError } from "../../core/errors.ts";
import { isSecretName, looksLikeToken, maskSecrets, secretForms } from "../../core/secret-mask.ts";
import type { BuildFailure, FailedStep } from "../state/failure-store.ts";
import type { Dockerfile, Stage } from "./dockerfile/instructions.ts";
import { IgnoreMatcher, readIgnoreFile } from "./context/ignore.ts";

export interface FailureInput {
  err: unknown;
  time: string;
  context: string;
  dockerfile: string;
  tags: string[];
  project?: string;
  service?: string;
  /** the Dockerfile's text and its parsed form, as far as the build got */
  text?: string;
  parsed?: Dockerfile;
  /** the step the executor says the error came from */
  step?: Omit<FailedStep, "stage" | "original">;
  /** values of the build secrets, and the build args */
  secrets: Iterable<string>;
  buildArgs: Record<string, string>;
  /** the .dockerignore the build read: its name and text */
  ignore?: { file: string; text: string };
}

function stageOf(parsed: Dockerfile, line: number): Stage | undefined {
  let found: Stage | undefined;
  for (const s of parsed.stages) if (s.from.line <= line) found = s;
  return found;
}

function instructionAt(parsed: Dockerfile | undefined, line: number): { stage?: string; original?: string } {
  if (!parsed) return {};
  const stage = stageOf(parsed, line);
  if (!stage) return {};
  const instr = [stage.from, ...stage.instructions].find((i) => i.line <= line && line <= i.endLine);
  const name = parsed.stages.length > 1 ? (stage.name ?? `stage-${stage.index}`) : undefined;
  return { ...(name ? { stage: name } : {}), ...(instr ? { original: instr.original } : {}) };
}

/** The .dockerignore line deciding that `source` is excluded (the last matching one, as the matcher decides). */
export function ignoringLine(ignore: { file: string; text: string }, source: string): BuildFailure["ignoredBy"] {
  const rel = source.replace(/^\.?\//, "").replace(/\/+$/, "");
  let found: BuildFailure["ignoredBy"];
  for (const [i, raw] of ignore.text.replace(/^\uFEFF/, "").split(/\r?\n/).entries()) {
    const [pattern] = readIgnoreFile(raw);
    if (pattern === undefined) continue;
    const exclusion = pattern.startsWith("!");
    let matches: boolean;
    try {
      matches = new IgnoreMatcher([exclusion ? pattern.slice(1) : pattern]).excludes(rel);
    } catch {
      continue;
    }
    if (matches) found = exclusion ? undefined : { file: ignore.file, line: i + 1, pattern: raw.trim() };
  }
  return found;
}

export function buildFailureRecord(input: FailureInput): BuildFailure {
  const { err } = input;
  // build args are not secrets by design (they are in the image's history), but one named like a
  // secret or holding what looks like a token is treated as one
  const secrets = secretForms([...input.secrets, ...Object.entries(input.buildArgs).filter(([k, v]) => isSecretName(k) || looksLikeToken(v)).map(([, v]) => v)]);
  const mask = (t: string) => maskSecrets(t, secrets);
  const kitten = isKittenError(err) ? err : undefined;
  const line = input.step?.line ?? kitten?.location?.line;
  let step: FailedStep | undefined;
  if (input.step) {
    step = { ...input.step, ...instructionAt(input.parsed, input.step.line ?? 0) };
  } else if (line !== undefined && kitten?.location) {
    // an error placed in the Dockerfile but not in a step: its line as written
    const where = instructionAt(input.parsed, line);
    const original = where.original ?? input.text?.split(/\r?\n/)[line - 1]?.trim();
    const instruction = original?.split(/\s+/)[0]?.toUpperCase();
    if (original && instruction) step = { name: original, instruction, line, output: [], ...where, original };
  }
  let ignoredBy: BuildFailure["ignoredBy"];
  const excluded = /(?:COPY|ADD) failed: "(.+)" not found in the build context \(excluded by \.dockerignore\)/.exec(kitten?.message ?? "");
  if (excluded && input.ignore) ignoredBy = ignoringLine(input.ignore, excluded[1]!);
  return {
    time: input.time,
    context: input.context,
    dockerfile: input.dockerfile,
    tags: input.tags,
    ...(input.project !== undefined ? { project: input.project } : {}),
    ...(input.service !== undefined ? { service: input.service } : {}),
    ...(step
      ? {
          step: {
            ...step,
            name: mask(step.name),
            ...(step.original !== undefined ? { original: mask(step.original) } : {}),
            ...(step.command !== undefined ? { command: mask(step.command) } : {}),
            output: step.output.map(mask),
          },
        }
      : {}),
    error: mask(kitten ? kitten.display : errorText(err)),
    ...(kitten ? { code: kitten.code } : {}),
    ...(kitten?.hint ? { hint: mask(kitten.hint) } : {}),
    ...(ignoredBy ? { ignoredBy } : {}),
  };
}
