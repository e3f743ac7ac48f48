/**
 * Every command of the CLI, grouped for `kitten --help`, each loaded lazily so `--help` and
 * `--version` never import the engine (STYLE.md: nuxi-style lazy subcommands).
 * A command module's default export is a citty CommandDef.
 */
import type { CommandDef } from "citty";

export type CommandGroup = "project" | "containers" | "images" | "ai" | "system" | "internal";

export interface CommandEntry {
  name: string;
  group: CommandGroup;
  description: string;
  aliases?: string[];
  /** docker-style commands (run, exec) parse their own argv: only a leading --help means help,
   * since `-h` and `--help` after the image belong to the container's command */
  ownArgs?: boolean;
  load: () => Promise<{ default: CommandDef<any>; usage?: string }>;
}

export const GROUP_TITLES: Record<Exclude<CommandGroup, "internal">, string> = {
  project: "Project commands",
  containers: "Container commands",
  images: "Image commands",
  ai: "Plain English",
  system: "System",
};

export const COMMANDS: CommandEntry[] = [
  { name: "config", group: "project", description: "validate a project and print it in canonical form", load: () => import("./commands/config.ts") },
  { name: "up", group: "project", description: "create and start a project's containers (--dry-run prints the plan)", load: () => import("./commands/up.ts") },
  { name: "down", group: "project", description: "stop and remove a project's containers, networks and namespace", load: () => import("./commands/down.ts") },
  { name: "start", group: "project", description: "start stopped containers, or a project's services", load: () => import("./commands/start.ts") },
  { name: "restart", group: "project", description: "restart a project's containers", load: () => import("./commands/restart.ts") },
  { name: "pause", group: "project", description: "pause a project's containers", load: () => import("./commands/pause.ts") },
  { name: "unpause", group: "project", description: "unpause a project's containers", load: () => import("./commands/unpause.ts") },
  { name: "ls", group: "project", description: "list projects", load: () => import("./commands/ls.ts") },
  { name: "events", group: "project", description: "show a project's container events (--follow keeps printing)", load: () => import("./commands/events.ts") },
  { name: "wait", group: "project", description: "wait for a project's containers to stop and print their exit codes", load: () => import("./commands/wait.ts") },
  { name: "top", group: "project", description: "show the processes of a project's containers", load: () => import("./commands/top.ts") },
  { name: "stats", group: "project", description: "show CPU and memory use of a project's containers", load: () => import("./commands/stats.ts") },
  { name: "scale", group: "project", description: "set the number of replicas of services: kitten scale web=3", load: () => import("./commands/scale.ts") },
  { name: "ask", group: "ai", description: "draft a project from plain English, review it, then save or deploy it", load: () => import("./commands/ask.ts") },
  { name: "diagnose", group: "ai", description: "explain why containers failed or keep restarting: cause, evidence, fix", load: () => import("./commands/diagnose.ts") },
  { name: "pull", group: "images", description: "pull images from a registry", load: () => import("./commands/pull.ts") },
  { name: "images", group: "images", description: "list local images", load: () => import("./commands/images.ts") },
  { name: "image", group: "images", description: "manage images: inspect, import, load, prune, push, rm, save, tag", ownArgs: true, load: () => import("./commands/image.ts") },
  { name: "rmi", group: "images", description: "remove local images", load: () => import("./commands/rmi.ts") },
  { name: "login", group: "images", description: "store credentials for a registry", load: () => import("./commands/login.ts") },
  { name: "logout", group: "images", description: "remove stored credentials for a registry", load: () => import("./commands/logout.ts") },
  { name: "push", group: "images", description: "push an image to a registry", load: () => import("./commands/push.ts") },
  { name: "tag", group: "images", description: "give a local image another name", load: () => import("./commands/tag.ts") },
  { name: "save", group: "images", description: "save images to a tar archive (docker-archive or oci)", load: () => import("./commands/save.ts") },
  { name: "__unpack", group: "internal", description: "unpack image layers inside the user namespace", load: () => import("./commands/__unpack.ts") },
  { name: "run", group: "containers", description: "run a container (docker run flags)", ownArgs: true, load: () => import("./commands/run.ts") },
  { name: "exec", group: "containers", description: "run a command in a running container", ownArgs: true, load: () => import("./commands/exec.ts") },
  { name: "logs", group: "containers", description: "print a container's output", load: () => import("./commands/logs.ts") },
  { name: "port", group: "containers", description: "list a container's published ports", load: () => import("./commands/port.ts") },
  { name: "ps", group: "containers", description: "list containers", load: () => import("./commands/ps.ts") },
  { name: "stop", group: "containers", description: "stop running containers", load: () => import("./commands/stop.ts") },
  { name: "kill", group: "containers", description: "send a signal to running containers", load: () => import("./commands/kill.ts") },
  { name: "rm", group: "containers", description: "remove containers", load: () => import("./commands/rm.ts") },
  { name: "__agent", group: "internal", description: "in-namespace agent", load: () => import("./commands/__agent.ts") },
  { name: "__cleanup", group: "internal", description: "auto-remove an exited container", load: () => import("./commands/__cleanup.ts") },
  { name: "__supervise", group: "internal", description: "a project's supervisor", load: () => import("./commands/__supervise.ts") },
  { name: "__portfwd", group: "internal", description: "forward published TCP ports", load: () => import("./commands/__portfwd.ts") },
  { name: "__ns-down", group: "internal", description: "stop a project namespace", load: () => import("./commands/__ns-down.ts") },
  { name: "volume", group: "containers", description: "manage volumes: create, ls, inspect, rm, prune", ownArgs: true, load: () => import("./commands/volume.ts") },
  { name: "volumes", group: "project", description: "list the volumes of a project", ownArgs: true, load: () => import("./commands/volumes.ts") },
  { name: "kube", group: "project", description: "Kubernetes: export a project, apply it to a cluster, play Kubernetes YAML", ownArgs: true, load: () => import("./commands/kube.ts") },
  { name: "serve", group: "system", description: "serve the Kitten API, the REST API and the web UI (unix socket; --listen adds TCP)", load: () => import("./commands/serve.ts") },
  { name: "doctor", group: "system", description: "check host prerequisites and print the fix for each problem", load: () => import("./commands/doctor.ts") },
  { name: "__exited", group: "internal", description: "conmon's exit command: restart policy without a supervisor", load: () => import("./commands/__exited.ts") },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
