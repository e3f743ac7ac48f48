/** `kitten kill [-s signal] <container…>` */
import { defineCommand } from "citty";
import { containerRuntime } from "../container-runtime.ts";
import { isProjectMode, runProjectVerb, viaSupervisor } from "../project-views.ts";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "kill", description: "send a signal (default KILL) to running containers" },
  args: {
    container: { type: "positional", description: "container names or ids (project mode: services)", required: false },
    signal: { type: "string", alias: "s", description: "signal name or number", default: "KILL" },
    // project mode (issue #6): a project's services, through its supervisor
    "project-name": { type: "string", alias: "p", description: "kill a project's services (all, or the named ones)" },
    file: { type: "string", alias: "f", description: "the project of this compose file (project mode)" },
  },
  async run({ args, rawArgs }) {
    const signal = String(args.signal);
    if (isProjectMode(args)) return runProjectVerb("kill", args, rawArgs, { signal });
    const names = args._.map(String);
    if (names.length === 0) throw new InvalidInputError("kill: name a container, or a project with -p");
    const handled = await viaSupervisor("kill", names, { signal });
    const rt = containerRuntime();
    for (const name of names.filter((n) => !handled.includes(n))) {
      await rt.kill(name, String(args.signal).replace(/^SIG/i, "").toUpperCase());
      process.stdout.write(`${name}\n`);
    }
    return 0;
  },
});
