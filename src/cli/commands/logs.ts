/**
 * `kitten logs`: docker compose logs in a project — every (or the named) service's containers
 * interleaved, prefixed `web-1 | `, following restarts and replicas (-f), --tail per container,
 * --index for one replica — and docker logs for a container named outside a project.
 */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { parseTimeArg } from "../../engine/orchestrate/log-time.ts";
import { logs } from "../../engine/orchestrate/project-api.ts";
import { pickContainer } from "../../engine/orchestrate/target.ts";
import { followLogs } from "../../engine/runtime/logs-follow.ts";
import { colorWanted, logPrinter } from "../render/log-lines.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget } from "../target.ts";
import { negated } from "../args.ts";

export default defineCommand({
  meta: { name: "logs", description: "print services' output (all by default), or a container's" },
  args: {
    follow: { type: "boolean", alias: "f", description: "keep printing new output" },
    tail: { type: "string", alias: "n", description: "only the last N lines of each container (default: all)" },
    timestamps: { type: "boolean", alias: "t", description: "show each line's timestamp" },
    since: { type: "string", description: "since a time (RFC 3339, Unix seconds) or a duration ago (10m)" },
    until: { type: "string", description: "until a time or a duration ago" },
    "no-color": { type: "boolean", description: "no colours in the prefixes" },
    "no-log-prefix": { type: "boolean", description: "don't prefix lines with the container's name" },
    index: { type: "string", description: "the replica of the (one) service to show" },
    names: { type: "positional", required: false, description: "SERVICE… (or one CONTAINER)" },
  },
  async run({ args }) {
    const tail = args.tail === undefined || args.tail === "all" || args.tail === "-1" ? undefined : Number(args.tail);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new InvalidInputError(`--tail must be a number of lines or "all", not "${args.tail}"`, { code: "bad_flag" });
    const since = parseTimeArg(args.since, "--since");
    const until = parseTimeArg(args.until, "--until");
    const index = args.index === undefined ? undefined : Number(args.index);
    if (index !== undefined && !(Number.isInteger(index) && index >= 1)) throw new InvalidInputError(`--index must be a replica number from 1, not "${args.index}"`, { code: "bad_flag" });
    const names = args._.map(String);
    const target = await cliTarget("optional", { names, fallback: "container", reporter: cliReporter() });
    const paths = kittenPaths();
    if (target.project && target.containers.length === 0) {
      if (index !== undefined && target.services.length !== 1) throw new InvalidInputError("--index requires one service to be selected", { code: "bad_flag" });
      const only = index !== undefined ? [pickContainer(target.project, target.services[0]!, { index }, { paths }).name] : undefined;
      const abort = new AbortController();
      process.once("SIGINT", () => abort.abort());
      await logs(
        { project: target.project, services: target.services, ...(only ? { containers: only } : {}), follow: args.follow, ...(tail === undefined ? {} : { tail }), ...(since ? { since } : {}), ...(until ? { until } : {}), signal: abort.signal },
        { paths },
        logPrinter({ color: colorWanted(negated(args, "color")), timestamps: args.timestamps, prefix: !negated(args, "log-prefix"), project: target.project }),
      );
      return 0;
    }
    // docker logs: one container
    if (target.containers.length !== 1 || target.services.length > 0) throw new InvalidInputError("logs of containers by name take exactly one container", { code: "bad_usage", hint: "kitten logs <container>" });
    if (since || until) throw new InvalidInputError("--since and --until work for services; a container by name has only --tail", { code: "bad_flag", hint: "name the service instead: kitten logs --since 10m <service>" });
    const { containerRuntime } = await import("../container-runtime.ts");
    const ts = args.timestamps === true;
    await followLogs(containerRuntime(), target.containers[0]!, {
      follow: args.follow === true,
      tail,
      write: (r) => (r.stream === "stdout" ? process.stdout : process.stderr).write(ts ? `${r.time} ${r.text}` : r.text),
    });
    return 0;
  },
});
