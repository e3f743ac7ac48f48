/** `kitten top [svc...]`: the processes running in each of a project's containers. */
import { defineCommand } from "citty";
import { formatArg, projectArgs } from "../args.ts";
import { projectName } from "../project-context.ts";
import { parseFormat } from "../render/format.ts";
import { renderTop } from "../render/usage.ts";
import { cliReporter } from "../render/reporter.ts";
import { kittenPaths } from "../../core/paths.ts";
import { top } from "../../engine/orchestrate/project-api.ts";

export default defineCommand({
  meta: { name: "top", description: "show the processes of a project's containers" },
  args: { ...projectArgs, ...formatArg, services: { type: "positional", required: false, description: "services (default: all)" } },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const project = await projectName(rawArgs, args, cliReporter());
    const result = top({ project, services: args._.map(String) }, { paths: kittenPaths() });
    process.stdout.write(format === "json" ? `${JSON.stringify(result, null, 2)}\n` : renderTop(result));
  },
});
