/**
 * `kitten events [SERVICE…]`: docker compose events — a project's container events (create,
 * start, die with its exit code, health_status, restart, oom, kill, …) as they happen, one per
 * line, until Ctrl-C; --since replays the log from that time first, --until ends the stream.
 */
import { defineCommand } from "citty";
import { parseFormat } from "../render/format.ts";
import { eventLine } from "../render/project.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget, requireProject } from "../target.ts";
import { kittenPaths } from "../../core/paths.ts";
import { events } from "../../engine/orchestrate/project-api.ts";
import { parseTimeArg } from "../../engine/orchestrate/log-time.ts";

export default defineCommand({
  meta: { name: "events", description: "stream a project's container events" },
  args: {
    json: { type: "boolean", description: "one JSON object per line (same as --format json)" },
    format: { type: "string", description: "output format: text or json", default: "text" },
    since: { type: "string", description: "replay events since a time (RFC 3339, Unix seconds) or a duration ago (10m)" },
    until: { type: "string", description: "stop at a time or a duration ago (in the past: print the log and exit)" },
    follow: { type: "boolean", description: "keep printing new events (the default without --until)" },
    services: { type: "positional", required: false, description: "SERVICE… (default: all)" },
  },
  async run({ args }) {
    const format = args.json ? "json" : parseFormat(args.format, ["text", "json"]);
    const target = await cliTarget("optional", { names: args._.map(String), reporter: cliReporter() });
    const project = requireProject(target, "events");
    const since = parseTimeArg(args.since, "--since");
    const until = parseTimeArg(args.until, "--until");
    const abort = new AbortController();
    process.once("SIGINT", () => abort.abort());
    await events(
      { project, services: target.services, ...(since ? { since } : {}), ...(until ? { until } : {}), follow: until === undefined || Date.parse(until) > Date.now(), signal: abort.signal },
      { paths: kittenPaths() },
      (e) => process.stdout.write(format === "json" ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`),
    );
  },
});
