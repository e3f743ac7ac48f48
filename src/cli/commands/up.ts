/**
 * `kitten up [options] [SERVICE…]`: docker compose up — create and start a project's containers,
 * then stay attached to their output (or return with -d / --wait). `--dry-run` (also before the
 * verb) loads the project, plans it and prints the plan; a real run is up-run.ts. Flag
 * combinations are refused with docker compose's own messages (cmd/compose/up.go validateFlags).
 */
import { defineCommand } from "citty";
import { projectOptions, repeated } from "../args.ts";
import { invocation } from "../invocation.ts";
import { parseFormat } from "../render/format.ts";
import { renderPlan } from "../render/plan.ts";
import { cliReporter } from "../render/reporter.ts";
import { planUp } from "../../engine/plan/index.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { runUp, upFlags } from "../up-run.ts";
import { folderArgument, upFolder } from "../folder.ts";

export default defineCommand({
  meta: { name: "up", description: "create and start a project's containers (--dry-run prints the plan)" },
  args: {
    detach: { type: "boolean", alias: "d", description: "return once the containers started, leaving them running" },
    wait: { type: "boolean", description: "wait until services are running, or healthy when they have a healthcheck (implies -d)" },
    "wait-timeout": { type: "string", description: "seconds --wait waits at most (0: no limit)" },
    "dry-run": { type: "boolean", description: "print the plan and change nothing" },
    "remove-orphans": { type: "boolean", description: "remove containers of services no longer in the file" },
    "force-recreate": { type: "boolean", description: "recreate the named services' containers (all when none is named) even when unchanged" },
    "always-recreate-deps": { type: "boolean", description: "recreate the named services' dependencies too" },
    "no-recreate": { type: "boolean", description: "keep existing containers even when their configuration changed" },
    "no-start": { type: "boolean", description: "create the containers, don't start them" },
    "no-deps": { type: "boolean", description: "don't start the named services' dependencies" },
    "renew-anon-volumes": { type: "boolean", alias: "V", description: "recreated containers get new anonymous volumes instead of the previous containers' data" },
    "abort-on-container-exit": { type: "boolean", description: "stop everything when any container exits" },
    "abort-on-container-failure": { type: "boolean", description: "stop everything when any container exits with a non-zero code" },
    "exit-code-from": { type: "string", description: "exit with this service's exit code (implies --abort-on-container-exit)" },
    attach: { type: "string", description: "show only these services' output (repeatable)" },
    "no-attach": { type: "string", description: "don't show these services' output (repeatable)" },
    "attach-dependencies": { type: "boolean", description: "show the output of the named services' dependencies too" },
    scale: { type: "string", description: "run N replicas of a service: --scale svc=N (repeatable)" },
    pull: { type: "string", description: "pull images: always, missing (default) or never" },
    "quiet-pull": { type: "boolean", description: "pull without printing progress" },
    build: { type: "boolean", description: "build images of services with build: before starting" },
    "no-build": { type: "boolean", description: "do not build images, even when missing" },
    timeout: { type: "string", alias: "t", description: "seconds to wait for containers to stop (recreate, Ctrl-C)" },
    timestamps: { type: "boolean", description: "show timestamps in the output" },
    "no-color": { type: "boolean", description: "no colours in the output prefixes" },
    "no-log-prefix": { type: "boolean", description: "don't prefix output lines with the container's name" },
    yes: { type: "boolean", alias: "y", description: "accept the draft of `kitten up DIR` without a prompt" },
    format: { type: "string", description: "progress and --dry-run output: text or json", default: "text" },
    services: { type: "positional", required: false, description: "SERVICE… (default: all), or a folder (./app) to detect and run" },
  },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const flags = upFlags(args, rawArgs);
    // `kitten up ./app`: a folder, not a service (issue #17)
    const folder = folderArgument(flags.services);
    if (folder) return upFolder(folder, flags, format, !!args.yes);
    if (!args["dry-run"] && !invocation().global.dryRun) return runUp(flags, format);
    const plan = await planUp({ ...projectOptions(), reporter: cliReporter({ format }) }, { services: flags.services, noDeps: flags.noDeps, scale: flags.scale });
    process.stdout.write(format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
  },
});

/** `--scale web=3 --scale api=2` → {web: 3, api: 2} */
export function parseScale(values: string[]): Record<string, number> {
  const scale: Record<string, number> = {};
  for (const value of values) {
    const match = /^([^=]+)=(\d+)$/.exec(value);
    if (!match) throw new InvalidInputError(`invalid --scale option "${value}". Should be SERVICE=NUM`, { code: "bad_flag", hint: "use --scale <service>=<replicas>, e.g. --scale web=3" });
    scale[match[1]!] = Number(match[2]);
  }
  return scale;
}

export { repeated };
