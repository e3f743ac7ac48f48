/** `kitten create [SERVICE…]`: docker compose create — the containers of `up`, created and not started. */
import { defineCommand } from "citty";
import { runUp, upFlags } from "../up-run.ts";

export default defineCommand({
  meta: { name: "create", description: "create a project's containers without starting them" },
  args: {
    "force-recreate": { type: "boolean", description: "recreate containers even when their configuration is unchanged" },
    "no-recreate": { type: "boolean", description: "keep existing containers even when their configuration changed" },
    "remove-orphans": { type: "boolean", description: "remove containers of services no longer in the file" },
    scale: { type: "string", description: "N replicas of a service: --scale svc=N (repeatable)" },
    pull: { type: "string", description: "pull images: always, missing (default) or never" },
    "quiet-pull": { type: "boolean", description: "pull without printing progress" },
    build: { type: "boolean", description: "build images of services with build: first" },
    "no-build": { type: "boolean", description: "do not build images, even when missing" },
    yes: { type: "boolean", alias: "y", description: "answer yes to prompts (create has none)" },
    services: { type: "positional", required: false, description: "SERVICE… (default: all)" },
  },
  run: ({ args, rawArgs }) => runUp({ ...upFlags(args, rawArgs), noStart: true, detach: true }, "text"),
});
