/**
 * The composition root of the project commands: which project a command means (`-p`, else
 * the loaded file's name) and the engine dependencies wired once (paths, reporter, supervisor
 * launcher; images, namespace/network preparation and teardown join when those land).
 */
import { kittenPaths } from "../core/paths.ts";
import type { Reporter } from "../core/reporter.ts";
import { loadProject } from "../engine/compose/index.ts";
import type { ProjectEngineDeps } from "../engine/orchestrate/project-api.ts";
import { launchSupervisorProcess } from "../engine/supervisor/process.ts";
import { Images } from "../engine/image/resolver.ts";
import { stopNamespace } from "../net/namespace/index.ts";
import { removeNetworkPlan, saveNetworkPlan } from "../net/plan-store.ts";
import { projectOptions } from "./args.ts";

export function engineDeps(reporter: Reporter, cwd?: string): ProjectEngineDeps {
  const paths = kittenPaths();
  return {
    paths,
    reporter,
    launch: launchSupervisorProcess(paths),
    images: new Images({ paths, reporter, ...(cwd ? { cwd } : {}) }),
    // subnets, internal flags and ipam of the project's networks, read by the CNI attacher
    prepare: async (project) => {
      for (const message of saveNetworkPlan(paths.data, project).warnings) reporter.emit({ type: "warning", message });
    },
    // the namespace goes with the project; everything in it (bridges, mounts, processes) dies with it
    teardown: async (project) => {
      await stopNamespace(paths, project);
      removeNetworkPlan(paths.data, project);
    },
  };
}

/** `-p NAME`, or the name of the project the compose files in reach describe. */
export async function projectName(rawArgs: string[], args: { "project-name"?: string; "project-directory"?: string }, reporter: Reporter): Promise<string> {
  if (args["project-name"]) return args["project-name"];
  const { project } = await loadProject({ ...projectOptions(rawArgs, args), reporter });
  return project.name;
}

/** `-t SECONDS` as milliseconds. */
export function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : undefined;
}
