/**
 * `kitten stats [--no-stream] [svc...]`: CPU and memory of a project's containers, sampled from
 * /proc (rootless containers have no cgroup of their own on hosts without delegation).
 */
import { defineCommand } from "citty";
import { formatArg, projectArgs } from "../args.ts";
import { projectName } from "../project-context.ts";
import { parseFormat } from "../render/format.ts";
import { renderStats } from "../render/usage.ts";
import { cliReporter } from "../render/reporter.ts";
import { kittenPaths } from "../../core/paths.ts";
import { stats } from "../../engine/orchestrate/project-api.ts";

export default defineCommand({
  meta: { name: "stats", description: "show CPU and memory use of a project's containers" },
  args: {
    ...projectArgs,
    ...formatArg,
    "no-stream": { type: "boolean", description: "print one sample and exit" },
    services: { type: "positional", required: false, description: "services (default: all)" },
  },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const project = await projectName(rawArgs, args, cliReporter());
    // citty reads --no-stream as stream=false
    const once = args["no-stream"] || (args as { stream?: boolean }).stream === false || format === "json";
    let stop = false;
    process.once("SIGINT", () => (stop = true));
    do {
      const usage = await stats({ project, services: args._.map(String), intervalMs: once ? 500 : 1000 }, { paths: kittenPaths() });
      if (format === "json") process.stdout.write(`${JSON.stringify(usage, null, 2)}\n`);
      else process.stdout.write(`${once ? "" : "\x1b[2J\x1b[H"}${renderStats(usage)}`);
    } while (!once && !stop);
  },
});
