/** `kitten logs [-f] [--tail N] [-t] <container>` — the container's log as conmon recorded it. */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { followLogs } from "../../engine/runtime/logs-follow.ts";
import { containerRuntime } from "../container-runtime.ts";
import { isProjectMode, runProjectLogs } from "../project-views.ts";

export default defineCommand({
  meta: { name: "logs", description: "print a container's output" },
  args: {
    container: { type: "positional", description: "container name or id (project mode: services)", required: false },
    follow: { type: "boolean", alias: "f", description: "keep printing new output until the container exits" },
    tail: { type: "string", description: "only the last N lines (default: all)" },
    timestamps: { type: "boolean", alias: "t", description: "prefix each line with its timestamp" },
    // project mode (issue #6): all (or the named) services of a project, interleaved
    "project-name": { type: "string", alias: "p", description: "a project's logs, `container |` prefixed" },
    file: { type: "string", description: "the project of this compose file (project mode)" },
    since: { type: "string", description: "project mode: since a time or a duration ago (10m)" },
    until: { type: "string", description: "project mode: until a time or a duration ago" },
    "no-color": { type: "boolean", description: "project mode: no colours in prefixes" },
  },
  async run({ args, rawArgs }) {
    if (isProjectMode(args)) return runProjectLogs(args, rawArgs);
    if (!args.container) throw new InvalidInputError("logs: name a container, or a project with -p", { hint: "kitten logs <container>, or kitten logs -p <project> [service...]" });
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
