/** `kitten scale svc=N [svc=N...] [--no-deps]`: run N replicas of services, adding or removing (highest first) as needed. */
import { defineCommand } from "citty";
import { projectArgs, projectOptions } from "../args.ts";
import { engineDeps } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { parseScale } from "./up.ts";
import { loadProject } from "../../engine/compose/index.ts";
import { up } from "../../engine/orchestrate/project-api.ts";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "scale", description: "set the number of replicas of services: kitten scale web=3" },
  args: {
    ...projectArgs,
    "no-deps": { type: "boolean", description: "do not start the services' dependencies" },
    replicas: { type: "positional", required: false, description: "service=N pairs" },
  },
  async run({ args, rawArgs }) {
    const scale = parseScale(args._.map(String));
    if (Object.keys(scale).length === 0) throw new InvalidInputError("scale: name at least one service=N", { code: "bad_flag", hint: "e.g. kitten scale web=3" });
    const reporter = cliReporter();
    const loaded = await loadProject({ ...projectOptions(rawArgs, args), reporter });
    const noDeps = args["no-deps"] || (args as { deps?: boolean }).deps === false;
    await up(
      { project: loaded.project, workingDir: loaded.workingDir, configFiles: loaded.files, services: Object.keys(scale), noDeps, scale },
      engineDeps(reporter),
    );
  },
});
