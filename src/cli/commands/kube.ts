/**
 * `kitten kube export|apply|delete|play`: a project to Kubernetes and back. Dispatched here like
 * `kitten image`, so a missing or unknown subcommand is an exit-2 usage error and each
 * subcommand's --help shows its own flags (the registry entry has ownArgs).
 */
import { defineCommand, renderUsage, runCommand, type CommandDef } from "citty";
import { InvalidInputError } from "../../core/errors.ts";

const SUBCOMMANDS = {
  export: { description: "write a project as Kubernetes YAML (one object per document)", load: () => import("./kube-export.ts") },
  apply: { description: "server-side apply a project to the cluster of a kubeconfig", load: () => import("./kube-apply.ts") },
  delete: { description: "delete what kube apply created (the project's ApplySet)", load: () => import("./kube-delete.ts") },
  play: { description: "run Kubernetes YAML locally as a kitten project", load: () => import("./kube-play.ts") },
} as const;
type SubName = keyof typeof SUBCOMMANDS;

export const usage = [
  "kitten kube <command> [options]",
  "",
  "Commands:",
  ...Object.entries(SUBCOMMANDS).map(([name, c]) => `  ${name.padEnd(8)}${c.description}`),
  "",
  "Run `kitten kube <command> --help` for a command's options. docs/kubernetes.md has the mapping.",
  "",
].join("\n");

export default defineCommand({
  meta: { name: "kube", description: "Kubernetes: export a project, apply it to a cluster, play Kubernetes YAML" },
  async run({ rawArgs }) {
    const [name, ...rest] = rawArgs;
    if (!name || !(name in SUBCOMMANDS)) {
      throw new InvalidInputError(name ? `unknown kube command "${name}"` : "missing kube command", {
        code: "bad_usage",
        hint: `use one of: kitten kube ${Object.keys(SUBCOMMANDS).join("|")}`,
      });
    }
    const sub = (await SUBCOMMANDS[name as SubName].load()).default as CommandDef;
    if (rest.includes("--help") || rest.includes("-h")) {
      const text = `${await renderUsage(sub)}\n`;
      process.stdout.write(process.stdout.isTTY && !process.env.NO_COLOR ? text : text.replace(/\x1b\[[0-9;]*m/g, ""));
      return 0;
    }
    refuseUnknownFlags(name, sub, rest);
    const { result } = await runCommand(sub, { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  },
});

/** citty ignores flags it does not know; kitten refuses them (TEAM rules: an unknown flag is an error). */
export function refuseUnknownFlags(command: string, cmd: CommandDef, rawArgs: string[]): void {
  const defs = Object.entries((cmd.args ?? {}) as Record<string, { type?: string; alias?: string | string[] }>).filter(([, d]) => d.type !== "positional");
  const byName = new Map<string, { type?: string }>();
  for (const [name, d] of defs) {
    byName.set(name, d);
    for (const a of [d.alias ?? []].flat()) byName.set(a, d);
  }
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") return;
    if (!arg.startsWith("-") || arg === "-") continue;
    const bare = arg.replace(/^--?/, "").split("=")[0]!;
    const def = byName.get(bare) ?? (bare.startsWith("no-") && byName.get(bare.slice(3))?.type === "boolean" ? byName.get(bare.slice(3)) : undefined);
    if (!def) throw new InvalidInputError(`unknown flag: ${arg.split("=")[0]}`, { code: "bad_flag", hint: `kitten kube ${command} --help lists the flags` });
    if (def.type === "string" && !arg.includes("=")) i++;
  }
}
