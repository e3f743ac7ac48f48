/** Hidden role: the published-port forwarder, started by src/net/forward/host.ts inside the namespace. */
import { writeSync } from "node:fs";
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "__portfwd", description: "internal: forward published TCP ports into the namespace" },
  args: { config: { type: "positional", description: "forwarder config (JSON)", required: true } },
  async run({ args }) {
    const { runForwarder } = await import("../../net/forward/forwarder.ts");
    // the host side waits for this line: the listeners are set up and about to be served (a
    // synchronous write: the loop never yields to the event loop that would flush a buffered one)
    runForwarder(JSON.parse(args.config), () => writeSync(1, "ready\n"));
    return 0;
  },
});
