/** `kitten pause [SERVICE…|CONTAINER…]` (docker compose pause). */
import { defineCommand } from "citty";
import { runServiceVerb } from "../service-verb.ts";

export default defineCommand({
  meta: { name: "pause", description: "pause services' containers (all by default), or containers by name" },
  args: { services: { type: "positional", required: false, description: "SERVICE… (or CONTAINER…)" } },
  run: ({ args }) => runServiceVerb("pause", args._.map(String), {}),
});
