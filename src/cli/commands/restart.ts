/** `kitten restart [--no-deps] [-t SECONDS] [SERVICE…|CONTAINER…]` (docker compose restart). */
import { defineCommand } from "citty";
import { timeoutMs } from "../project-context.ts";
import { runServiceVerb } from "../service-verb.ts";
import { negated } from "../args.ts";

export default defineCommand({
  meta: { name: "restart", description: "restart services (all by default), or containers by name" },
  args: {
    "no-deps": { type: "boolean", description: "do not restart the dependents that declare depends_on.restart: true" },
    timeout: { type: "string", alias: "t", description: "seconds to wait for each container to stop before killing it" },
    services: { type: "positional", required: false, description: "SERVICE… (or CONTAINER…)" },
  },
  // citty reads --no-deps as deps=false
  run: ({ args }) => runServiceVerb("restart", args._.map(String), { timeoutMs: timeoutMs(args.timeout, "--timeout"), noDeps: negated(args, "deps") }),
});
