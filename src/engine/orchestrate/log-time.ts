/**
 * Times given to --since / --until, as docker compose takes them: an RFC 3339 timestamp
 * (2026-01-02T13:23:37Z, or a date 2026-01-02), Unix seconds (1700000000), or a duration
 * ago (42m, 1h30m). Returned as an ISO string, comparable with log and event timestamps.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { parseDurationNs } from "../compose/duration.ts";

export function parseTimeArg(value: string | undefined, flag: string, now = Date.now()): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return new Date(Number(value) * 1000).toISOString();
  const ns = parseDurationNs(value);
  if (ns !== undefined && /[a-zµμ]$/.test(value)) return new Date(now - ns / 1e6).toISOString();
  const t = Date.parse(value);
  if (!Number.isNaN(t) && /^\d{4}-\d{2}-\d{2}/.test(value)) return new Date(t).toISOString();
  throw new InvalidInputError(`${flag}: "${value}" is not a timestamp or a duration`, {
    code: "bad_flag",
    hint: `use an RFC 3339 time (2026-01-02T13:23:37Z), Unix seconds, or a duration ago (10m)`,
  });
}

/**
 * Compares RFC 3339 timestamps with nanosecond fractions (conmon writes 2026-01-02T13:23:37.123456789Z,
 * events use milliseconds): normalized to a fixed-width UTC form so string order is time order.
 */
export function timeKey(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (!m) return rfc3339;
  const frac = (m[2] ?? "").padEnd(9, "0").slice(0, 9);
  if (m[3] === "Z") return `${m[1]}.${frac}Z`;
  const base = new Date(`${m[1]}${m[3]}`).toISOString().slice(0, 19);
  return `${base}.${frac}Z`;
}
