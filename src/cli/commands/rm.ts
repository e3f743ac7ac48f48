/** `kitten rm [-f] <container…>` — removes containers and everything they left behind. */
import { defineCommand } from "citty";
import { containerRuntime } from "../container-runtime.ts";

export default defineCommand({
  meta: { name: "rm", description: "remove containers (-f: running ones too)" },
  args: {
    container: { type: "positional", description: "container names or ids", required: true },
    force: { type: "boolean", alias: "f", description: "kill and remove running containers" },
  },
  async run({ args }) {
    const rt = containerRuntime();
    for (const name of args._.length ? args._ : [args.container]) {
      await rt.remove(name, { force: args.force === true });
      process.stdout.write(`${name}\n`);
    }
    return 0;
  },
});
