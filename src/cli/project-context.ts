/**
 * The composition root of the project commands: the engine dependencies wired once (paths,
 * reporter, supervisor launcher, the image store, namespace teardown). Heavy modules (the compose
 * loader, the image store, the namespace code) load only when used, so `ps -p` and `ls` stay quick.
 */
import { InvalidInputError } from "../core/errors.ts";
import { kittenPaths } from "../core/paths.ts";
import type { Reporter } from "../core/reporter.ts";
import type { ImageResolver } from "../engine/image/types.ts";
import type { ProjectEngineDeps } from "../engine/orchestrate/project-api.ts";
import { launchSupervisorProcess } from "../engine/supervisor/process.ts";
import { cliTarget } from "./target.ts";

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
    // the namespace goes with the project; everything in it (bridges, mounts, processes) dies with it.
    // One-off `run` containers go first: left behind, they would be records of containers whose
    // namespace is gone (docker compose keeps them until --remove-orphans, docker/compose#10806)
    teardown: async (project) => {
      const { oneOffRecords } = await import("../engine/orchestrate/one-off.ts");
      const leftovers = oneOffRecords(project, { paths });
      if (leftovers.length > 0) {
        const { containerRuntime } = await import("./container-runtime.ts");
        const rt = containerRuntime();
        for (const r of leftovers) await rt.remove(r.id, { force: true });
      }
      const { stopNamespace } = await import("../net/namespace/index.ts");
      const { removeNetworkPlan } = await import("../net/plan-store.ts");
      await stopNamespace(paths, project);
      removeNetworkPlan(paths.data, project);
    },
  };
}

/** The project this invocation means (-p, COMPOSE_PROJECT_NAME, or the compose file in reach). */
export async function projectName(_rawArgs: string[] = [], _args: unknown = {}, reporter?: Reporter): Promise<string> {
  const target = await cliTarget("optional", { ...(reporter ? { reporter } : {}) });
  if (target.project) return target.project;
  throw new InvalidInputError("no compose file found here or in the directories above", { code: "no_config", hint: "pass one with -f <file>, or name the project with -p <name>" });
}

/** `-t SECONDS` as milliseconds (undefined when not given). */
export function timeoutMs(value: string | undefined, flag = "--timeout"): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === "") throw new InvalidInputError(`${flag} must be a number of seconds, not "${value}"`, { code: "bad_flag" });
  return Math.round(n * 1000);
}

/** `--wait-timeout`: compose's non-negative integer of seconds; 0 or absent is no limit. */
export function waitSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new InvalidInputError("--wait-timeout must be a non-negative integer", { code: "bad_flag" });
  return Number(value) || undefined;
}
