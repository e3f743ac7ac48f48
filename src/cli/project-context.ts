/**
 * The composition root of the project commands: which project a command means (`-p`, else
 * the loaded file's name) and the engine dependencies wired once (paths, reporter, supervisor
 * launcher, the image store, namespace teardown). Heavy modules (the compose loader, the image
 * store, the namespace code) load only when used, so `ps -p` and `ls` stay quick.
 */
import { checkProjectName } from "../core/names.ts";
import { kittenPaths } from "../core/paths.ts";
import type { Reporter } from "../core/reporter.ts";
import type { ImageResolver } from "../engine/image/types.ts";
import type { ProjectEngineDeps } from "../engine/orchestrate/project-api.ts";
import { launchSupervisorProcess } from "../engine/supervisor/process.ts";
import { projectOptions } from "./args.ts";

export function engineDeps(reporter: Reporter, cwd?: string): ProjectEngineDeps {
  const paths = kittenPaths();
  let images: Promise<ImageResolver> | undefined;
  return {
    paths,
    reporter,
    launch: launchSupervisorProcess(paths),
    images: {
      async resolve(ref, options) {
        images ??= import("../engine/image/resolver.ts").then(({ Images }) => new Images({ paths, reporter, ...(cwd ? { cwd } : {}) }));
        return (await images).resolve(ref, options);
      },
    },
    // networks are planned (subnets that overlap nothing else kitten runs) before any container
    prepare: async (project) => {
      const { saveNetworkPlan } = await import("../net/plan-store.ts");
      for (const message of saveNetworkPlan(paths.data, project).warnings) reporter.emit({ type: "warning", message });
    },
    // ps without a supervisor: the runtime's view, read-only (the agent is started if gone: a helper)
    observe: async (project) => {
      const { containerRuntime } = await import("./container-runtime.ts");
      const { readNamespace } = await import("../net/namespace/index.ts");
      const ns = readNamespace(paths, project);
      const states = await containerRuntime().list({ project });
      return { states, namespaceGone: ns !== undefined && !ns.alive };
    },
    // the namespace goes with the project; everything in it (bridges, mounts, processes) dies with it
    teardown: async (project) => {
      const { stopNamespace } = await import("../net/namespace/index.ts");
      const { removeNetworkPlan } = await import("../net/plan-store.ts");
      await stopNamespace(paths, project);
      removeNetworkPlan(paths.data, project);
    },
  };
}

/** `-p NAME`, or the name of the project the compose files in reach describe. */
export async function projectName(rawArgs: string[], args: { "project-name"?: string; "project-directory"?: string }, reporter: Reporter): Promise<string> {
  if (args["project-name"]) return checkProjectName(args["project-name"], "-p");
  const { loadProject } = await import("../engine/compose/index.ts");
  const { project } = await loadProject({ ...projectOptions(rawArgs, args), reporter });
  return project.name;
}

/** `-t SECONDS` as milliseconds. */
export function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : undefined;
}
