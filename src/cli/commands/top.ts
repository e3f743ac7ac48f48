/** `kitten top [SERVICE…]`: the processes running in each of a project's containers (docker compose top). */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { formatArg } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { renderTop } from "../render/usage.ts";
import { cliTarget, containersByProject } from "../target.ts";
import { kittenPaths } from "../../core/paths.ts";
import { top } from "../../engine/orchestrate/project-api.ts";

export default defineCommand({
  meta: { name: "top", description: "show the processes of a project's containers" },
  args: { ...formatArg, services: { type: "positional", required: false, description: "SERVICE… (default: all; or CONTAINER…)" } },
  async run({ args }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const target = await cliTarget("name", { names: args._.map(String), fallback: "container" });
    const paths = kittenPaths();
    const result = [];
    if (target.project && (target.services.length > 0 || target.containers.length === 0)) result.push(...top({ project: target.project, services: target.services }, { paths }));
    for (const [project, containers] of containersByProject(target.containers)) result.push(...top({ project, containers }, { paths }));
    if (!target.project && target.containers.length === 0) throw noProject("top");
    process.stdout.write(format === "json" ? `${JSON.stringify(result, null, 2)}\n` : renderTop(result));
  },
});

export function noProject(verb: string) {
  return new InvalidInputError(`${verb}: no compose file found here or in the directories above`, { code: "no_config", hint: "pass one with -f <file>, name the project with -p <name>, or name containers" });
}
