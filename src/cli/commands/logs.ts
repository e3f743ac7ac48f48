/** `kitten logs [-f] [--tail N] [-t] <container>` — the container's log as conmon recorded it. */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { followLogs } from "../../engine/runtime/logs-follow.ts";
import { containerRuntime } from "../container-runtime.ts";

export default defineCommand({
  meta: { name: "logs", description: "print a container's output" },
  args: {
    container: { type: "positional", description: "container name or id", required: true },
    follow: { type: "boolean", alias: "f", description: "keep printing new output until the container exits" },
    tail: { type: "string", description: "only the last N lines (default: all)" },
    timestamps: { type: "boolean", alias: "t", description: "prefix each line with its timestamp" },
  },
  async run({ args }) {
    const tail = args.tail === undefined || args.tail === "all" ? undefined : Number(args.tail);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new InvalidInputError(`--tail must be a number of lines, not "${args.tail}"`);
    const ts = args.timestamps === true;
    await followLogs(containerRuntime(), args.container, {
      follow: args.follow === true,
      tail,
      write: (r) => (r.stream === "stdout" ? process.stdout : process.stderr).write(ts ? `${r.time} ${r.text}` : r.text),
    });
    return 0;
  },
});
