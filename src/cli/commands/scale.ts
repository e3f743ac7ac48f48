/** `kitten scale SERVICE=N… [--no-deps]`: docker compose scale — N replicas of services, adding or removing (highest first) as needed. */
import { defineCommand } from "citty";
import { negated } from "../args.ts";
import { engineDeps } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget } from "../target.ts";
import { parseScale } from "./up.ts";
import { up } from "../../engine/orchestrate/project-api.ts";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "scale", description: "set the number of replicas of services: kitten scale web=3" },
  args: {
    "no-deps": { type: "boolean", description: "don't start the services' dependencies" },
    replicas: { type: "positional", required: false, description: "SERVICE=N…" },
  },
  async run({ args }) {
    const scale = parseScale(args._.map(String));
    if (Object.keys(scale).length === 0) throw new InvalidInputError("scale: name at least one SERVICE=N", { code: "bad_flag", hint: "e.g. kitten scale web=3" });
    const reporter = cliReporter();
    const target = await cliTarget("file", { names: Object.keys(scale), reporter });
    const loaded = target.loaded!;
    const noDeps = negated(args, "deps");
    await up({ project: loaded.project, workingDir: loaded.workingDir, configFiles: loaded.files, services: Object.keys(scale), noDeps, scale }, engineDeps(reporter, loaded.workingDir));
  },
});
