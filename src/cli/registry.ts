/**
 * Every command of the CLI, grouped for `kitten --help`, each loaded lazily so `--help` and
 * `--version` never import the engine (STYLE.md: nuxi-style lazy subcommands).
 * A command module's default export is a citty CommandDef; the composition root (main.ts) checks
 * its flags and hands it the global ones.
 */
import type { CommandDef } from "citty";

export type CommandGroup = "project" | "containers" | "images" | "ai" | "system" | "internal";

export interface CommandEntry {
  name: string;
  group: CommandGroup;
  description: string;
  aliases?: string[];
  /** a docker compose verb: listed by `kitten compose --help` */
  compose?: boolean;
  /**
   * the command parses its own argv (and refuses unknown flags itself): the composition root
   * passes it what follows the verb untouched, and only a leading --help means help. A module
   * that exports `flags` (run, exec) has its flags checked, and the globals after the verb taken,
   * by the root instead.
   */
  ownArgs?: boolean;
  /**
   * the module's default export is a citty command; a docker-style one (run, exec) also exports
   * `flags` (its FlagTable: flags end at the first positional) and `usage`
   */
  load: () => Promise<{ default: CommandDef<any>; usage?: string }>;
  /** the module `kitten compose <name>` runs when it differs (run: a one-off of a service, not docker run) */
  composeLoad?: () => Promise<{ default: CommandDef<any>; usage?: string }>;
}

export const GROUP_TITLES: Record<Exclude<CommandGroup, "internal">, string> = {
  project: "Project commands",
  containers: "Container commands",
  images: "Image commands",
  ai: "Plain English",
  system: "System",
};

