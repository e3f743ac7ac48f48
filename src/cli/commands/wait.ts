/** `kitten wait [svc...]`: block until the services' containers exit; print each exit code; exit with the first non-zero one. */
import { defineCommand } from "citty";
import { projectArgs } from "../args.ts";
import { engineDeps, projectName } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { waitServices } from "../../engine/orchestrate/project-api.ts";

export default defineCommand({
  meta: { name: "wait", description: "wait for a project's containers to stop and print their exit codes" },
  args: { ...projectArgs, services: { type: "positional", required: false, description: "services (default: all)" } },
  async run({ args, rawArgs }) {
    const reporter = cliReporter();
    const project = await projectName(rawArgs, args, reporter);
    const codes = await waitServices({ project, services: args._.map(String) }, engineDeps(reporter));
    for (const [name, code] of Object.entries(codes)) process.stdout.write(`${name} ${code}\n`);
    return Object.values(codes).find((c) => c !== 0) ?? 0;
  },
});
