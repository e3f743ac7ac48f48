/** `kitten stop [-t seconds] <container…>` — stop signal, then SIGKILL after the grace period. */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { containerRuntime } from "../container-runtime.ts";
import { isProjectMode, runProjectVerb, viaSupervisor } from "../project-views.ts";

export default defineCommand({
  meta: { name: "stop", description: "stop running containers" },
  args: {
    container: { type: "positional", description: "container names or ids (project mode: services)", required: false },
    time: { type: "string", alias: "t", description: "seconds to wait before killing (default 10)" },
    // project mode (issue #6): a project's services, through its supervisor
    "project-name": { type: "string", alias: "p", description: "stop a project's services (all, or the named ones)" },
    file: { type: "string", alias: "f", description: "the project of this compose file (project mode)" },
  },
  async run({ args, rawArgs }) {
    const seconds = args.time === undefined ? 10 : Number(args.time);
    if (!Number.isFinite(seconds) || seconds < 0) throw new InvalidInputError(`--time must be a number of seconds, not "${args.time}"`);
    const timeoutMs = args.time === undefined ? undefined : seconds * 1000;
    if (isProjectMode(args)) return runProjectVerb("stop", args, rawArgs, { timeoutMs });
    const names = args._.map(String);
    if (names.length === 0) throw new InvalidInputError("stop: name a container, or a project with -p");
    const handled = await viaSupervisor("stop", names, { timeoutMs });
    const rt = containerRuntime();
    for (const name of names.filter((n) => !handled.includes(n))) {
      await rt.stop(name, { timeoutMs: seconds * 1000 });
      process.stdout.write(`${name}\n`);
    }
    return 0;
  },
});
