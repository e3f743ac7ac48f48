/** Hidden role: the in-namespace agent (started by the namespace as `catatonit -- kitten __agent <dir>`). */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "__agent", description: "internal: serve the rootless namespace's agent" },
  args: { dir: { type: "positional", description: "per-project runtime dir", required: true } },
  async run({ args }) {
    const { serveAgent } = await import("../../engine/runtime/inside/agent.ts");
    await serveAgent(args.dir);
  },
});
