/** /v1/containers: the containers of every project (`kitten ps -a`), one inspected, one's logs. */
import type { Project } from "../../engine/compose/model.ts";
import { checkName } from "../../core/names.ts";
import type { ApiContext } from "../context.ts";
import { ApiError, param, queryBool, queryInt } from "../http.ts";
import { logsResponse } from "../log-stream.ts";
import { ContainerListSchema, ContainerSchema, LogLineListSchema } from "../schemas.ts";
import type { Routes } from "../spec.ts";
import { wantsEventStream } from "../sse.ts";
import { containerView } from "../status.ts";
import { requireProject } from "../project-views.ts";
import { parseTimeArg } from "../../engine/orchestrate/log-time.ts";
import { LOG_QUERY } from "./project-streams.ts";

export function containerRoutes(routes: Routes, ctx: ApiContext): void {
  const config = (project: string) => ctx.store().getProject(project)?.config as Project | undefined;
  const find = (name: string) => {
    const rec = ctx.store().getContainer(checkName("container", name, "the URL"));
    if (!rec) throw new ApiError(404, "no_such_container", `no such container: "${name}"`, "GET /v1/containers lists them");
    return rec;
  };

  routes.add(
    {
      method: "get",
      path: "/v1/containers",
      summary: "the containers of every project (or one), as the supervisors last recorded them",
      tag: "containers",
      query: [{ name: "project", type: "string", description: "only this project's containers" }],
      responses: { 200: { description: "the containers", schema: ContainerListSchema } },
    },
    (c) => {
      const only = c.req.query("project");
      const projects = only ? [requireProject(ctx, only).name] : ctx.store().listProjects().map((p) => p.name);
      return c.json(
        projects.flatMap((p) => {
          const applied = config(p); // once per project, not per container
          return ctx.store().listContainers(p).map((x) => containerView(x, applied));
        }),
      );
    },
  );

  routes.add(
    { method: "get", path: "/v1/containers/{name}", summary: "one container: state, exit code, restarts, health log, ports", tag: "containers", responses: { 200: { description: "the container", schema: ContainerSchema } } },
    (c) => {
      const rec = find(param(c, "name"));
      return c.json(containerView(rec, config(rec.project)));
    },
  );

  routes.add(
    {
      method: "get",
      path: "/v1/containers/{name}/logs",
      summary: "one container's output (`kitten logs`)",
      tag: "containers",
      query: LOG_QUERY,
      responses: { 200: { description: "lines as JSON, or with follow / Accept: text/event-stream as events", schema: LogLineListSchema } },
    },
    async (c) => {
      const rec = find(param(c, "name"));
      const follow = queryBool(c, "follow") ?? false;
      const tail = queryInt(c, "tail", 0, 1_000_000);
      const since = parseTimeArg(c.req.query("since"), "?since");
      // the project's log reader, narrowed to this container's service and then to the container itself
      return logsResponse(c, ctx, follow, follow || wantsEventStream(c), (o, onLine) =>
        ctx.engine.logs(
          { project: rec.project, services: [rec.service], ...o, ...(tail === undefined ? {} : { tail }), ...(since ? { since } : {}) },
          { paths: ctx.paths },
          (l) => {
            if (l.container === rec.name) onLine(l);
          },
        ),
      );
    },
  );
}
