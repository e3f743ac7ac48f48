/** `kitten ps [-a] [--format json]` — containers with their live status. */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { isProjectMode, runProjectPs } from "../project-views.ts";
import type { ContainerRow } from "../../engine/runtime/listing.ts";

export default defineCommand({
  meta: { name: "ps", description: "list containers (running ones; -a for all)" },
  args: {
    all: { type: "boolean", alias: "a", description: "show stopped containers too" },
    project: { type: "string", description: "only this project's containers" },
    ...formatArg,
    // project mode (issue #6): compose-style listing of a project's services
    "project-name": { type: "string", alias: "p", description: "a project's containers with service, health and restarts" },
    file: { type: "string", alias: "f", description: "the project of this compose file (project mode)" },
    services: { type: "boolean", description: "project mode: print the service names" },
    status: { type: "string", description: "project mode: only containers in these states (running,exited,…)" },
  },
  async run({ args, rawArgs }) {
    if (isProjectMode(args)) return runProjectPs(args, rawArgs);
    // loaded here, not at the top: project mode does not need the container runtime
    const { containerRuntime } = await import("../container-runtime.ts");
    const { listContainers } = await import("../../engine/runtime/listing.ts");
    const rows = await listContainers(containerRuntime(), { all: args.all === true, project: args.project });
    if (args.format === "json") {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(table(rows));
    return 0;
  },
});

function table(rows: ContainerRow[]): string {
  const head = ["CONTAINER ID", "IMAGE", "COMMAND", "STATUS", "PORTS", "NAMES"];
  const body = rows.map((r) => [
    r.id.slice(0, 12),
    r.image.length > 30 ? `…${r.image.slice(-29)}` : r.image,
    JSON.stringify(r.command.length > 20 ? `${r.command.slice(0, 19)}…` : r.command),
    r.statusText,
    r.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(", "),
    r.name,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd()).join("\n") + "\n";
}
