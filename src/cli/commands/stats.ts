/**
 * `kitten stats [--no-stream] [SERVICE…]`: CPU and memory of a project's containers, sampled from
 * /proc (rootless containers have no cgroup of their own on hosts without delegation).
 */
import { defineCommand } from "citty";
import { negated } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { renderStats } from "../render/usage.ts";
import { cliTarget, containersByProject } from "../target.ts";
import { noProject } from "./top.ts";
import { kittenPaths } from "../../core/paths.ts";
import type { ContainerUsage } from "../../engine/orchestrate/proc-stats.ts";
import { stats } from "../../engine/orchestrate/project-api.ts";

export default defineCommand({
  meta: { name: "stats", description: "show CPU and memory use of a project's containers" },
  args: {
    "no-stream": { type: "boolean", description: "print one sample and exit" },
    "no-trunc": { type: "boolean", description: "accepted for compatibility: names are never cut" },
    format: { type: "string", description: "output format: table (text) or json", default: "table" },
    services: { type: "positional", required: false, description: "SERVICE… (default: all; or CONTAINER…)" },
  },
  async run({ args }) {
    const format = parseFormat(args.format === "table" ? "text" : args.format, ["text", "json"]);
    const target = await cliTarget("name", { names: args._.map(String), fallback: "container" });
    if (!target.project && target.containers.length === 0) throw noProject("stats");
    const paths = kittenPaths();
    const once = negated(args, "stream") || format === "json";
    let stop = false;
    process.once("SIGINT", () => (stop = true));
    do {
      const usage: ContainerUsage[] = [];
      const interval = once ? 500 : 1000;
      if (target.project && (target.services.length > 0 || target.containers.length === 0)) usage.push(...(await stats({ project: target.project, services: target.services, intervalMs: interval }, { paths })));
      for (const [project, containers] of containersByProject(target.containers)) usage.push(...(await stats({ project, containers, intervalMs: interval }, { paths })));
      if (format === "json") process.stdout.write(`${JSON.stringify(usage, null, 2)}\n`);
      else process.stdout.write(`${once ? "" : "\x1b[2J\x1b[H"}${renderStats(usage)}`);
    } while (!once && !stop);
  },
});
