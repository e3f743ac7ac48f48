/** `kitten start [--wait] [SERVICE…|CONTAINER…]` (docker compose start; docker start for container names). */
import { defineCommand } from "citty";
import { waitSeconds } from "../project-context.ts";
import { runServiceVerb } from "../service-verb.ts";
import { cliTarget } from "../target.ts";
import { kittenPaths } from "../../core/paths.ts";
import { waitServicesReady } from "../../engine/orchestrate/ready.ts";

export default defineCommand({
  meta: { name: "start", description: "start services' stopped containers (all by default), or containers by name" },
  args: {
    wait: { type: "boolean", description: "wait until the services are running, or healthy when they have a healthcheck" },
    "wait-timeout": { type: "string", description: "seconds --wait waits at most (0: no limit)" },
    services: { type: "positional", required: false, description: "SERVICE… (or CONTAINER…)" },
  },
  async run({ args }) {
    const names = args._.map(String);
    const limit = waitSeconds(args["wait-timeout"]);
    await runServiceVerb("start", names, {});
    if (!args.wait) return 0;
    const target = await cliTarget("optional", { names, fallback: "container" });
    if (target.project) await waitServicesReady({ project: target.project, services: target.services, ...(limit ? { timeoutMs: limit * 1000 } : {}) }, { paths: kittenPaths() });
    return 0;
  },
});
