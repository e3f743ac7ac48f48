/** Hidden helper: stop a project's rootless namespace (everything inside dies with it). */
import { defineCommand } from "citty";
import { kittenPaths } from "../../core/paths.ts";
import { stopNamespace } from "../../net/namespace/index.ts";

export default defineCommand({
  meta: { name: "__ns-down", description: "internal: stop a project's rootless namespace" },
  args: { project: { type: "positional", description: "project name", required: true } },
  async run({ args }) {
    await stopNamespace(kittenPaths(), args.project);
    return 0;
  },
});
