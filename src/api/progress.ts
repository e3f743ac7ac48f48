/**
 * A long operation (up, down, pull, deploy) answered either as one JSON result, or — when the
 * client accepts text/event-stream — as the engine's events while it runs (`event: progress`, the
 * same typed events the CLI renders as spinners) followed by `event: done` with the result or
 * `event: error` with the refusal. The UI's deploy uses the stream to show a stack coming up.
 */
import type { Context } from "hono";
import { MemoryReporter, type KittenEvent, type Reporter } from "../core/reporter.ts";
import type { ApiContext } from "./context.ts";
import type { AppEnv } from "./guards.ts";
import { errorBody } from "./http.ts";
import { sseResponse, wantsEventStream } from "./sse.ts";

export async function withProgress<T extends object>(
  c: Context<AppEnv>,
  ctx: ApiContext,
  status: 200 | 201,
  work: (reporter: Reporter) => Promise<T>,
): Promise<Response> {
  if (!wantsEventStream(c)) {
    const reporter = new MemoryReporter();
    const result = await work(reporter);
    return c.json({ ...result, warnings: reporter.warnings }, status);
  }
  return sseResponse(c, ctx.pingMs, async (sink) => {
    const warnings: string[] = [];
    const reporter: Reporter = {
      emit(e: KittenEvent) {
        if (e.type === "warning") warnings.push(e.message);
        sink.send({ event: "progress", data: JSON.stringify(e) });
      },
    };
    try {
      const result = await work(reporter);
      sink.send({ event: "done", data: JSON.stringify({ ...result, warnings }) });
    } catch (err) {
      sink.send({ event: "error", data: JSON.stringify(errorBody(err).body) });
    }
  });
}
