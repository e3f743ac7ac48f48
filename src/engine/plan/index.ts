/** The planner's entry points: load a project and plan it (`up --dry-run`, later `up`). */
import { loadProject } from "../compose/index.ts";
import { planProject, type Plan, type PlanOptions } from "./plan.ts";

export { planProject, containerNames, type Plan, type PlanOptions, type ServicePlan } from "./plan.ts";
export { dependencyLevels, reverseLevels } from "./graph.ts";

export type LoadOptions = Parameters<typeof loadProject>[0];

/** Loads the project (reporting the loader's warnings) and plans it. */
export async function planUp(load: LoadOptions, options: PlanOptions = {}): Promise<Plan> {
  const { project } = await loadProject(load);
  return planProject(project, options);
}
