/**
 * /v1/projects: list, inspect, up (a compose or Kitten document), down, the service verbs on a
 * whole project or one service, scale, and the applied config. Each handler is the engine entry
 * point the matching CLI command calls (project-api.ts), nothing more.
 */
import { MemoryReporter } from "../../core/reporter.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { renderDraft } from "../../ai/draft.ts";
import type { ApiContext } from "../context.ts";
import { deploy, forgetDeployment, parseDocument } from "../deploy.ts";
import { ApiError, YAML_TYPES, bodyText, jsonBody, mediaType, param, queryBool, queryInt, queryList } from "../http.ts";
import { listSummaries, projectContainers, requireProject, requireService, summaryOf } from "../project-views.ts";
import { withProgress } from "../progress.ts";
import {
  ActionResultSchema,
  ConfigSchema,
  DocumentSchema,
  DownResultSchema,
  ProjectDetailSchema,
  ProjectListSchema,
  ScaleRequestSchema,
  ServiceActionSchema,
  UpResultSchema,
} from "../schemas.ts";
import type { Routes } from "../spec.ts";
import { containerView } from "../status.ts";
import type { ServiceAction } from "../../engine/orchestrate/lifecycle.ts";

const PULL = ["always", "missing", "never"] as const;

export function projectRoutes(routes: Routes, ctx: ApiContext): void {
  routes.add(
    { method: "get", path: "/v1/projects", summary: "every project with its status (a finished one-shot counts as done), health, restarts and ports", tag: "projects", responses: { 200: { description: "the projects", schema: ProjectListSchema } } },
    (c) => c.json(listSummaries(ctx)),
  );

  routes.add(
    {
      method: "post",
      path: "/v1/projects",
      summary: "create or update a project from a compose file or Kitten config and start it (`kitten up -d`)",
      tag: "projects",
      query: [
        { name: "name", type: "string", description: "the project name (default: the document's name:)" },
        { name: "wait", type: "boolean", description: "wait until services are running or healthy (`up --wait`)" },
        { name: "pull", type: "string", description: "always, missing (default) or never" },
      ],
      body: { schema: DocumentSchema, documentTypes: YAML_TYPES },
      responses: { 201: { description: "started (or, with Accept: text/event-stream, progress events then `done`)", schema: UpResultSchema, events: false } },
    },
    async (c) => {
      const pull = c.req.query("pull");
      if (pull !== undefined && !PULL.includes(pull as (typeof PULL)[number])) throw new ApiError(400, "bad_query", `?pull must be always, missing or never, not "${pull}"`);
      const wait = queryBool(c, "wait");
      const name = c.req.query("name");
      const { project } = parseDocument(await bodyText(c, ctx), { mediaType: mediaType(c), cwd: ctx.cwd, ...(name ? { name } : {}) });
      return withProgress(c, ctx, 201, async (reporter) => upResult(ctx, project.name, await deploy(ctx, project, { reporter, wait, ...(pull ? { pull: pull as (typeof PULL)[number] } : {}) })));
    },
  );

  routes.add(
    { method: "get", path: "/v1/projects/{name}", summary: "a project: status, containers (`kitten ps -a -p`), the applied config", tag: "projects", responses: { 200: { description: "the project", schema: ProjectDetailSchema } } },
    async (c) => {
      const p = requireProject(ctx, param(c, "name"));
      const containers = await projectContainers(ctx, p);
      return c.json({ ...summaryOf(ctx, p, containers), ...(p.config ? { config: p.config } : {}), containerList: containers });
    },
  );

  routes.add(
    {
      method: "delete",
      path: "/v1/projects/{name}",
      summary: "stop and remove a project's containers, networks and namespace (`kitten down`)",
      tag: "projects",
      query: [
        { name: "volumes", type: "boolean", description: "remove its volumes too (`down -v`)" },
        { name: "timeout", type: "integer", description: "seconds to wait for containers to stop" },
      ],
      responses: { 200: { description: "removed", schema: DownResultSchema } },
    },
    async (c) => {
      const p = requireProject(ctx, param(c, "name"));
      const volumes = queryBool(c, "volumes");
      const timeout = queryInt(c, "timeout", 0, 3600);
      await ctx.jobs.get(p.name)?.done;
      return withProgress(c, ctx, 200, async (reporter) => {
        const r = await ctx.engine.down({ project: p.name, volumes, ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }) }, ctx.deps(reporter));
        forgetDeployment(ctx.paths, p.name);
        ctx.jobs.forget(p.name);
        return { project: p.name, removed: r.removed };
      });
    },
  );

  routes.add(
    {
      method: "post",
      path: "/v1/projects/{name}/scale",
      summary: "run N replicas of services (`kitten scale web=3`)",
      tag: "projects",
      body: { schema: ScaleRequestSchema },
      responses: { 200: { description: "scaled", schema: UpResultSchema } },
    },
    async (c) => {
      const p = requireProject(ctx, param(c, "name"));
      const scale = await jsonBody(c, ctx, ScaleRequestSchema);
      if (Object.keys(scale).length === 0) throw new ApiError(400, "bad_request", "name at least one service", 'e.g. {"web": 3}');
      for (const s of Object.keys(scale)) requireService(p, s);
      if (!p.config) throw new InvalidInputError(`project "${p.name}" has no applied config to scale`);
      const config = p.config;
      return withProgress(c, ctx, 200, async (reporter) => {
        const r = await ctx.engine.up({ project: config, workingDir: p.workingDir, configFiles: p.configFiles, services: Object.keys(scale), scale }, ctx.deps(reporter));
        return upResult(ctx, p.name, r);
      });
    },
  );

  routes.add(
    { method: "get", path: "/v1/projects/{name}/config", summary: "the project as `up` last applied it, as a compose file", tag: "projects", responses: { 200: { description: "the config", schema: ConfigSchema } } },
    (c) => {
      const p = requireProject(ctx, param(c, "name"));
      if (!p.config) throw new ApiError(404, "no_config", `project "${p.name}" has no applied config`);
      return c.json({ project: p.name, yaml: renderDraft(p.config, "yaml") });
    },
  );
  // last: /{action} would otherwise take /scale
  const act = async (c: Parameters<Parameters<Routes["add"]>[1]>[0], services: string[]) => {
    const p = requireProject(ctx, param(c, "name"));
    const parsed = ServiceActionSchema.safeParse(param(c, "action"));
    if (!parsed.success) throw new ApiError(404, "no_such_action", `no action "${param(c, "action")}"`, `use one of: ${ServiceActionSchema.options.join(", ")}`);
    for (const s of services) requireService(p, s);
    const timeout = queryInt(c, "timeout", 0, 3600);
    const action = parsed.data as ServiceAction;
    const containers = await ctx.engine.serviceCommand(action, { project: p.name, services, ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }) }, ctx.deps(new MemoryReporter()));
    return c.json({ project: p.name, action: parsed.data, containers });
  };
  const actionSpec = (path: string, summary: string) => ({
    method: "post" as const,
    path,
    summary,
    tag: "projects",
    query: [{ name: "timeout", type: "integer" as const, description: "seconds to wait for containers to stop" }],
    responses: { 200: { description: "the containers acted on", schema: ActionResultSchema } },
  });
  routes.add(actionSpec("/v1/projects/{name}/services/{service}/{action}", "start, stop, restart, kill, pause or unpause one service's containers"), (c) => act(c, [param(c, "service")]));
  routes.add(actionSpec("/v1/projects/{name}/{action}", "start, stop, restart, kill, pause or unpause a project's containers (?services=a,b for some)"), (c) => act(c, queryList(c, "services")));
}

function upResult(ctx: ApiContext, name: string, r: { plan: string; containers: import("../../engine/state/project-store.ts").ContainerRecord[] }) {
  const config = ctx.store().getProject(name)?.config as import("../../engine/compose/model.ts").Project | undefined;
  return { project: name, plan: r.plan, containers: r.containers.map((x) => containerView(x, config)) };
}
