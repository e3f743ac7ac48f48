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
  load: () => Promise<{ default: CommandDef<any> }>;
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
  { name: "start", group: "project", description: "start a project's stopped containers", load: () => import("./commands/start.ts") },
  { name: "restart", group: "project", description: "restart a project's containers", load: () => import("./commands/restart.ts") },
  { name: "pause", group: "project", description: "pause a project's containers", load: () => import("./commands/pause.ts") },
  { name: "unpause", group: "project", description: "unpause a project's containers", load: () => import("./commands/unpause.ts") },
  { name: "ls", group: "project", description: "list projects", load: () => import("./commands/ls.ts") },
  { name: "events", group: "project", description: "show a project's container events (--follow keeps printing)", load: () => import("./commands/events.ts") },
  { name: "wait", group: "project", description: "wait for a project's containers to stop and print their exit codes", load: () => import("./commands/wait.ts") },
  { name: "top", group: "project", description: "show the processes of a project's containers", load: () => import("./commands/top.ts") },
  { name: "stats", group: "project", description: "show CPU and memory use of a project's containers", load: () => import("./commands/stats.ts") },
  { name: "scale", group: "project", description: "set the number of replicas of services: kitten scale web=3", load: () => import("./commands/scale.ts") },
  { name: "doctor", group: "system", description: "check host prerequisites and print the fix for each problem", load: () => import("./commands/doctor.ts") },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
