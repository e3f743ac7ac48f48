/** `kitten kill [-s SIGNAL] [--remove-orphans] [SERVICE…|CONTAINER…]` (docker compose kill; docker kill for container names). */
import { defineCommand } from "citty";
import { ps, serviceCommand } from "../../engine/orchestrate/project-api.ts";
import { engineDeps } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { runServiceVerb } from "../service-verb.ts";
import { cliTarget } from "../target.ts";

export default defineCommand({
  meta: { name: "kill", description: "send a signal (default SIGKILL) to services' containers, or containers by name" },
  args: {
    signal: { type: "string", alias: "s", description: "signal name or number (default SIGKILL)", default: "SIGKILL" },
    "remove-orphans": { type: "boolean", description: "also remove containers of services no longer in the compose file" },
    services: { type: "positional", required: false, description: "SERVICE… (or CONTAINER…)" },
  },
  async run({ args }) {
    const code = await runServiceVerb("kill", args._.map(String), { signal: String(args.signal) });
    if (!args["remove-orphans"]) return code;
    // compose kill --remove-orphans: the containers of services the file no longer has go
    const reporter = cliReporter();
    const target = await cliTarget("file", { reporter });
    const deps = engineDeps(reporter);
    const orphans = (await ps({ project: target.project!, all: true }, deps)).filter((r) => !r.oneOff && !target.loaded!.project.services[r.service]).map((r) => r.name);
    if (orphans.length > 0) process.stdout.write((await serviceCommand("rm", { project: target.project!, containers: orphans, stop: true }, deps)).map((n) => `${n}\n`).join(""));
    return code;
  },
});
