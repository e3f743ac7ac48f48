/** Hidden role: conmon's exit command for `run -d --rm` (runs inside the namespace). */
import { defineCommand } from "citty";
import { kittenPaths } from "../../core/paths.ts";

export default defineCommand({
  meta: { name: "__cleanup", description: "internal: remove an auto-remove container after it exited" },
  args: { id: { type: "positional", description: "container id", required: true } },
  async run({ args }) {
    const { cleanupInside } = await import("../../engine/runtime/inside/cleanup.ts");
    await cleanupInside(kittenPaths(), args.id);
    return 0;
  },
});
