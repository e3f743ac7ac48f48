/**
 * The engine dependencies of project commands, wired once for every front end (the CLI's
 * commands, `kitten serve`'s routes, the AI's deployer): paths, reporter, supervisor launcher,
 * the image store, network planning and namespace teardown. Heavy modules (the image store, the
 * namespace code) load only when used, so `ps -p` and `ls` stay quick.
 */
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { ImageResolver } from "../image/types.ts";
import type { ProjectEngineDeps } from "./project-api.ts";
import { launchSupervisorProcess } from "../supervisor/process.ts";

/** `cwd`: where relative image directories ("./rootfs") resolve */
export function engineDeps(reporter: Reporter, cwd?: string, paths: KittenPaths = kittenPaths()): ProjectEngineDeps {
  let images: Promise<ImageResolver> | undefined;
  return {
    paths,
    reporter,
    launch: launchSupervisorProcess(paths),
    images: {
      async resolve(ref, options) {
        images ??= import("../image/resolver.ts").then(({ Images }) => new Images({ paths, reporter, ...(cwd ? { cwd } : {}) }));
        return (await images).resolve(ref, options);
      },
    },
    // networks are planned (subnets that overlap nothing else kitten runs) before any container
    prepare: async (project) => {
      const { saveNetworkPlan } = await import("../../net/plan-store.ts");
      for (const message of saveNetworkPlan(paths.data, project).warnings) reporter.emit({ type: "warning", message });
    },
    // ps without a supervisor: the runtime's view, read-only (a dead agent is started: a helper)
    observe: async (project) => {
      const [{ RootlessRuntime }, { RuntimeImages }, { cniAttacher }, { tcpForwarderFromEnv }, { readNamespace }] = await Promise.all([
        import("../runtime/rootless-runtime.ts"),
        import("../runtime/image-source.ts"),
        import("../../net/attacher.ts"),
        import("../runtime/published-ports.ts"),
        import("../../net/namespace/index.ts"),
      ]);
      const ns = readNamespace(paths, project);
      const quiet: Reporter = { emit: () => {} };
      const runtime = new RootlessRuntime({
        paths,
        images: new RuntimeImages({ paths, reporter: quiet }),
        reporter: quiet,
        network: cniAttacher({ dataDir: paths.data }),
        forwarder: tcpForwarderFromEnv(),
      });
      return { states: await runtime.list({ project }), namespaceGone: ns !== undefined && !ns.alive };
    },
    // the namespace goes with the project; everything in it (bridges, mounts, processes) dies with it
    teardown: async (project) => {
      const { stopNamespace } = await import("../../net/namespace/index.ts");
      const { removeNetworkPlan } = await import("../../net/plan-store.ts");
      await stopNamespace(paths, project);
      removeNetworkPlan(paths.data, project);
      // the project's cgroups (runtime/cgroups.ts), empty now that its containers are gone
      const { cgroupSupport, projectCgroup, removeProjectCgroups } = await import("../runtime/cgroups.ts");
      const { namespaceLayout } = await import("../../net/namespace/layout.ts");
      const { readFileSync } = await import("node:fs");
      const left = removeProjectCgroups(readFileSync("/proc/self/mountinfo", "utf8"), projectCgroup(cgroupSupport(), project, namespaceLayout(paths, project).runtimeDir));
      if (left.length > 0) reporter.emit({ type: "warning", message: `project "${project}": cgroups still in use, left in place: ${left.join(", ")}` });
      // the files `kube play` wrote for the project's ConfigMaps and Secrets
      (await import("../kube/play/index.ts")).removePlayFiles(paths, project);
    },
  };
}
