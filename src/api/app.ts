/**
 * The API as a Hono app (honojs/hono's shape: one route file per resource, thin handlers, one
 * error handler). `createApp` is all a test needs: `app.request(path, init, { listener })` runs a
 * request through the guards and routes with no port bound; server.ts puts the same app behind
 * the unix socket and the TCP listener.
 */
import { Hono } from "hono";
import type { ApiContext } from "./context.ts";
import { guards, securityHeaders, type AppEnv } from "./guards.ts";
import { ApiError, errorBody } from "./http.ts";
import { Routes } from "./spec.ts";
import { openApiDocument } from "./openapi.ts";
import { kittenRoutes } from "./routes/kitten.ts";
import { projectRoutes } from "./routes/projects.ts";
import { projectStreamRoutes } from "./routes/project-streams.ts";
import { containerRoutes } from "./routes/containers.ts";
import { eventRoutes } from "./routes/events.ts";
import { imageRoutes } from "./routes/images.ts";
import { askRoutes } from "./routes/ask.ts";
import { sessionRoutes } from "./routes/session.ts";
import { uiRoutes } from "./routes/ui.ts";
import { HealthSchema } from "./schemas.ts";

export function createApp(ctx: ApiContext): { app: Hono<AppEnv>; routes: Routes } {
  const app = new Hono<AppEnv>();
  const routes = new Routes(app);
  app.use("*", guards(ctx));
  app.onError((err, c) => {
    const { status, body } = errorBody(err);
    if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="kitten"');
    securityHeaders(c);
    return c.json(body, status as 400);
  });
  app.notFound((c) => {
    throw new ApiError(404, "not_found", `no route ${c.req.method} ${c.req.path}`, "GET /openapi.json lists the routes");
  });

  routes.add(
    { method: "get", path: "/health", summary: "is the server up (open without credentials)", tag: "kitten", auth: false, responses: { 200: { description: "up", schema: HealthSchema } } },
    (c) => c.json({ status: "ok" as const, version: ctx.version }),
  );
  kittenRoutes(routes, ctx);
  projectRoutes(routes, ctx);
  projectStreamRoutes(routes, ctx);
  containerRoutes(routes, ctx);
  eventRoutes(routes, ctx);
  imageRoutes(routes, ctx);
  askRoutes(routes, ctx);
  sessionRoutes(routes, ctx);
  uiRoutes(routes, ctx);
  let doc: unknown;
  routes.add({ method: "get", path: "/openapi.json", summary: "this API as an OpenAPI 3.1 document", tag: "system", responses: { 200: { description: "the document", contentType: "application/json" } } }, (c) =>
    c.json((doc ??= openApiDocument(routes.specs, ctx.version)) as object),
  );
  return { app, routes };
}
