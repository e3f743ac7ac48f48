/**
 * The shape the service verbs share (stop, start, restart, kill, pause, unpause, rm): positionals
 * resolved by the one target resolver — services of the project found the compose way (all of
 * them when none is named), or, docker-style, containers by name — then one engine call each.
 * A project's containers always go through its supervisor, so a user stop is never undone by a
 * restart policy; a plain `kitten run` container goes to the runtime directly.
 */
import { InvalidInputError } from "../core/errors.ts";
import { kittenPaths } from "../core/paths.ts";
import { projectOfContainer, serviceCommand, type ServiceCommandOptions } from "../engine/orchestrate/project-api.ts";
import type { ServiceAction } from "../engine/orchestrate/lifecycle.ts";
import { engineDeps } from "./project-context.ts";
import { cliReporter } from "./render/reporter.ts";
import { cliTarget } from "./target.ts";

export type VerbOptions = Pick<ServiceCommandOptions, "timeoutMs" | "signal" | "stop" | "noDeps">;

export async function runServiceVerb(action: ServiceAction, names: string[], o: VerbOptions): Promise<number> {
  const reporter = cliReporter();
  const target = await cliTarget("optional", { names, fallback: "container", reporter });
  if (!target.project && names.length === 0) {
    throw new InvalidInputError(`${action}: no compose file here or above, and no container named`, {
      code: "bad_usage",
      hint: `kitten ${action} <container>…, or name the project: kitten -f compose.yaml ${action} / kitten -p <project> ${action}`,
    });
  }
  if (target.project && (target.services.length > 0 || target.containers.length === 0)) {
    // a compose file was found: a project kitten never ran has nothing to act on, as in compose
    const acted = await serviceCommand(action, { project: target.project, services: target.services, ifKnown: target.loaded !== undefined, ...o }, engineDeps(reporter));
    process.stdout.write(acted.map((n) => `${n}\n`).join(""));
  }
  if (target.containers.length > 0) await containersVerb(action, target.containers, o);
  return 0;
}

/** The verb on containers named docker-style: through their project's supervisor, or the runtime. */
export async function containersVerb(action: ServiceAction, names: string[], o: VerbOptions): Promise<void> {
  const paths = kittenPaths();
  const byProject = new Map<string, string[]>();
  const loose: string[] = [];
  for (const name of names) {
    const project = projectOfContainer(name, { paths });
    if (project) byProject.set(project, [...(byProject.get(project) ?? []), name]);
    else loose.push(name);
  }
  const reporter = cliReporter();
  for (const [project, containers] of byProject) {
    const acted = await serviceCommand(action, { project, containers, ...o }, engineDeps(reporter));
    process.stdout.write(acted.map((n) => `${n}\n`).join(""));
  }
  if (loose.length === 0) return;
  const { containerRuntime } = await import("./container-runtime.ts");
  const rt = containerRuntime();
  const namespaces = new Set(loose.flatMap((n) => rt.store.find(n)?.project ?? []));
  for (const name of loose) {
    switch (action) {
      case "stop":
        await rt.stop(name, { timeoutMs: o.timeoutMs ?? 10_000 });
        break;
      case "start":
        await rt.start(name);
        break;
      case "restart":
        await rt.stop(name, { timeoutMs: o.timeoutMs ?? 10_000 });
        await rt.start(name);
        break;
      case "kill":
        await rt.kill(name, (o.signal ?? "KILL").replace(/^SIG/i, "").toUpperCase());
        break;
      case "pause":
        await rt.pause(name);
        break;
      case "unpause":
        await rt.unpause(name);
        break;
      case "rm":
        // docker rm -f: kill and remove a running container
        await rt.remove(name, { force: o.stop === true });
        break;
    }
    process.stdout.write(`${name}\n`);
  }
  // `kitten run`'s "default" namespace goes once nothing runs in it any more
  if (namespaces.has("default") && (action === "rm" || action === "stop" || action === "kill")) await rt.releaseIfIdle("default");
}
