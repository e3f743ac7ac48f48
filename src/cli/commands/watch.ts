/**
 * `kitten watch [--no-up] [--quiet] [SERVICE…]`: docker compose watch — start the services (unless
 * --no-up), then sync, restart or exec in them as their develop.watch paths change, until Ctrl-C.
 */
import { defineCommand } from "citty";
import { statSync } from "node:fs";
import { kittenPaths } from "../../core/paths.ts";
import { silentReporter } from "../../core/reporter.ts";
import { serviceCommand, up } from "../../engine/orchestrate/project-api.ts";
import { watchedServices, watchProject } from "../../engine/orchestrate/watch.ts";
import { copyToContainer, removeInContainer } from "../../engine/runtime/copy.ts";
import { openStateDb } from "../../engine/state/db.ts";
import { ProjectStore } from "../../engine/state/project-store.ts";
import { containerRuntime } from "../container-runtime.ts";
import { negated } from "../args.ts";
import { engineDeps } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget } from "../target.ts";

export default defineCommand({
  meta: { name: "watch", description: "sync, restart or exec in services as their files change (develop.watch)" },
  args: {
    "no-up": { type: "boolean", description: "don't start the services first" },
    quiet: { type: "boolean", description: "don't print what is synced or restarted" },
    prune: { type: "boolean", description: "remove dangling images left by rebuilds (default true)", default: true },
    services: { type: "positional", required: false, description: "SERVICE… (default: every service with develop.watch)" },
  },
  async run({ args }) {
    const reporter = cliReporter();
    const target = await cliTarget("file", { names: args._.map(String), reporter });
    const loaded = target.loaded!;
    const project = loaded.project;
    const services = watchedServices(project, target.services);
    const deps = engineDeps(reporter, loaded.workingDir);
    if (!negated(args, "up")) await up({ project, workingDir: loaded.workingDir, configFiles: loaded.files, services }, deps);
    const rt = containerRuntime();
    const store = new ProjectStore(openStateDb(kittenPaths()));
    const running = (service: string) => store.listContainers(project.name).filter((c) => c.service === service && c.status === "running").map((c) => c.name);
    const abort = new AbortController();
    process.once("SIGINT", () => abort.abort());
    process.once("SIGTERM", () => abort.abort());
    await watchProject({
      project,
      services,
      reporter: args.quiet ? silentReporter : reporter,
      signal: abort.signal,
      effects: {
        async sync(service, host, path) {
          const dir = statSync(host).isDirectory();
          for (const c of running(service)) await copyToContainer(rt, c, dir ? `${host}/.` : host, path, { parents: true });
        },
        async remove(service, path) {
          for (const c of running(service)) await removeInContainer(rt, c, path);
        },
        async restart(service) {
          await serviceCommand("restart", { project: project.name, services: [service] }, deps);
        },
        async rebuild(service) {
          const before = new Set(store.listContainers(project.name).filter((c) => c.service === service).flatMap((c) => rt.store.find(c.name)?.imageId ?? []));
          // compose: build the image again, then recreate the service (its new image id changes its hash)
          await up({ project, workingDir: loaded.workingDir, configFiles: loaded.files, services: [service], noDeps: true, build: "always" }, deps);
          if (negated(args, "prune")) return;
          // --prune (default): the image the rebuild replaced goes, when nothing names or uses it any more
          const [{ removeImages, listImages }, { containerImageUse }] = await Promise.all([import("../../engine/image/manage.ts"), import("../../engine/runtime/image-use.ts")]);
          const named = new Set(listImages().filter((i) => i.tag !== "<none>").map((i) => i.id));
          for (const id of before) {
            if (named.has(id)) continue;
            await removeImages([id], kittenPaths(), { usedBy: containerImageUse(kittenPaths()).usedBy }).catch(() => {});
          }
        },
        async exec(service, e) {
          const env = Object.fromEntries(Object.entries(e.environment ?? {}).flatMap(([k, v]) => (v === null ? [] : [[k, v]])));
          for (const c of running(service)) {
            const r = await rt.exec(c, e.command, { env, ...(e.user ? { user: e.user } : {}), ...(e.working_dir ? { workingDir: e.working_dir } : {}) });
            process.stdout.write(r.stdout);
            process.stderr.write(r.stderr);
          }
        },
      },
    });
    return 0;
  },
});
