/**
 * Bounds on what a registry can make kitten do (issue #14). A registry is a party on the network:
 * it may be slow, stop mid-body, answer with an endless or enormous body, redirect forever or
 * serve an HTML page where JSON belongs. The limits are containers/image's (skopeo, podman:
 * iolimits, after CVE-2020-1702): 4 MiB for a manifest — what docker's distribution registry
 * accepts — and for an image config, 1 MiB for a token or an error body; redirects stop after 10
 * hops as Go's HTTP client (docker's) does. Timeouts follow moby's registry client in spirit: a
 * response must start within KITTEN_REGISTRY_TIMEOUT seconds (30 by default) and a body may not
 * stall longer than that; both are retried, then reported naming the registry.
 */
import { RuntimeFailure } from "../../core/errors.ts";

export const MiB = 1024 * 1024;
export const LIMITS = {
  manifest: 4 * MiB,
  config: 4 * MiB,
  token: 1 * MiB,
  errorBody: 1 * MiB,
} as const;
export const MAX_REDIRECTS = 10;

export interface Timeouts {
  /** until the response's headers arrive */
  responseMs: number;
  /** between two chunks of a body */
  stallMs: number;
}

/** KITTEN_REGISTRY_TIMEOUT (seconds) for slow links; 30 s otherwise. */
export function registryTimeouts(env: Record<string, string | undefined> = process.env): Timeouts {
  const s = Number(env.KITTEN_REGISTRY_TIMEOUT);
  const ms = Number.isFinite(s) && s > 0 ? s * 1000 : 30_000;
  return { responseMs: ms, stallMs: ms };
}

/** A timer that fires once unless kicked in time; `stop` disarms it. */
export class Watchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    private ms: number,
    private readonly fire: () => void,
  ) {
    this.kick();
  }
  kick(ms = this.ms): void {
    this.ms = ms;
    clearTimeout(this.timer);
    this.timer = setTimeout(this.fire, ms);
    // a response read to its end by code that does not stop the dog must not keep kitten alive
    this.timer.unref?.();
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

export class TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} bytes`);
  }
}

/**
 * The body, read up to `limit` bytes: a Content-Length above it is refused before reading, and
 * a body that goes on past it is cut there (TooLarge) — never buffered whole. `onChunk` is called
 * per chunk (the request's stall watchdog).
 */
export async function readLimited(res: Response, limit: number, onChunk: () => void = () => {}): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw new TooLarge(limit);
  }
  if (!res.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onChunk();
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new TooLarge(limit);
    }
    parts.push(value);
  }
  return parts.length === 1 ? parts[0]! : new Uint8Array(Buffer.concat(parts, size));
}

/**
 * What a body that is not the JSON we wanted looks like, in a few words for an error message:
 * the registry's own error code and message when it sent the distribution-spec error JSON,
 * "an HTML page", "an empty body", or the first printable characters of plain text.
 */
export function summariseBody(bytes: Uint8Array, contentType: string | null): string {
  if (bytes.length === 0) return "an empty body";
  const text = new TextDecoder().decode(bytes.subarray(0, 64 * 1024));
  const head = text.trimStart().slice(0, 200).toLowerCase();
  if ((contentType ?? "").includes("html") || head.startsWith("<!doctype html") || head.startsWith("<html") || /^<(head|body|title)\b/.test(head)) return "an HTML page";
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = parsed.errors?.[0];
    if (first && (typeof first.code === "string" || typeof first.message === "string")) {
      return `the error ${printable([first.code, first.message].filter((x) => typeof x === "string").join(": "), 120)}`;
    }
    return "JSON that is not a registry error";
  } catch {}
  if (bytes.includes(0)) return `${bytes.length} bytes of binary data`;
  const line = printable(text.trim().split("\n")[0] ?? "", 80);
  return line ? `the text "${line}"` : "an empty body";
}

/** At most `max` characters, control characters removed, for a one-line message. */
function printable(text: string, max: number): string {
  // biome-ignore lint: control characters are what is being removed
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** The error for a body over its limit, naming the registry and what it was. */
export function tooLargeError(host: string, what: string, limit: number): RuntimeFailure {
  return new RuntimeFailure(`registry ${host}: ${what} is larger than ${limit / MiB} MiB`, {
    code: "registry_limit",
    hint: `no real image needs that much; the registry (or something in between) is broken or hostile`,
  });
}