export const COMMANDS: CommandEntry[] = [
  { name: "config", group: "project", compose: true, description: "validate a project and print it in canonical form", load: () => import("./commands/config.ts") },
  { name: "up", group: "project", compose: true, description: "create and start a project's containers (--dry-run prints the plan)", load: () => import("./commands/up.ts") },
  { name: "down", group: "project", compose: true, description: "stop and remove a project's containers, networks and namespace", load: () => import("./commands/down.ts") },
  { name: "create", group: "project", compose: true, description: "create a project's containers without starting them", load: () => import("./commands/create.ts") },
  { name: "start", group: "project", compose: true, description: "start stopped containers, or a project's services", load: () => import("./commands/start.ts") },
  { name: "restart", group: "project", compose: true, description: "restart a project's services, or containers", load: () => import("./commands/restart.ts") },
  { name: "pause", group: "project", compose: true, description: "pause a project's services, or containers", load: () => import("./commands/pause.ts") },
  { name: "unpause", group: "project", compose: true, description: "unpause a project's services, or containers", load: () => import("./commands/unpause.ts") },
  { name: "ls", group: "project", compose: true, description: "list running projects (-a: all)", load: () => import("./commands/ls.ts") },
  { name: "events", group: "project", compose: true, description: "stream a project's container events", load: () => import("./commands/events.ts") },
  { name: "wait", group: "project", compose: true, description: "wait for services' containers to stop and print their exit codes", load: () => import("./commands/wait.ts") },
  { name: "top", group: "project", compose: true, description: "show the processes of a project's containers", load: () => import("./commands/top.ts") },
  { name: "stats", group: "project", compose: true, description: "show CPU and memory use of a project's containers", load: () => import("./commands/stats.ts") },
  { name: "scale", group: "project", compose: true, description: "set the number of replicas of services: kitten scale web=3", load: () => import("./commands/scale.ts") },
  { name: "attach", group: "project", compose: true, description: "attach to a service's running container output", load: () => import("./commands/attach.ts") },
  { name: "cp", group: "project", compose: true, description: "copy files between a service's container and the host", load: () => import("./commands/cp.ts") },
  { name: "watch", group: "project", compose: true, description: "sync, restart or rebuild services as their files change (develop.watch)", load: () => import("./commands/watch.ts") },
  { name: "ask", group: "ai", description: "draft a project from plain English, review it, then save or deploy it", load: () => import("./commands/ask.ts") },
  { name: "diagnose", group: "ai", description: "explain why containers failed or keep restarting, or a build failed: cause, evidence, fix", load: () => import("./commands/diagnose.ts") },
  { name: "pull", group: "images", compose: true, description: "pull images: a project's services', or references", load: () => import("./commands/pull.ts") },
  { name: "images", group: "images", compose: true, description: "list a project's images, or all local images", load: () => import("./commands/images.ts") },
  { name: "image", group: "images", description: "manage images: inspect, import, load, ls, prune, rm", load: () => import("./commands/image.ts") },
  { name: "rmi", group: "images", description: "remove local images", load: () => import("./commands/rmi.ts") },
  { name: "login", group: "images", description: "store credentials for a registry", load: () => import("./commands/login.ts") },
  { name: "logout", group: "images", description: "remove stored credentials for a registry", load: () => import("./commands/logout.ts") },
  { name: "push", group: "images", compose: true, description: "push an image to a registry", load: () => import("./commands/push.ts") },
  { name: "tag", group: "images", description: "give a local image another name", load: () => import("./commands/tag.ts") },
  { name: "save", group: "images", description: "save images to a tar archive (docker-archive or oci)", load: () => import("./commands/save.ts") },
  { name: "__unpack", group: "internal", description: "unpack image layers inside the user namespace", load: () => import("./commands/__unpack.ts") },
  { name: "run", group: "containers", compose: true, description: "run a container (docker run); `kitten compose run SERVICE` runs a one-off of a service", load: () => import("./commands/run.ts"), composeLoad: () => import("./commands/compose-run.ts") },
  { name: "exec", group: "containers", compose: true, description: "run a command in a service's (or a named) running container", load: () => import("./commands/exec.ts") },
  { name: "logs", group: "containers", compose: true, description: "print services' (or a container's) output", load: () => import("./commands/logs.ts") },
  { name: "port", group: "containers", compose: true, description: "print the host address a service's (or a container's) port is published on", load: () => import("./commands/port.ts") },
  { name: "ps", group: "containers", compose: true, description: "list a project's containers, or all containers", load: () => import("./commands/ps.ts") },
  { name: "stop", group: "containers", compose: true, description: "stop services, or containers", load: () => import("./commands/stop.ts") },
  { name: "kill", group: "containers", compose: true, description: "send a signal to services' (or named) containers", load: () => import("./commands/kill.ts") },
  { name: "rm", group: "containers", compose: true, description: "remove services' stopped containers, or containers", load: () => import("./commands/rm.ts") },
  { name: "__agent", group: "internal", description: "in-namespace agent", load: () => import("./commands/__agent.ts") },
  { name: "__cleanup", group: "internal", description: "auto-remove an exited container", load: () => import("./commands/__cleanup.ts") },
  { name: "__supervise", group: "internal", description: "a project's supervisor", load: () => import("./commands/__supervise.ts") },
  { name: "__portfwd", group: "internal", description: "forward published TCP ports", load: () => import("./commands/__portfwd.ts") },
  { name: "__cp", group: "internal", description: "copy files in or out of a container, inside its namespace", load: () => import("./commands/__cp.ts") },
  { name: "__ns-down", group: "internal", description: "stop a project namespace", load: () => import("./commands/__ns-down.ts") },
  { name: "volume", group: "containers", description: "manage volumes: create, ls, inspect, rm, prune", ownArgs: true, load: () => import("./commands/volume.ts") },
  { name: "volumes", group: "project", compose: true, description: "list the volumes of a project", load: () => import("./commands/volumes.ts") },
  { name: "kube", group: "project", description: "Kubernetes: export a project, apply it to a cluster, play Kubernetes YAML", ownArgs: true, load: () => import("./commands/kube.ts") },
  { name: "serve", group: "system", description: "serve the Kitten API, the REST API and the web UI (unix socket; --listen adds TCP)", load: () => import("./commands/serve.ts") },
  { name: "build", group: "images", compose: true, ownArgs: true, description: "build an image from a Dockerfile, or a project's services", load: () => import("./commands/build.ts") },
  { name: "builder", group: "images", description: "manage the build cache: prune", ownArgs: true, load: () => import("./commands/builder.ts") },
  { name: "system", group: "system", description: "system information: df (disk usage by images, containers, volumes, build cache)", ownArgs: true, load: () => import("./commands/system.ts") },
  { name: "__build-worker", group: "internal", description: "run build steps inside the rootless namespace", load: () => import("./commands/__build-worker.ts") },
  { name: "doctor", group: "system", description: "check host prerequisites and print the fix for each problem", load: () => import("./commands/doctor.ts") },
  { name: "chaos", group: "system", description: "simulate failures in a project's service and report what followed", load: () => import("./commands/chaos.ts") },
  { name: "__exited", group: "internal", description: "conmon's exit command: restart policy without a supervisor", load: () => import("./commands/__exited.ts") },
  { name: "version", group: "system", compose: true, description: "print kitten's version", load: () => import("./commands/version.ts") },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
