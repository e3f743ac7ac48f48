/**
 * Go-style durations, as compose reads (time.ParseDuration) and prints them (compose-go's
 * types.Duration trims a trailing "0s" / "0m": 90s → "1m30s", 1h → "1h", 500ms → "500ms").
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds of a Go duration string, or undefined when it is not one ("10s", "1m30s", "1.5h", "0"). */
export function parseDurationNs(text: string): number | undefined {
  const s = text.trim();
  if (s === "0" || s === "+0" || s === "-0") return 0;
  if (s === "") return undefined;
  let rest = s;
  let sign = 1;
  if (rest[0] === "-" || rest[0] === "+") {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "") return undefined;
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

/** Go's time.Duration.String() with compose-go's trimming of zero minute/second suffixes. */
export function formatDurationNs(ns: number): string {
  if (ns === 0) return "0s";
  const neg = ns < 0;
  let n = Math.abs(Math.round(ns));
  let out: string;
  if (n < 1e9) {
    // sub-second: the largest unit that keeps an integer part, like Go
    if (n < 1e3) out = `${n}ns`;
    else if (n < 1e6) out = `${trimFraction(n / 1e3)}µs`;
    else out = `${trimFraction(n / 1e6)}ms`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const secs = `${trimFraction(n / 1e9)}s`;
    out = h > 0 ? `${h}h${m}m${secs}` : m > 0 ? `${m}m${secs}` : secs;
    if (out.endsWith("m0s")) out = out.slice(0, -2);
    if (out.endsWith("h0m")) out = out.slice(0, -2);
  }
  return neg ? `-${out}` : out;
}

function trimFraction(value: number): string {
  return String(Number(value.toFixed(9)));
}

/** Normalizes a duration string to compose's printed form; undefined when it is not a duration. */
export function normalizeDuration(text: string): string | undefined {
  const ns = parseDurationNs(text);
  return ns === undefined ? undefined : formatDurationNs(ns);
}

/** Milliseconds of a normalized duration string (for the supervisor and healthchecks). */
export function durationMs(text: string): number {
  const ns = parseDurationNs(text);
  if (ns === undefined) throw new Error(`not a duration: ${text}`);
  return ns / 1e6;
}
