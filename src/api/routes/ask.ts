/**
 * The plain-English page's API. POST /v1/ask drafts a project from a request (the LLM when one is
 * configured, else the offline drafter — `kitten ask`'s own draftRequest) and returns the YAML, the
 * start order, the drafter's notes and warnings, the problems that would block a deploy, and what
 * would change in a running project; nothing is deployed. POST /v1/ask/deploy takes the reviewed
 * (maybe edited) YAML, checks it with the same rules a draft obeys, and starts it.
 */
import { PROJECT_NAME_RE } from "../../core/names.ts";
import { draftProblems, renderDraft, startLevels } from "../../ai/draft.ts";
import type { Project } from "../../engine/compose/model.ts";
import type { ApiContext } from "../context.ts";
import { deploy, parseDocument } from "../deploy.ts";
import { projectDiff } from "../diff.ts";
import { ApiError, jsonBody } from "../http.ts";
import { requireProject } from "../project-views.ts";
import { withProgress } from "../progress.ts";
import { AskRequestSchema, DeployDraftSchema, DraftSchema, UpResultSchema } from "../schemas.ts";
import type { Routes } from "../spec.ts";
import { MemoryReporter } from "../../core/reporter.ts";
import { containerView } from "../status.ts";

/** A readable free name from the services: "web-db", then "web-db-2"… */
function nameFor(project: Project, taken: (name: string) => boolean): string {
  const base =
    startLevels(project)
      .flat()
      .reverse()
      .slice(0, 3)
      .join("-")
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .replace(/^[^a-z0-9]+/, "")
      .slice(0, 40) || "stack";
  const name = PROJECT_NAME_RE.test(base) ? base : "stack";
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : `${name}-${i}`;
    if (!taken(candidate)) return candidate;
  }
}

/** The draft under its final name: networks and volumes the loader named `<draft>_<key>` follow it. */
function renamed(project: Project, name: string): Project {
  if (project.name === name) return project;
  const rename = <T extends { name?: string }>(items: Record<string, T>) =>
    Object.fromEntries(Object.entries(items).map(([key, v]) => [key, v.name === `${project.name}_${key}` ? { ...v, name: `${name}_${key}` } : v]));
  return { ...project, name, networks: rename(project.networks), volumes: rename(project.volumes) };
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export function askRoutes(routes: Routes, ctx: ApiContext): void {
  routes.add(
    {
      method: "post",
      path: "/v1/ask",
      summary: "draft a project from plain English (nothing is deployed)",
      tag: "ask",
      body: { schema: AskRequestSchema },
      responses: { 200: { description: "the draft, its start order, warnings, problems and its diff against a running project", schema: DraftSchema } },
    },
    async (c) => {
      const body = await jsonBody(c, ctx, AskRequestSchema);
      const editing = body.project ? requireProject(ctx, body.project) : undefined;
      const reporter = new MemoryReporter();
      const draft = await ctx.engine.draft(body.request, { projectName: editing?.name ?? "draft", ...(editing?.config ? { existing: editing.config } : {}), ...(body.offline ? { offline: true } : {}), reporter });
      const name = editing?.name ?? nameFor(draft.project, (n) => ctx.store().getProject(n) !== undefined);
      const project = renamed(draft.project, name);
      const against = editing?.config;
      return c.json({
        project,
        yaml: renderDraft(project, "yaml"),
        source: draft.source,
        summary: draft.summary,
        warnings: [...draft.warnings, ...reporter.warnings],
        problems: draftProblems(project),
        levels: startLevels(project),
        ...(against ? { diff: projectDiff(against, project) } : {}),
        cli: `kitten ask ${shellQuote(body.request)}${editing ? ` -p ${name}` : ""}`,
      });
    },
  );

  routes.add(
    {
      method: "post",
      path: "/v1/ask/deploy",
      summary: "deploy a reviewed draft (with Accept: text/event-stream, progress events then `done`)",
      tag: "ask",
      body: { schema: DeployDraftSchema },
      responses: { 201: { description: "started", schema: UpResultSchema } },
    },
    async (c) => {
      const body = await jsonBody(c, ctx, DeployDraftSchema);
      const { project } = parseDocument(body.yaml, { mediaType: "application/yaml", cwd: ctx.cwd, ...(body.name ? { name: body.name } : {}) });
      const problems = draftProblems(project);
      if (problems.length) throw new ApiError(400, "invalid_draft", problems[0]!, problems.length > 1 ? `and ${problems.length - 1} more: ${problems.slice(1).join("; ")}` : undefined);
      return withProgress(c, ctx, 201, async (reporter) => {
        const r = await deploy(ctx, project, { reporter });
        return { project: project.name, plan: r.plan, containers: r.containers.map((x) => containerView(x, project)) };
      });
    },
  );
}
