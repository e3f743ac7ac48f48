/**
 * `kitten up [options] [service...]`: create and start a project's containers.
 * `--dry-run` loads the project, plans it and prints the plan; a real run is up-run.ts.
 */
import { defineCommand } from "citty";
import { formatArg, projectArgs, projectOptions, repeated } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { renderPlan } from "../render/plan.ts";
import { cliReporter } from "../render/reporter.ts";
import { planUp } from "../../engine/plan/index.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { runUp } from "../up-run.ts";

export default defineCommand({
  meta: { name: "up", description: "create and start a project's containers (--dry-run prints the plan)" },
  args: {
    ...projectArgs,
    ...formatArg,
    "dry-run": { type: "boolean", description: "print the plan and change nothing" },
    detach: { type: "boolean", alias: "d", description: "return once the containers started, leaving them running" },
    wait: { type: "boolean", description: "with -d: wait until services are running or healthy" },
    "wait-timeout": { type: "string", description: "seconds --wait waits before failing" },
    "remove-orphans": { type: "boolean", description: "remove containers of services no longer in the project" },
    "force-recreate": { type: "boolean", description: "recreate containers even when their configuration is unchanged" },
    "no-deps": { type: "boolean", description: "do not start the dependencies of the named services" },
    "renew-anon-volumes": { type: "boolean", alias: "V", description: "recreated containers get new anonymous volumes instead of the previous containers' data" },
    "abort-on-container-exit": { type: "boolean", description: "stop everything when any container exits" },
    "exit-code-from": { type: "string", description: "exit with the exit code of this service's container" },
    scale: { type: "string", description: "run N replicas of a service: --scale svc=N (repeatable)" },
    pull: { type: "string", description: "pull images: always, missing (default) or never" },
    timeout: { type: "string", alias: "t", description: "seconds to wait for containers to stop (recreate, Ctrl-C)" },
    "no-color": { type: "boolean", description: "no colours in log prefixes" },
    services: { type: "positional", required: false, description: "services to start (default: all)" },
  },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format, ["text", "json"]);
    if (!args["dry-run"]) return runUp(args, rawArgs, format, parseScale(repeated(rawArgs, ["--scale"])));
    // citty reads `--no-deps` as the negation of a `deps` flag
    const noDeps = args["no-deps"] || (args as { deps?: boolean }).deps === false;
    const plan = await planUp(
      { ...projectOptions(rawArgs, args), reporter: cliReporter({ format }) },
      { services: args._.map(String), noDeps, scale: parseScale(repeated(rawArgs, ["--scale"])) },
    );
    process.stdout.write(format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
  },
});

/** `--scale web=3 --scale api=2` → {web: 3, api: 2} */
export function parseScale(values: string[]): Record<string, number> {
  const scale: Record<string, number> = {};
  for (const value of values) {
    const match = /^([^=]+)=(\d+)$/.exec(value);
    if (!match) throw new InvalidInputError(`invalid --scale "${value}"`, { code: "bad_flag", hint: "use --scale <service>=<replicas>, e.g. --scale web=3" });
    scale[match[1]!] = Number(match[2]);
  }
  return scale;
}
