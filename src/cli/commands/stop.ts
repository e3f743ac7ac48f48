/** `kitten stop [-t SECONDS] [SERVICE…|CONTAINER…]` (docker compose stop; docker stop for container names). */
import { defineCommand } from "citty";
import { timeoutMs } from "../project-context.ts";
import { runServiceVerb } from "../service-verb.ts";

export default defineCommand({
  meta: { name: "stop", description: "stop services (all by default), or containers by name" },
  args: {
    timeout: { type: "string", alias: ["t", "time"], description: "seconds to wait for each container to stop before killing it (default: stop_grace_period, else 10)" },
    services: { type: "positional", required: false, description: "SERVICE… (or CONTAINER…)" },
  },
  run: ({ args }) => runServiceVerb("stop", args._.map(String), { timeoutMs: timeoutMs(args.timeout, "--timeout") }),
});
