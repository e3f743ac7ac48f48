/**
 * Log lines as an event stream: each event carries the lines of one read (one JSON object per
 * `data:` line) and, as its id, the position every container's log was read to. An event is only
 * dispatched whole, so a client that reconnects with Last-Event-ID gets exactly the lines after the
 * last event it saw: none twice, none lost, also across a restart of `serve`.
 */
import type { Context } from "hono";
import type { LogCursor, LogLine } from "../engine/orchestrate/logs.ts";
import type { ApiContext } from "./context.ts";
import type { AppEnv } from "./guards.ts";
import { ApiError } from "./http.ts";
import { lastEventId, sseResponse } from "./sse.ts";

export function encodeCursor(cursor: LogCursor): string {
  return Buffer.from(JSON.stringify(Object.entries(cursor).map(([name, p]) => [name, p.ino, p.offset]))).toString("base64url");
}

export function decodeCursor(id: string | undefined): LogCursor | undefined {
  if (!id) return undefined;
  try {
    const rows = JSON.parse(Buffer.from(id, "base64url").toString("utf8")) as unknown;
    if (!Array.isArray(rows)) throw new Error("not a list");
    const cursor: LogCursor = {};
    for (const row of rows) {
      if (!Array.isArray(row) || typeof row[0] !== "string" || !Number.isSafeInteger(row[1]) || !Number.isSafeInteger(row[2]) || row[2] < 0) throw new Error("bad entry");
      cursor[row[0]] = { ino: row[1], offset: row[2] };
    }
    return cursor;
  } catch {
    throw new ApiError(400, "bad_last_event_id", "Last-Event-ID is not a log position this server made", "reconnect without it to start from the tail");
  }
}

export type LogSource = (o: { follow: boolean; from?: LogCursor; signal: AbortSignal; onTick: (cursor: LogCursor) => void; readLimit?: number }, onLine: (l: LogLine) => void) => Promise<void>;

/** bytes of log file per event at most: a client far behind gets many moderate events, not one huge one */
const READ_LIMIT = 1 << 20;

/** Lines as JSON (not following), or as an event stream. */
export async function logsResponse(c: Context<AppEnv>, ctx: ApiContext, follow: boolean, stream: boolean, source: LogSource): Promise<Response> {
  if (!stream) {
    const lines: LogLine[] = [];
    await source({ follow: false, signal: c.req.raw.signal, onTick() {} }, (l) => lines.push(l));
    return c.json(lines);
  }
  const from = decodeCursor(lastEventId(c));
  return sseResponse(c, ctx.pingMs, async (sink) => {
    let batch: string[] = [];
    await source(
      {
        follow,
        ...(from ? { from } : {}),
        readLimit: READ_LIMIT,
        signal: sink.signal,
        onTick(cursor) {
          if (batch.length === 0) return;
          sink.send({ id: encodeCursor(cursor), data: batch });
          batch = [];
        },
      },
      (l) => batch.push(JSON.stringify(l)),
    );
  });
}
