/**
 * The Kitten API exactly as seeds/kitten-readme.md documents it: POST /spawn (a Kitten JSON config,
 * or a compose document; answers {"id","message","status":"starting"} and starts it in the
 * background), GET /status/{id}, GET /list, POST /stop/{id}. A deployment is a project: its id is
 * the project name (deploy_<hex>, or the compose document's `name:`), so `kitten ps -p <id>` shows it.
 */
import { MemoryReporter } from "../../core/reporter.ts";
import type { ApiContext } from "../context.ts";
import { deploy, forgetDeployment, newDeploymentId, parseDocument } from "../deploy.ts";
import { ApiError, YAML_TYPES, bodyText, mediaType, param, queryInt } from "../http.ts";
import { listSummaries, projectContainers, requireProject } from "../project-views.ts";
import { DeploymentListSchema, DeploymentStatusSchema, DocumentSchema, SpawnResponseSchema, StopResponseSchema } from "../schemas.ts";
import type { Routes } from "../spec.ts";
import { projectStatus } from "../status.ts";

export function kittenRoutes(routes: Routes, ctx: ApiContext): void {
  routes.add(
    {
      method: "post",
      path: "/spawn",
      summary: "start a deployment from a Kitten JSON config (or a compose document) in the background",
      tag: "kitten",
      body: { schema: DocumentSchema, documentTypes: YAML_TYPES },
      responses: { 202: { description: "accepted: the containers are being spawned", schema: SpawnResponseSchema }, 409: { description: "that deployment is still starting" } },
    },
    async (c) => {
      const { project } = parseDocument(await bodyText(c, ctx), { mediaType: mediaType(c), cwd: ctx.cwd, fallback: newDeploymentId });
      const id = project.name;
      if (ctx.jobs.get(id)?.status === "starting") throw new ApiError(409, "starting", `deployment "${id}" is still starting`, `GET /status/${id} tells when it is up`);
      ctx.jobs.start(id, async (warn) => {
        const reporter = new MemoryReporter();
        try {
          await deploy(ctx, project, { reporter });
        } finally {
          for (const w of reporter.warnings) warn(w);
        }
      });
      return c.json({ id, message: "Containers are being spawned", status: "starting" as const }, 202);
    },
  );

  routes.add(
    { method: "get", path: "/status/{id}", summary: "a deployment's status and each container's state", tag: "kitten", responses: { 200: { description: "the deployment", schema: DeploymentStatusSchema } } },
    async (c) => {
      const id = param(c, "id");
      const job = ctx.jobs.get(id);
      if (job?.status === "starting" && !ctx.store().getProject(id)) return c.json({ id, status: "starting" as const, containers: {} });
      if (job?.status === "failed" && !ctx.store().getProject(id)) return c.json({ id, status: "failed" as const, message: job.message, warnings: job.warnings, containers: {} });
      const p = requireProject(ctx, id);
      const containers = job?.status === "starting" ? [] : await projectContainers(ctx, p);
      const status = job?.status === "starting" ? "starting" : job?.status === "failed" ? "failed" : projectStatus(containers.map((x) => x.phase));
      return c.json({
        id,
        status,
        ...(job?.message ? { message: job.message } : {}),
        ...(job?.warnings.length ? { warnings: job.warnings } : {}),
        containers: Object.fromEntries(
          containers.map((x) => [
            x.name,
            {
              name: x.name,
              service: x.service,
              status: x.status,
              phase: x.phase,
              restarts: x.restarts,
              health: x.health,
              ...(x.exitCode === undefined ? {} : { exitCode: x.exitCode }),
              ...(x.ports ? { ports: x.ports } : {}),
              ...(x.startedAt ? { startedAt: x.startedAt } : {}),
              ...(x.finishedAt ? { finishedAt: x.finishedAt } : {}),
            },
          ]),
        ),
      });
    },
  );

  routes.add(
    { method: "get", path: "/list", summary: "every deployment (every project kitten knows)", tag: "kitten", responses: { 200: { description: "the deployments", schema: DeploymentListSchema } } },
    (c) => {
      const deployments = listSummaries(ctx).map((p) => ({ id: p.name, status: ctx.jobs.get(p.name)?.status === "starting" ? ("starting" as const) : p.status, containers: p.containers.total, services: p.services }));
      return c.json({ deployments });
    },
  );

  routes.add(
    {
      method: "post",
      path: "/stop/{id}",
      summary: "stop a deployment: its containers, networks and namespace go (`kitten down`); volumes stay",
      tag: "kitten",
      query: [{ name: "timeout", type: "integer", description: "seconds to wait for containers to stop (default 10)" }],
      responses: { 200: { description: "stopped", schema: StopResponseSchema } },
    },
    async (c) => {
      const id = param(c, "id");
      const timeout = queryInt(c, "timeout", 0, 3600);
      const job = ctx.jobs.get(id);
      if (job) await job.done;
      if (!job || job.status !== "failed") requireProject(ctx, id);
      await ctx.engine.down({ project: id, ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }) }, ctx.deps(new MemoryReporter()));
      forgetDeployment(ctx.paths, id);
      ctx.jobs.forget(id);
      return c.json({ id, message: "Deployment stopped", status: "stopped" as const });
    },
  );
}
