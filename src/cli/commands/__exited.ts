/** Hidden role: conmon's exit command for every monitored container (runs inside the namespace). */
import { defineCommand } from "citty";
import { kittenPaths } from "../../core/paths.ts";

export default defineCommand({
  meta: { name: "__exited", description: "internal: a container exited (conmon's exit command)" },
  args: { id: { type: "positional", description: "container id", required: true } },
  async run({ args }) {
    const { containerExited, exitedLog } = await import("../../engine/runtime/inside/exited.ts");
    const t0 = performance.now();
    // conmon gives it no output: what happened goes to the namespace's agent log
    try {
      const outcome = await containerExited(kittenPaths(), args.id);
      if (process.env.KITTEN_AGENT_TRACE) exitedLog(kittenPaths(), args.id, `${outcome} in ${(performance.now() - t0).toFixed(0)}ms`);
    } catch (err) {
      exitedLog(kittenPaths(), args.id, `failed: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    return 0;
  },
});
