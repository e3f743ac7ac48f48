/**
 * The build plan across stages (pure): global ARGs (meta args before the first FROM, the
 * predefined platform args, --build-arg overrides), each stage's base (an earlier stage, an
 * image, or scratch) with FROM expanded by the global args only, the target stage (`--target`,
 * else the last), and the stages it needs — its base chain plus every `COPY --from` and
 * `RUN --mount from` source — so unused stages are skipped as BuildKit skips them
 * (research/build.md §5), with each needed stage's dependencies for parallel scheduling.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { dockerfileError } from "./dockerfile/parser.ts";
import type { Dockerfile, Instruction, Stage } from "./dockerfile/instructions.ts";
import { processWord, ShellLexError } from "./dockerfile/shell-lex.ts";
import { csvFields } from "./dockerfile/mounts.ts";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export type StageBase = { type: "scratch" } | { type: "stage"; index: number } | { type: "image"; ref: string; platform?: string };

export interface PlannedStage {
  stage: Stage;
  base: StageBase;
  /** indices of stages this one needs first (base and --from sources) */
  deps: number[];
}

export interface BuildPlan {
  target: number;
  /** needed stages in file order (which is a valid dependency order) */
  stages: PlannedStage[];
  globalArgs: Map<string, string>;
  /** index of a stage by name (case-insensitive) or number */
  stageIndex(name: string): number | undefined;
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/** TARGETPLATFORM, TARGETOS, … and the BUILD* ones: both the host's platform here (REF §Automatic platform ARGs). */
export function platformArgs(p: Platform): Map<string, string> {
  const m = new Map<string, string>();
  for (const prefix of ["TARGET", "BUILD"]) {
    m.set(`${prefix}PLATFORM`, platformString(p));
    m.set(`${prefix}OS`, p.os);
    m.set(`${prefix}ARCH`, p.architecture);
    m.set(`${prefix}VARIANT`, p.variant ?? "");
  }
  return m;
}

function expandGlobal(df: Dockerfile, text: string, line: number, env: Map<string, string>): string {
  try {
    return processWord(text, env, { escape: df.directives.escape });
  } catch (err) {
    if (err instanceof ShellLexError) throw dockerfileError(df.file, line, err.message);
    throw err;
  }
}

/** Meta args in order: --build-arg wins over the default, which sees the args above it. */
export function resolveGlobalArgs(df: Dockerfile, buildArgs: ReadonlyMap<string, string>, platform: Platform, used: Set<string>): Map<string, string> {
  const predefined = platformArgs(platform);
  const globals = new Map(predefined);
  for (const instr of df.metaArgs) {
    for (const a of instr.args) {
      used.add(a.key);
      if (buildArgs.has(a.key)) globals.set(a.key, buildArgs.get(a.key)!);
      else if (a.value !== undefined) globals.set(a.key, expandGlobal(df, a.value, instr.line, globals));
      else if (!predefined.has(a.key)) globals.delete(a.key);
    }
  }
  return globals;
}

/** `--from` names a stage used: from COPY/ADD flags and RUN --mount from= values, as written. */
function fromNames(instructions: Instruction[]): string[] {
  const names: string[] = [];
  for (const i of instructions) {
    const instr = i.kind === "onbuild" ? i.trigger : i;
    if ((instr.kind === "copy" || instr.kind === "add") && instr.from !== undefined) names.push(instr.from);
    if (instr.kind === "run") {
      for (const m of instr.mounts) {
        try {
          for (const f of csvFields(m)) if (f.toLowerCase().startsWith("from=")) names.push(f.slice(5));
        } catch {}
      }
    }
  }
  return names;
}

export function planBuild(df: Dockerfile, options: { buildArgs: ReadonlyMap<string, string>; target?: string; platform: Platform; usedArgs: Set<string>; namedContexts?: ReadonlySet<string> }): BuildPlan {
  const globalArgs = resolveGlobalArgs(df, options.buildArgs, options.platform, options.usedArgs);
  const byName = new Map<string, number>();
  for (const s of df.stages) if (s.name) byName.set(s.name, s.index);
  const stageIndex = (name: string): number | undefined => {
    const lower = name.toLowerCase();
    if (byName.has(lower)) return byName.get(lower);
    if (/^\d+$/.test(name) && Number(name) < df.stages.length) return Number(name);
    return undefined;
  };
  let target = df.stages.length - 1;
  if (options.target !== undefined) {
    const t = byName.get(options.target.toLowerCase());
    if (t === undefined) {
      const names = df.stages.map((s) => s.name).filter((n): n is string => Boolean(n));
      throw new InvalidInputError(`target stage "${options.target}" could not be found`, {
        code: "unknown_target",
        hint: names.length > 0 ? `the stages of ${df.file} are: ${names.join(", ")}` : `${df.file} names no stages (FROM … AS <name>)`,
      });
    }
    target = t;
  }
  const planned = new Map<number, PlannedStage>();
  const visit = (index: number, chain: number[]): void => {
    if (planned.has(index)) return;
    if (chain.includes(index)) throw dockerfileError(df.file, df.stages[index]!.from.line, `circular dependency between stages: ${[...chain, index].map((i) => df.stages[i]!.name ?? i).join(" -> ")}`);
    const stage = df.stages[index]!;
    const image = expandGlobal(df, stage.from.image, stage.from.line, globalArgs);
    if (image === "") throw dockerfileError(df.file, stage.from.line, `FROM ${stage.from.image}: the base image name is empty`, "set the variable with --build-arg or an ARG default before the first FROM");
    const platform = stage.from.platform === undefined ? undefined : expandGlobal(df, stage.from.platform, stage.from.line, globalArgs);
    let base: StageBase;
    const baseIndex = byName.get(image.toLowerCase());
    if (baseIndex !== undefined && baseIndex < index) base = { type: "stage", index: baseIndex };
    else if (image.toLowerCase() === "scratch") base = { type: "scratch" };
    else base = { type: "image", ref: image, ...(platform ? { platform } : {}) };
    const deps = new Set<number>();
    if (base.type === "stage") deps.add(base.index);
    for (const name of fromNames(stage.instructions)) {
      if (options.namedContexts?.has(name)) continue;
      const i = stageIndex(name);
      if (i !== undefined && i < index) deps.add(i);
    }
    const entry: PlannedStage = { stage, base, deps: [...deps].sort((a, b) => a - b) };
    for (const d of entry.deps) visit(d, [...chain, index]);
    planned.set(index, entry);
  };
  visit(target, []);
  const stages = [...planned.values()].sort((a, b) => a.stage.index - b.stage.index);
  return { target, stages, globalArgs, stageIndex };
}
