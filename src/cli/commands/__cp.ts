/** Hidden role: the in-namespace end of `kitten cp` (src/engine/runtime/inside/copy.ts). */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "__cp", description: "internal: copy files in or out of a container, inside its namespace" },
  args: { request: { type: "positional", description: "copy request (JSON)", required: true } },
  async run({ args }) {
    const { CopyError, CopyRequestSchema, runCopy } = await import("../../engine/runtime/inside/copy.ts");
    try {
      await runCopy(CopyRequestSchema.parse(JSON.parse(args.request)));
      return 0;
    } catch (err) {
      // the host side turns this line into its error
      process.stderr.write(`${err instanceof CopyError ? err.message : String(err)}\n`);
      return 1;
    }
  },
});
