/**
 * A small coverage-guided fuzzer (issue #14). jazzer.js, the npm fuzzer we meant to use, ships
 * its libFuzzer addon built for glibc 2.38 and does not load on this Debian 12 host (2.36); its
 * older releases download their addon from GitHub, which this network cannot reach. So this is
 * our own, in the spirit of jsfuzz: under node, V8's precise block coverage (the inspector's
 * Profiler.takePreciseCoverage, which also resets the counters) tells which blocks of the target
 * each input ran; an input that runs a block no earlier input ran joins the corpus and is
 * mutated further (mutate.ts). Under bun (no V8) it runs without coverage, as a seeded mutational
 * fuzzer, and says so. Findings are inputs on which the target threw something that is not a
 * refusal (a crash), broke an invariant the target checks, or ran longer than `slowMs`.
 */
import { mutate, Rng } from "./mutate.ts";

export interface FuzzTarget {
  name: string;
  /** the script URLs whose coverage guides the search (a substring of their URL) */
  coverageScripts: string;
  /** runs one input; throws a Finding for a bug, returns for anything acceptable */
  run(data: Uint8Array): void;
}

export class Finding extends Error {
  constructor(
    readonly kind: "crash" | "invariant" | "slow",
    message: string,
  ) {
    super(message);
    this.name = "Finding";
  }
}

/** the target runs from its own bundle, with its own copy of Finding: recognised by name */
function findingKind(err: unknown): "crash" | "invariant" | "slow" {
  if (err instanceof Error && err.name === "Finding" && "kind" in err) return (err as Finding).kind;
  return "crash";
}

export interface FuzzOptions {
  seeds: Uint8Array[];
  seconds: number;
  seed: number;
  maxLen?: number;
  slowMs?: number;
  /** stop after this many findings */
  maxFindings?: number;
}

export interface FuzzReport {
  target: string;
  coverage: "v8-precise-block" | "none";
  seed: number;
  execs: number;
  corpus: number;
  features: number;
  /** time spent running the target and reading coverage, ms */
  targetMs: number;
  coverageMs: number;
  findings: Array<{ kind: string; message: string; input: string }>;
}

interface Coverage {
  /** the blocks this input ran, as stable keys */
  take(): string[];
}

async function v8Coverage(scripts: string): Promise<Coverage | undefined> {
  if (typeof (process.versions as Record<string, string | undefined>).bun === "string") return undefined;
  const inspector = await import("node:inspector");
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object): unknown => {
    let out: unknown;
    let error: unknown;
    // an in-process session answers synchronously
    session.post(method, params ?? {}, (err, res) => {
      error = err;
      out = res;
    });
    if (error) throw error;
    return out;
  };
  post("Profiler.enable");
  post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
  return {
    take() {
      const res = post("Profiler.takePreciseCoverage") as { result: Array<{ url: string; functions: Array<{ ranges: Array<{ startOffset: number; endOffset: number; count: number }> }> }> };
      const keys: string[] = [];
      for (const script of res.result) {
        if (!script.url.includes(scripts)) continue;
        for (const fn of script.functions) for (const r of fn.ranges) if (r.count > 0) keys.push(`${r.startOffset}:${r.endOffset}`);
      }
      return keys;
    },
  };
}

function b64(data: Uint8Array): string {
  return Buffer.from(data).toString("base64");
}

export async function fuzz(target: FuzzTarget, o: FuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(o.seed);
  const maxLen = o.maxLen ?? 16 * 1024;
  const slowMs = o.slowMs ?? 2000;
  const coverage = await v8Coverage(target.coverageScripts);
  const seen = new Set<string>();
  const corpus: Uint8Array[] = [];
  const findings: FuzzReport["findings"] = [];
  const foundMessages = new Set<string>();
  let execs = 0;
  let targetMs = 0;
  let coverageMs = 0;

  const exec = (data: Uint8Array): boolean => {
    execs++;
    const t0 = performance.now();
    try {
      target.run(data);
    } catch (err) {
      const kind = findingKind(err);
      const message = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : String(err).slice(0, 300);
      const key = `${kind}:${message.replace(/\d+/g, "N")}`;
      if (!foundMessages.has(key)) {
        foundMessages.add(key);
        findings.push({ kind, message, input: b64(data) });
      }
    }
    const ms = performance.now() - t0;
    targetMs += ms;
    if (ms > slowMs) {
      const key = "slow";
      if (!foundMessages.has(key)) {
        foundMessages.add(key);
        findings.push({ kind: "slow", message: `one input took ${Math.round(ms)} ms`, input: b64(data) });
      }
    }
    if (!coverage) return false;
    let fresh = false;
    const c0 = performance.now();
    for (const k of coverage.take()) {
      if (!seen.has(k)) {
        seen.add(k);
        fresh = true;
      }
    }
    coverageMs += performance.now() - c0;
    return fresh;
  };

  // the seeds first: each that reaches new blocks is kept
  for (const s of o.seeds) if (exec(s) || !coverage) corpus.push(s);
  if (corpus.length === 0) corpus.push(new Uint8Array(0));
  const deadline = performance.now() + o.seconds * 1000;
  while (performance.now() < deadline && findings.length < (o.maxFindings ?? 20)) {
    const parent = rng.pick(corpus);
    const child = mutate(parent, rng.pick(corpus), rng, maxLen);
    if (exec(child) && coverage) corpus.push(child);
    else if (!coverage && rng.chance(0.01)) corpus.push(child);
  }
  return { target: target.name, coverage: coverage ? "v8-precise-block" : "none", seed: o.seed, execs, corpus: corpus.length, features: seen.size, targetMs: Math.round(targetMs), coverageMs: Math.round(coverageMs), findings };
}
