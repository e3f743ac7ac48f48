/** `kitten ls [--format json]`: the projects kitten knows, with their containers' states. */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { renderProjects } from "../render/project.ts";
import { kittenPaths } from "../../core/paths.ts";
import { listProjects } from "../../engine/orchestrate/project-api.ts";

export default defineCommand({
  meta: { name: "ls", description: "list projects" },
  args: { ...formatArg },
  async run({ args }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const projects = listProjects({ paths: kittenPaths() });
    process.stdout.write(format === "json" ? `${JSON.stringify(projects, null, 2)}\n` : renderProjects(projects));
  },
});
