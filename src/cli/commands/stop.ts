/** `kitten stop [-t seconds] <container…>` — stop signal, then SIGKILL after the grace period. */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { containerRuntime } from "../container-runtime.ts";

export default defineCommand({
  meta: { name: "stop", description: "stop running containers" },
  args: {
    container: { type: "positional", description: "container names or ids", required: true },
    time: { type: "string", alias: "t", description: "seconds to wait before killing (default 10)" },
  },
  async run({ args }) {
    const seconds = args.time === undefined ? 10 : Number(args.time);
    if (!Number.isFinite(seconds) || seconds < 0) throw new InvalidInputError(`--time must be a number of seconds, not "${args.time}"`);
    const rt = containerRuntime();
    for (const name of args._.length ? args._ : [args.container]) {
      await rt.stop(name, { timeoutMs: seconds * 1000 });
      process.stdout.write(`${name}\n`);
    }
    return 0;
  },
});
