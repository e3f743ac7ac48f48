/** The planner's entry points: load a project and plan it (`up --dry-run`, later `up`). */
import { MemoryReporter, silentReporter } from "../../core/reporter.ts";
import { loadProject, type LoadedProject, type LoadOptions } from "../compose/index.ts";
import { planProject, type Plan, type PlanOptions } from "./plan.ts";

export { planProject, containerNames, type Plan, type PlanOptions, type ServicePlan } from "./plan.ts";
export { dependencyLevels, reverseLevels } from "./graph.ts";

/** Loads the project (reporting the loader's warnings once) and plans it. */
export async function planUp(load: LoadOptions, options: PlanOptions = {}): Promise<Plan> {
  const { project } = await loadForServices(load, options.services ?? []);
  return planProject(project, options);
}

/**
 * Loads the project with the profiles of the services named on the command line enabled:
 * compose starts a service targeted by name even when its profile is not active
 * (compose-spec profiles: "services explicitly targeted ... are enabled").
 */
export async function loadForServices(load: LoadOptions, services: string[]): Promise<LoadedProject> {
  const events = new MemoryReporter();
  let loaded = await loadProject({ ...load, reporter: events });
  const missing = services.filter((s) => !Object.hasOwn(loaded.project.services, s));
  if (missing.length > 0) {
    const all = await loadProject({ ...load, profiles: ["*"], reporter: silentReporter });
    const extra = missing.flatMap((s) => all.project.services[s]?.profiles ?? []);
    if (extra.length > 0) {
      events.events.length = 0;
      loaded = await loadProject({ ...load, profiles: [...activeProfiles(load), ...extra], reporter: events });
    }
  }
  const reporter = load.reporter ?? silentReporter;
  for (const event of events.events) reporter.emit(event);
  return loaded;
}

/** The profiles the loader would enable: --profile, else COMPOSE_PROFILES. */
function activeProfiles(load: LoadOptions): string[] {
  if (load.profiles && load.profiles.length > 0) return load.profiles;
  const env = load.env ?? process.env;
  return (env.COMPOSE_PROFILES ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}
