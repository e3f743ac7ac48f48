/**
 * `kitten down [-v] [-t SECONDS] [--remove-orphans]`: stop and remove a project's containers in
 * reverse dependency order (stop signal, then SIGKILL after the grace period), stop its
 * supervisor, tear down its networks and namespace, and with -v its named volumes.
 */
import { defineCommand } from "citty";
import { projectArgs } from "../args.ts";
import { engineDeps, projectName, timeoutMs } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { down } from "../../engine/orchestrate/project-api.ts";

export default defineCommand({
  meta: { name: "down", description: "stop and remove a project's containers, networks and namespace" },
  args: {
    ...projectArgs,
    volumes: { type: "boolean", alias: "v", description: "also remove the project's named volumes" },
    timeout: { type: "string", alias: "t", description: "seconds to wait for each container to stop before killing it" },
    "remove-orphans": { type: "boolean", description: "also remove containers of services no longer in the file" },
  },
  async run({ args, rawArgs }) {
    const reporter = cliReporter();
    const project = await projectName(rawArgs, args, reporter);
    await down(
      { project, volumes: args.volumes, timeoutMs: timeoutMs(args.timeout), removeOrphans: args["remove-orphans"] },
      engineDeps(reporter),
    );
  },
});
