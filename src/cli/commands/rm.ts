/** `kitten rm [-f] <container…>` — removes containers and everything they left behind. */
import { defineCommand } from "citty";
import { containerRuntime } from "../container-runtime.ts";
import { isProjectMode, runProjectVerb, viaSupervisor } from "../project-views.ts";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "rm", description: "remove containers (-f: running ones too)" },
  args: {
    container: { type: "positional", description: "container names or ids (project mode: services)", required: false },
    force: { type: "boolean", alias: "f", description: "kill and remove running containers" },
    // project mode (issue #6): a project's stopped containers (-s: stop running ones first)
    "project-name": { type: "string", alias: "p", description: "remove a project's stopped containers" },
    file: { type: "string", description: "the project of this compose file (project mode)" },
    stop: { type: "boolean", alias: "s", description: "project mode: stop running containers first" },
  },
  async run({ args, rawArgs }) {
    if (isProjectMode(args)) return runProjectVerb("rm", args, rawArgs, { stop: args.stop === true || args.force === true });
    const names = args._.map(String);
    if (names.length === 0) throw new InvalidInputError("rm: name a container, or a project with -p");
    const handled = await viaSupervisor("rm", names, { stop: args.force === true });
    const rt = containerRuntime();
    for (const name of names.filter((n) => !handled.includes(n))) {
      await rt.remove(name, { force: args.force === true });
      process.stdout.write(`${name}\n`);
    }
    return 0;
  },
});
