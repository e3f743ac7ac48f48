/**
 * `kitten config`: load and validate a project, print it in canonical form (the long form of
 * `docker compose config`), as YAML (default) or JSON; `--services` lists the service names,
 * `--quiet` only validates. Loader warnings go to stderr as `warning: ...`.
 */
import { defineCommand } from "citty";
import { projectArgs, projectOptions } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { cliReporter } from "../render/reporter.ts";
import { loadProject, toCanonicalJson, toComposeYaml } from "../../engine/compose/index.ts";

export default defineCommand({
  meta: { name: "config", description: "validate a project and print it in canonical form" },
  args: {
    ...projectArgs,
    format: { type: "string", description: "output format: yaml or json", default: "yaml" },
    services: { type: "boolean", description: "print the service names, one per line" },
    quiet: { type: "boolean", alias: "q", description: "only validate; print nothing" },
  },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format, ["yaml", "json"]);
    const usesStdin = projectOptions(rawArgs, args).files.includes("-");
    const { project } = await loadProject({
      ...projectOptions(rawArgs, args),
      stdin: usesStdin ? await Bun.stdin.text() : undefined,
      reporter: cliReporter(),
    });
    if (args.quiet) return;
    if (args.services) process.stdout.write(Object.keys(project.services).map((s) => `${s}\n`).join(""));
    else process.stdout.write(format === "json" ? toCanonicalJson(project) : toComposeYaml(project));
  },
});
