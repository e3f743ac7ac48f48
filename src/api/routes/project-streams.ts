/**
 * A project's streams and reports: combined logs of all (or some) services (resumable), its
 * events, CPU and memory samples, and the diagnosis of failing services — `kitten logs -p`,
 * `events -p`, `stats -p` and `diagnose -p` over HTTP.
 */
import { silentReporter } from "../../core/reporter.ts";
import { parseTimeArg } from "../../engine/orchestrate/log-time.ts";
import type { ApiContext } from "../context.ts";
import { param, queryBool, queryInt, queryList } from "../http.ts";
import { logsResponse } from "../log-stream.ts";
import { eventsResponse } from "./events.ts";
import { requireProject, requireService } from "../project-views.ts";
import { DiagnosisSchema, EventListSchema, LogLineListSchema, UsageListSchema } from "../schemas.ts";
import type { Routes } from "../spec.ts";
import { sseResponse, wantsEventStream } from "../sse.ts";

export const LOG_QUERY = [
  { name: "follow", type: "boolean" as const, description: "keep streaming new lines (server-sent events; resumable with Last-Event-ID)" },
  { name: "tail", type: "integer" as const, description: "lines per container from the end (default: all)" },
  { name: "since", type: "string" as const, description: "lines since a time (RFC 3339) or a duration ago (10m)" },
];

export function projectStreamRoutes(routes: Routes, ctx: ApiContext): void {
  routes.add(
    {
      method: "get",
      path: "/v1/projects/{name}/logs",
      summary: "the combined logs of a project's services, each line with its service and container",
      tag: "projects",
      query: [...LOG_QUERY, { name: "services", type: "string", list: true, description: "only these services" }],
      responses: { 200: { description: "lines as JSON, or with follow / Accept: text/event-stream as events", schema: LogLineListSchema } },
    },
    async (c) => {
      const p = requireProject(ctx, param(c, "name"));
      const services = queryList(c, "services");
      for (const s of services) requireService(p, s);
      const follow = queryBool(c, "follow") ?? false;
      const tail = queryInt(c, "tail", 0, 1_000_000);
      const since = parseTimeArg(c.req.query("since"), "?since");
      return logsResponse(c, ctx, follow, follow || wantsEventStream(c), (o, onLine) =>
        ctx.engine.logs({ project: p.name, services, ...o, ...(tail === undefined ? {} : { tail }), ...(since ? { since } : {}) }, { paths: ctx.paths }, onLine),
      );
    },
  );

  routes.add(
    {
      method: "get",
      path: "/v1/projects/{name}/events",
      summary: "a project's container events (create, start, die, health_status, restart…)",
      tag: "projects",
      query: [
        { name: "follow", type: "boolean", description: "keep streaming (server-sent events; resumable with Last-Event-ID)" },
        { name: "tail", type: "integer", description: "only the last N past events (default 100)" },
      ],
      responses: { 200: { description: "events as JSON, or as server-sent events", schema: EventListSchema } },
    },
    (c) => eventsResponse(c, ctx, requireProject(ctx, param(c, "name")).name),
  );

  routes.add(
    {
      method: "get",
      path: "/v1/projects/{name}/stats",
      summary: "CPU and memory per running container, sampled from /proc (`kitten stats`)",
      tag: "projects",
      query: [
        { name: "stream", type: "boolean", description: "keep sampling (server-sent events, one sample per event)" },
        { name: "interval", type: "integer", description: "milliseconds per sample (200–60000, default 2000)" },
      ],
      responses: { 200: { description: "one sample as JSON, or a stream of them", schema: UsageListSchema } },
    },
    async (c) => {
      const p = requireProject(ctx, param(c, "name"));
      const intervalMs = queryInt(c, "interval", 200, 60_000) ?? 2000;
      const stream = queryBool(c, "stream") ?? wantsEventStream(c);
      if (!stream) return c.json(await ctx.engine.stats({ project: p.name, intervalMs: Math.min(intervalMs, 1000) }, { paths: ctx.paths }));
      return sseResponse(c, ctx.pingMs, async (sink) => {
        while (!sink.signal.aborted) {
          const usage = await ctx.engine.stats({ project: p.name, intervalMs }, { paths: ctx.paths });
          if (!sink.signal.aborted) sink.send({ data: JSON.stringify({ time: new Date().toISOString(), usage }) });
        }
      });
    },
  );

  routes.add(
    {
      method: "get",
      path: "/v1/projects/{name}/diagnose",
      summary: "why containers failed or keep restarting: cause, evidence, fix (`kitten diagnose`)",
      tag: "projects",
      query: [{ name: "services", type: "string", list: true, description: "only these services (default: every failing one)" }],
      responses: { 200: { description: "the diagnosis (no containers: nothing is failing)", schema: DiagnosisSchema } },
    },
    async (c) => {
      const p = requireProject(ctx, param(c, "name"));
      const services = queryList(c, "services");
      for (const s of services) requireService(p, s);
      return c.json(await ctx.engine.diagnose({ project: p.name, services, deps: ctx.deps(silentReporter) }));
    },
  );
}
