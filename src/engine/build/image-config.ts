/**
 * The image config a build produces (image-spec config.md plus docker's extension fields, as
 * BuildKit writes them: research/build.md §4): the config object, history entries in
 * BuildKit's form (`comment: "buildkit.dockerfile.v0"`, `empty_layer` for metadata steps) and
 * the final JSON whose sha256 is the image id. Pure.
 */
import type { OciImageConfig } from "../image/types.ts";

export const DEFAULT_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const HISTORY_COMMENT = "buildkit.dockerfile.v0";

/** The `config` object with docker's extension fields (moby docker-image-spec `DockerOCIImageConfigExt`). */
export interface BuildConfig extends OciImageConfig {
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The whole image config document (what gets hashed into the image id). */
export interface ImageDocument {
  architecture: string;
  os: string;
  variant?: string;
  author?: string;
  created?: string;
  config: BuildConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history: HistoryEntry[];
}

/** `FROM scratch`: BuildKit's emptyImage (default PATH, WorkingDir "/"). */
export function scratchConfig(): BuildConfig {
  return { Env: [DEFAULT_PATH_ENV], WorkingDir: "/" };
}

/** A base image's config as a stage starts from it: a copy, with PATH added when it has none (BuildKit dispatchStages). */
export function stageBaseConfig(base: BuildConfig): BuildConfig {
  const config = structuredClone(base);
  config.Env ??= [];
  if (!config.Env.some((e) => e.startsWith("PATH="))) config.Env.push(DEFAULT_PATH_ENV);
  return config;
}

/** Sets `key=value` in an Env list: replaced in place, appended when new (BuildKit addEnv). */
export function setEnv(env: string[], key: string, value: string): string[] {
  const i = env.findIndex((e) => e.slice(0, e.indexOf("=") < 0 ? e.length : e.indexOf("=")) === key);
  const out = [...env];
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

export function envMap(env: readonly string[] = []): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env) {
    const i = e.indexOf("=");
    if (i > 0) m.set(e.slice(0, i), e.slice(i + 1));
    else if (i < 0 && e) m.set(e, "");
  }
  return m;
}

/** Go's `%q` of a string list, as BuildKit writes CMD/ENTRYPOINT history (`CMD ["a" "b"]`). */
export function goQuoteList(args: string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(" ")}]`;
}

/** Go's `%v` of a string list (`EXPOSE [53/udp 80/tcp]`). */
export function goList(args: string[]): string {
  return `[${args.join(" ")}]`;
}

/** Drops empty optional fields so the document hashes the same whatever produced it. */
export function cleanConfig(config: BuildConfig): BuildConfig {
  const out: BuildConfig = {};
  for (const [k, v] of Object.entries(config) as [keyof BuildConfig, unknown][]) {
    if (v === undefined) continue;
    if (k === "OnBuild" && (v === null || (Array.isArray(v) && v.length === 0))) continue;
    if ((k === "Labels" || k === "ExposedPorts" || k === "Volumes") && Object.keys(v as object).length === 0) continue;
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** The config document; its canonical JSON's sha256 is the image id. */
export function imageDocument(input: { platform: { os: string; architecture: string; variant?: string }; config: BuildConfig; diffIds: string[]; history: HistoryEntry[]; author?: string }): ImageDocument {
  const created = input.history.map((h) => h.created).filter((c): c is string => Boolean(c)).sort().at(-1);
  return {
    architecture: input.platform.architecture,
    os: input.platform.os,
    ...(input.platform.variant ? { variant: input.platform.variant } : {}),
    ...(input.author ? { author: input.author } : {}),
    ...(created ? { created } : {}),
    config: cleanConfig(input.config),
    rootfs: { type: "layers", diff_ids: input.diffIds },
    history: input.history,
  };
}

export function documentBytes(doc: ImageDocument): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc));
}
