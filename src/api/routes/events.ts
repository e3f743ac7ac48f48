/**
 * GET /v1/events: every project's container events, as `kitten events` reads them from the event
 * log; with follow, new ones as they are appended (the engine wakes on inotify, no polling). Event
 * ids are the log's ids, so Last-Event-ID resumes exactly.
 */
import type { Context } from "hono";
import type { ProjectEvent } from "../../engine/state/project-store.ts";
import type { ApiContext } from "../context.ts";
import type { AppEnv } from "../guards.ts";
import { ApiError, queryBool, queryInt } from "../http.ts";
import { EventListSchema } from "../schemas.ts";
import type { Routes } from "../spec.ts";
import { lastEventId, sseResponse, wantsEventStream } from "../sse.ts";

/** Where to start: after Last-Event-ID, else so that the last `tail` past events come first. */
function startAfter(c: Context<AppEnv>, ctx: ApiContext, project: string | undefined): number {
  const last = lastEventId(c);
  if (last !== undefined) {
    const n = Number(last);
    if (!Number.isSafeInteger(n) || n < 0) throw new ApiError(400, "bad_last_event_id", "Last-Event-ID must be an event id");
    return n;
  }
  const tail = queryInt(c, "tail", 0, 10_000) ?? 100;
  const past = ctx.store().listEvents(project ? { project } : {});
  if (tail === 0) return past.at(-1)?.id ?? 0;
  return past.length > tail ? past[past.length - tail - 1]!.id : 0;
}

export async function eventsResponse(c: Context<AppEnv>, ctx: ApiContext, project: string | undefined): Promise<Response> {
  const follow = queryBool(c, "follow") ?? false;
  const afterId = startAfter(c, ctx, project);
  if (!follow && !wantsEventStream(c)) {
    const out: ProjectEvent[] = [];
    await ctx.engine.events({ ...(project ? { project } : {}), afterId }, { paths: ctx.paths }, (e) => out.push(e));
    return c.json(out);
  }
  return sseResponse(c, ctx.pingMs, (sink) =>
    ctx.engine.events({ ...(project ? { project } : {}), afterId, follow, signal: sink.signal, pollMs: 5000 }, { paths: ctx.paths }, (e) => sink.send({ id: e.id, data: JSON.stringify(e) })),
  );
}

export function eventRoutes(routes: Routes, ctx: ApiContext): void {
  routes.add(
    {
      method: "get",
      path: "/v1/events",
      summary: "container events of every project",
      tag: "events",
      query: [
        { name: "follow", type: "boolean", description: "keep streaming (server-sent events; resumable with Last-Event-ID)" },
        { name: "tail", type: "integer", description: "only the last N past events (default 100)" },
      ],
      responses: { 200: { description: "events as JSON, or as server-sent events", schema: EventListSchema } },
    },
    (c) => eventsResponse(c, ctx, undefined),
  );
}
