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
  { name: "ask", group: "ai", description: "draft a project from plain English, review it, then save or deploy it", load: () => import("./commands/ask.ts") },
  { name: "diagnose", group: "ai", description: "explain why containers failed or keep restarting: cause, evidence, fix", load: () => import("./commands/diagnose.ts") },
  { name: "pull", group: "images", description: "pull images from a registry", load: () => import("./commands/pull.ts") },
  { name: "images", group: "images", description: "list local images", load: () => import("./commands/images.ts") },
  { name: "image", group: "images", description: "manage images: inspect, import, load, prune, rm", load: () => import("./commands/image.ts") },
  { name: "rmi", group: "images", description: "remove local images", load: () => import("./commands/rmi.ts") },
  { name: "login", group: "images", description: "store credentials for a registry", load: () => import("./commands/login.ts") },
  { name: "logout", group: "images", description: "remove stored credentials for a registry", load: () => import("./commands/logout.ts") },
  { name: "__unpack", group: "internal", description: "unpack image layers inside the user namespace", load: () => import("./commands/__unpack.ts") },
  { name: "doctor", group: "system", description: "check host prerequisites and print the fix for each problem", load: () => import("./commands/doctor.ts") },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
