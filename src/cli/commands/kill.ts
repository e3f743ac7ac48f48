/** `kitten kill [-s signal] <container…>` */
import { defineCommand } from "citty";
import { containerRuntime } from "../container-runtime.ts";

export default defineCommand({
  meta: { name: "kill", description: "send a signal (default KILL) to running containers" },
  args: {
    container: { type: "positional", description: "container names or ids", required: true },
    signal: { type: "string", alias: "s", description: "signal name or number", default: "KILL" },
  },
  async run({ args }) {
    const rt = containerRuntime();
    for (const name of args._.length ? args._ : [args.container]) {
      await rt.kill(name, String(args.signal).replace(/^SIG/i, "").toUpperCase());
      process.stdout.write(`${name}\n`);
    }
    return 0;
  },
});
