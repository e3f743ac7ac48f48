/** Hidden role: the published-port forwarder, started by src/net/forward/host.ts inside the namespace. */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "__portfwd", description: "internal: forward published TCP ports into the namespace" },
  args: { config: { type: "positional", description: "forwarder config (JSON)", required: true } },
  async run({ args }) {
    const { runForwarder } = await import("../../net/forward/forwarder.ts");
    process.stdout.write("ready\n");
    runForwarder(JSON.parse(args.config));
    return 0;
  },
});
