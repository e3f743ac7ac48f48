/** `kitten ls [-a] [-q] [--filter name=X] [--format json]`: docker compose ls — the running projects (all with -a). */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { listProjects } from "../../engine/orchestrate/project-api.ts";
import { parseFormat } from "../render/format.ts";
import { renderProjects } from "../render/project.ts";

export default defineCommand({
  meta: { name: "ls", description: "list running projects (-a: all)" },
  args: {
    all: { type: "boolean", alias: "a", description: "show stopped projects too" },
    quiet: { type: "boolean", alias: "q", description: "only print the names" },
    filter: { type: "string", description: "filter: name=<project>" },
    format: { type: "string", description: "output format: table (text) or json", default: "table" },
  },
  async run({ args }) {
    const format = parseFormat(args.format === "table" ? "text" : args.format, ["text", "json"]);
    let name: string | undefined;
    if (args.filter !== undefined) {
      const m = /^name=(.*)$/.exec(args.filter);
      if (!m) throw new InvalidInputError(`invalid filter '${args.filter}'`, { code: "bad_flag", hint: "ls supports --filter name=<project>" });
      name = m[1];
    }
    const projects = listProjects({ paths: kittenPaths() }, { all: args.all }).filter((p) => name === undefined || p.name.includes(name));
    if (args.quiet) process.stdout.write(projects.map((p) => `${p.name}\n`).join(""));
    else process.stdout.write(format === "json" ? `${JSON.stringify(projects, null, 2)}\n` : renderProjects(projects));
  },
});
