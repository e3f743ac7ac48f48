/**
 * `kitten wait SERVICE…`: docker compose wait — block until the services' containers exit, print
 * each exit code, exit with the first one (--down-project: then take the project down).
 */
import { defineCommand } from "citty";
import { engineDeps } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget, requireProject } from "../target.ts";
import { down, waitServices } from "../../engine/orchestrate/project-api.ts";

export default defineCommand({
  meta: { name: "wait", description: "wait for services' containers to stop and print their exit codes" },
  args: {
    "down-project": { type: "boolean", description: "take the project down once the containers stopped" },
    services: { type: "positional", required: false, description: "SERVICE… (default: all)" },
  },
  async run({ args }) {
    const reporter = cliReporter();
    const target = await cliTarget("optional", { names: args._.map(String), reporter });
    const project = requireProject(target, "wait");
    const deps = engineDeps(reporter);
    const codes = await waitServices({ project, services: target.services }, deps);
    for (const [name, code] of Object.entries(codes)) process.stdout.write(`${name} ${code}\n`);
    if (args["down-project"]) await down({ project }, deps);
    return Object.values(codes)[0] ?? 0;
  },
});
