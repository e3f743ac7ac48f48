/**
 * `kitten volumes [SERVICE...]` (docker compose volumes): the volumes of the project — with its
 * file, those its services use (named, external and their anonymous ones); with `-p NAME` and no
 * file in reach, those the project made.
 */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { checkProjectName } from "../../core/names.ts";
import { kittenPaths } from "../../core/paths.ts";
import { bool, flagHelp, list, str, type FlagTable } from "../docker-args.ts";
import { parseInterspersed } from "../interspersed-args.ts";
import { cliReporter } from "../render/reporter.ts";
import { volumeTable } from "./volume.ts";

const FLAGS: FlagTable = {
  file: { short: "f", value: true, repeat: true, description: "compose file (repeatable)" },
  "project-name": { short: "p", value: true, description: "project name" },
  "project-directory": { value: true, description: "working directory of the project" },
  "env-file": { value: true, repeat: true, description: "environment file for interpolation (replaces .env)" },
  profile: { value: true, repeat: true, description: "enable a profile" },
  quiet: { short: "q", description: "only the names" },
  format: { value: true, description: "table (default) or json" },
};
const USAGE = "kitten volumes [OPTIONS] [SERVICE...]";

export const usage = flagHelp(USAGE, FLAGS);

export default defineCommand({
  meta: { name: "volumes", description: "list the volumes of a project (docker compose volumes)" },
  async run({ rawArgs }) {
    const { flags: f, positionals: services } = parseInterspersed(rawArgs, FLAGS, "volumes");
    const fmt = str(f.format) ?? "table";
    if (fmt !== "table" && fmt !== "json") throw new InvalidInputError(`unsupported format "${fmt}"`, { code: "bad_flag", hint: "use --format table or --format json" });
    const [{ loadProject }, { projectVolumes }] = await Promise.all([import("../../engine/compose/index.ts"), import("../../engine/volume/project-volumes.ts")]);
    const files = list(f.file);
    const name = str(f["project-name"]);
    let volumes;
    try {
      const loaded = await loadProject({
        files,
        projectName: name === undefined ? undefined : checkProjectName(name, "-p"),
        projectDirectory: str(f["project-directory"]),
        envFiles: list(f["env-file"]),
        profiles: list(f.profile).flatMap((p) => p.split(",")).filter(Boolean),
        reporter: cliReporter(),
      });
      const unknown = services.filter((s) => !loaded.project.services[s]);
      if (unknown.length > 0) throw new InvalidInputError(`no such service: ${unknown[0]}`, { code: "no_such_service", hint: `services are: ${Object.keys(loaded.project.services).join(", ")}` });
      volumes = projectVolumes(kittenPaths(), loaded.project.name, { model: loaded.project, services });
    } catch (err) {
      // `-p NAME` alone works from any directory: the volumes the project made, by label
      if (!(name && files.length === 0 && err instanceof InvalidInputError && err.code === "no_config")) throw err;
      if (services.length > 0) throw new InvalidInputError("naming services needs the project's compose file", { code: "bad_usage", hint: "run it in the project directory or pass -f" });
      volumes = projectVolumes(kittenPaths(), checkProjectName(name, "-p"));
    }
    if (fmt === "json") process.stdout.write(`${JSON.stringify(volumes, null, 2)}\n`);
    else if (bool(f.quiet)) process.stdout.write(volumes.map((v) => `${v.name}\n`).join(""));
    else process.stdout.write(volumeTable(volumes));
    return 0;
  },
});
