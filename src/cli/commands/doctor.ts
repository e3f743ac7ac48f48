/** `kitten doctor [--format json]`: check the host prerequisites and print the fix for each problem. */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { failedRequired, renderDoctor } from "../render/doctor.ts";
import { runDoctor } from "../../engine/doctor/index.ts";
import { RuntimeFailure } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "doctor", description: "check host prerequisites and print the fix for each problem" },
  args: { ...formatArg },
  async run({ args }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const report = await runDoctor();
    process.stdout.write(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report));
    const failed = failedRequired(report);
    if (failed.length > 0) {
      throw new RuntimeFailure(`${failed.length} required check${failed.length === 1 ? "" : "s"} failed: ${failed.join(", ")}`, {
        code: "doctor_failed",
        hint: format === "json" ? "run the \"fix\" command of each failed check, then `kitten doctor` again" : "run the fix: commands above, then `kitten doctor` again",
      });
    }
  },
});
