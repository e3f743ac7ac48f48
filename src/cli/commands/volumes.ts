/**
 * `kitten volumes [SERVICE...]` (docker compose volumes): the volumes of the project — with its
 * file, those its services use (named, external and their anonymous ones); with `-p NAME` and no
 * file in reach, those the project made. The project is found by the one target resolver, so the
 * global flags (-f, -p, …) work before or after the verb.
 */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget, requireProject } from "../target.ts";
import { volumeTable } from "./volume.ts";

export default defineCommand({
  meta: { name: "volumes", description: "list the volumes of a project (docker compose volumes)" },
  args: {
    quiet: { type: "boolean", alias: "q", description: "only the names" },
    format: { type: "string", description: "table (default) or json", default: "table" },
    services: { type: "positional", required: false, description: "SERVICE… (default: all)" },
  },
  async run({ args }) {
    const fmt = args.format;
    if (fmt !== "table" && fmt !== "json") throw new InvalidInputError(`unsupported format "${fmt}"`, { code: "bad_flag", hint: "use --format table or --format json" });
    const target = await cliTarget("optional", { names: args._.map(String), reporter: cliReporter() });
    const project = requireProject(target, "volumes");
    const { projectVolumes } = await import("../../engine/volume/project-volumes.ts");
    // `-p NAME` alone works from any directory: the volumes the project made, by label
    if (!target.loaded && target.services.length > 0) throw new InvalidInputError("naming services needs the project's compose file", { code: "bad_usage", hint: "run it in the project directory or pass -f" });
    const volumes = target.loaded ? projectVolumes(kittenPaths(), project, { model: target.loaded.project, services: target.services }) : projectVolumes(kittenPaths(), project);
    if (fmt === "json") process.stdout.write(`${JSON.stringify(volumes, null, 2)}\n`);
    else if (args.quiet) process.stdout.write(volumes.map((v) => `${v.name}\n`).join(""));
    else process.stdout.write(volumeTable(volumes));
    return 0;
  },
});
