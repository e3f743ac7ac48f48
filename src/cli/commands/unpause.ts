/** `kitten unpause [SERVICE…|CONTAINER…]` (docker compose unpause). */
import { defineCommand } from "citty";
import { runServiceVerb } from "../service-verb.ts";

export default defineCommand({
  meta: { name: "unpause", description: "unpause services' containers (all by default), or containers by name" },
  args: { services: { type: "positional", required: false, description: "SERVICE… (or CONTAINER…)" } },
  run: ({ args }) => runServiceVerb("unpause", args._.map(String), {}),
});
