/**
 * `kitten down [-v] [--rmi local|all] [-t SECONDS] [--remove-orphans] [SERVICE…]`: docker compose
 * down — stop and remove a project's containers in reverse dependency order (stop signal, then
 * SIGKILL after the grace period), its one-off `run` containers, its supervisor, networks and
 * namespace; -v its volumes; --rmi the images its services use. Named services: only theirs.
 * With -p alone it works from any directory, from what kitten recorded of the project.
 */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import type { Project } from "../../engine/compose/model.ts";
import { down, projectConfig, serviceCommand } from "../../engine/orchestrate/project-api.ts";
import { engineDeps, timeoutMs } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget, requireProject } from "../target.ts";

export default defineCommand({
  meta: { name: "down", description: "stop and remove a project's containers, networks and namespace" },
  args: {
    volumes: { type: "boolean", alias: "v", description: "also remove the project's named and anonymous volumes" },
    rmi: { type: "string", description: "also remove images: all (every service's) or local (those without an image: name)" },
    timeout: { type: "string", alias: "t", description: "seconds to wait for each container to stop before killing it" },
    "remove-orphans": { type: "boolean", description: "also remove containers of services no longer in the file" },
    services: { type: "positional", required: false, description: "SERVICE… (default: the whole project)" },
  },
  async run({ args }) {
    if (args.rmi !== undefined && args.rmi !== "all" && args.rmi !== "local") throw new InvalidInputError(`invalid value for --rmi: "${args.rmi}"`, { code: "bad_flag", hint: "use --rmi all or --rmi local" });
    const reporter = cliReporter();
    const target = await cliTarget("optional", { names: args._.map(String), reporter });
    const project = requireProject(target, "down");
    const deps = engineDeps(reporter);
    const t = timeoutMs(args.timeout, "--timeout");
    const config: Project | undefined = target.loaded?.project ?? projectConfig(project, deps);
    if (target.services.length > 0) {
      const removed = await serviceCommand("rm", { project, services: target.services, stop: true, ifKnown: true, ...(t === undefined ? {} : { timeoutMs: t }) }, deps);
      process.stdout.write(removed.map((n) => `${n}\n`).join(""));
    } else {
      const { removed } = await down({ project, volumes: args.volumes, timeoutMs: t, removeOrphans: args["remove-orphans"] }, deps);
      if (removed.length === 0 && !target.loaded) reporter.emit({ type: "warning", message: `no resource found to remove for project "${project}"` });
    }
    if (args.rmi && config) await removeProjectImages(config, args.rmi, target.services, reporter);
    return 0;
  },
});

/** --rmi: the services' images, each a warning rather than a failure when something else still uses it (compose does the same). */
async function removeProjectImages(project: Project, mode: "all" | "local", services: string[], reporter: ReturnType<typeof cliReporter>): Promise<void> {
  const [{ removeImages }, { containerImageUse }, { kittenPaths }] = await Promise.all([
    import("../../engine/image/manage.ts"),
    import("../../engine/runtime/image-use.ts"),
    import("../../core/paths.ts"),
  ]);
  const paths = kittenPaths();
  // local: images kitten would have built for services without an image: name; every image is pulled so far
  const refs = mode === "local" ? [] : [...new Set(Object.entries(project.services).filter(([s, svc]) => (services.length === 0 || services.includes(s)) && svc.image && !svc.image.startsWith("/")).map(([, svc]) => svc.image!))];
  for (const ref of refs) {
    try {
      const r = await removeImages([ref], paths, { usedBy: containerImageUse(paths).usedBy });
      for (const u of r.untagged) process.stdout.write(`untagged: ${u}\n`);
      for (const d of r.deleted) process.stdout.write(`deleted: ${d}\n`);
    } catch (err) {
      reporter.emit({ type: "warning", message: `image ${ref} not removed: ${(err as Error).message}` });
    }
  }
}
