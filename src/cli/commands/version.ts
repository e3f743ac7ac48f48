/** `kitten version [--short] [-f json]`: docker compose version's shape with kitten's version. */
import { defineCommand } from "citty";
import pkg from "../../../package.json" with { type: "json" };
import { parseFormat } from "../render/format.ts";

export default defineCommand({
  meta: { name: "version", description: "print kitten's version" },
  args: {
    format: { type: "string", alias: "f", description: "pretty (default) or json", default: "pretty" },
    short: { type: "boolean", description: "only the version number" },
  },
  run({ args }) {
    const format = parseFormat(args.format, ["pretty", "json"]);
    if (args.short) process.stdout.write(`${pkg.version}\n`);
    else process.stdout.write(format === "json" ? `${JSON.stringify({ version: pkg.version })}\n` : `kitten ${pkg.version}\n`);
    return 0;
  },
});
