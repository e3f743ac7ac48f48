/** /v1/images: the local images (`kitten images`) and pulling one with progress (`kitten pull`). */
import type { ApiContext } from "../context.ts";
import { jsonBody } from "../http.ts";
import { withProgress } from "../progress.ts";
import { ImageListSchema, PullRequestSchema, PullResultSchema } from "../schemas.ts";
import type { Routes } from "../spec.ts";

export function imageRoutes(routes: Routes, ctx: ApiContext): void {
  routes.add(
    { method: "get", path: "/v1/images", summary: "local images", tag: "images", responses: { 200: { description: "the images", schema: ImageListSchema } } },
    async (c) => c.json(await ctx.engine.listImages(ctx.paths)),
  );

  routes.add(
    {
      method: "post",
      path: "/v1/images/pull",
      summary: "pull an image (with Accept: text/event-stream, layer progress events then `done`)",
      tag: "images",
      body: { schema: PullRequestSchema },
      responses: { 200: { description: "pulled", schema: PullResultSchema } },
    },
    async (c) => {
      const { reference, platform } = await jsonBody(c, ctx, PullRequestSchema);
      return withProgress(c, ctx, 200, async (reporter) => {
        const r = await ctx.engine.pullImage(reference, { reporter, paths: ctx.paths, ...(platform ? { platform } : {}) });
        return { ref: r.ref, id: r.id, digest: r.digest, layers: r.layers, downloaded: r.downloaded };
      });
    },
  );
}
