/**
 * Server-sent events (html.spec.whatwg.org, "Server-sent events"): `id:` lines so a reconnecting
 * EventSource sends Last-Event-ID and the stream resumes where it was; `: ping` comments keep idle
 * streams from being dropped by proxies and by Bun's own idle timeout (turned off per request, as
 * bun.sh/guides/http/sse says); `X-Accel-Buffering: no` and no compression, since buffering
 * proxies stall event streams (amir20/dozzle#3015). A client that stops reading is cut off once
 * 64 MiB are queued; it reconnects and resumes from its last id, so nothing is lost.
 */
import type { Context } from "hono";
import type { AppEnv } from "./guards.ts";
import { errorBody } from "./http.ts";

export interface SseEvent {
  id?: string | number;
  event?: string;
  /** one data line each (a string with newlines is split into several data lines) */
  data: string | string[];
}

export interface SseSink {
  send(e: SseEvent): void;
  readonly signal: AbortSignal;
}

const MAX_QUEUED = 64 << 20;

/** After a stream ends, a full collection once things are quiet: a long log stream leaves tens of
 * MB of garbage that would otherwise stay resident in an idle server (measured in bench/api). */
let gcTimer: ReturnType<typeof setTimeout> | undefined;
function collectSoon(): void {
  clearTimeout(gcTimer);
  gcTimer = setTimeout(() => Bun.gc(true), 2000);
  gcTimer.unref?.();
}
const encoder = new TextEncoder();

export function wantsEventStream(c: Context): boolean {
  return (c.req.header("accept") ?? "").includes("text/event-stream");
}

export function formatEvent(e: SseEvent): string {
  let out = "";
  if (e.event) out += `event: ${e.event}\n`;
  const lines = (Array.isArray(e.data) ? e.data : [e.data]).flatMap((d) => d.split("\n"));
  for (const line of lines) out += `data: ${line}\n`;
  if (e.id !== undefined) out += `id: ${e.id}\n`;
  return `${out}\n`;
}

/** The Last-Event-ID a reconnecting client sent (or ?lastEventId= for clients that cannot set headers). */
export function lastEventId(c: Context): string | undefined {
  return c.req.header("last-event-id") ?? c.req.query("lastEventId");
}

export function sseResponse(c: Context<AppEnv>, pingMs: number, run: (sink: SseSink) => Promise<void>): Response {
  c.env?.server?.timeout(c.req.raw, 0);
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  c.req.raw.signal.addEventListener("abort", onClientGone);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    c.req.raw.signal.removeEventListener("abort", onClientGone);
    abort.abort();
    try {
      controller.close();
    } catch {}
    collectSoon();
  };
  const write = (text: string) => {
    if (closed) return;
    if ((controller.desiredSize ?? 0) < -MAX_QUEUED) return close();
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      close();
    }
  };
  const ping = setInterval(() => write(": ping\n\n"), pingMs);
  const stream = new ReadableStream<Uint8Array>({
    start(ctrl) {
      controller = ctrl;
      ctrl.enqueue(encoder.encode("retry: 2000\n\n"));
      run({ send: (e) => write(formatEvent(e)), signal: abort.signal })
        .catch((err: unknown) => write(formatEvent({ event: "error", data: JSON.stringify(errorBody(err).body) })))
        .finally(close);
    },
    cancel() {
      close();
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      Connection: "keep-alive",
    },
  });
}
