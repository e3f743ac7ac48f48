/**
 * `kitten events [-f] [--since T] [--until T] [--format json]`: a project's container events
 * (create, start, die with exit code, health_status, restart, oom, kill, …), one per line.
 */
import { defineCommand } from "citty";
import { formatArg, projectArgs } from "../args.ts";
import { projectName } from "../project-context.ts";
import { parseFormat } from "../render/format.ts";
import { eventLine } from "../render/project.ts";
import { cliReporter } from "../render/reporter.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { events } from "../../engine/orchestrate/project-api.ts";
import { parseTimeArg } from "../../engine/orchestrate/log-time.ts";

export default defineCommand({
  meta: { name: "events", description: "show a project's container events (--follow keeps printing)" },
  args: {
    ...projectArgs,
    ...formatArg,
    // no -f: it is --file here, as in every project command
    follow: { type: "boolean", description: "keep printing new events" },
    since: { type: "string", description: "events since a time (RFC 3339) or a duration ago (10m)" },
    until: { type: "string", description: "events until a time (RFC 3339) or a duration ago" },
  },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const project = await projectName(rawArgs, args, cliReporter());
    if (args.follow && args.until) throw new InvalidInputError("--follow and --until cannot be used together");
    const abort = new AbortController();
    process.once("SIGINT", () => abort.abort());
    await events(
      { project, since: parseTimeArg(args.since, "--since"), until: parseTimeArg(args.until, "--until"), follow: args.follow, signal: abort.signal },
      { paths: kittenPaths() },
      (e) => process.stdout.write(format === "json" ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`),
    );
  },
});
