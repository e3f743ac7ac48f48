/** Reading projects for the routes: summaries from the store, a project that must exist, its applied config. */
import type { Project } from "../engine/compose/model.ts";
import { checkName, checkProjectName, quoteName } from "../core/names.ts";
import { silentReporter } from "../core/reporter.ts";
import type { ApiContext } from "./context.ts";
import { ApiError } from "./http.ts";
import { containerView, projectSummary } from "./status.ts";
import type { ContainerView, ProjectSummary } from "./schemas.ts";

/** Every project, straight from the store (no supervisor is asked: listing stays one read). */
export function listSummaries(ctx: ApiContext): ProjectSummary[] {
  const store = ctx.store();
  return store.listProjects().map((p) => projectSummary({ ...p, config: store.getProject(p.name)?.config }, store.listContainers(p.name)));
}

export interface KnownProject {
  name: string;
  workingDir: string;
  configFiles: string[];
  config?: Project;
}

/** The project by name, or 404 (a bad name is a 400 first: names become paths). */
export function requireProject(ctx: ApiContext, name: string): KnownProject {
  checkProjectName(name, "the URL");
  const store = ctx.store();
  const rec = store.getProject(name);
  if (rec) return { name, workingDir: rec.workingDir, configFiles: rec.configFiles, config: rec.config as Project };
  if (store.listContainers(name).length > 0) return { name, workingDir: "", configFiles: [] };
  throw new ApiError(404, "no_such_project", `no such project: "${name}"`, "GET /v1/projects lists the projects");
}

/** The project's containers as `kitten ps -a -p NAME` sees them (its supervisor is asked, started if it died). */
export async function projectContainers(ctx: ApiContext, p: KnownProject): Promise<ContainerView[]> {
  const rows = await ctx.engine.ps({ project: p.name, all: true }, ctx.deps(silentReporter));
  return rows.map((c) => containerView(c, p.config));
}

export function summaryOf(ctx: ApiContext, p: KnownProject, containers: ContainerView[]): ProjectSummary {
  return projectSummary(p, containers);
}

export function requireService(p: KnownProject, service: string): string {
  checkName("service", service, "the request");
  if (p.config && !(service in p.config.services)) {
    throw new ApiError(404, "no_such_service", `project "${p.name}" has no service ${quoteName(service)}`, `its services are: ${Object.keys(p.config.services).join(", ")}`);
  }
  return service;
}
