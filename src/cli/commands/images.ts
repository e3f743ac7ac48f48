/** `kitten images [--format json]`: list local images. */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { humanSize } from "../render/pull-progress.ts";

export default defineCommand({
  meta: { name: "images", description: "list local images" },
  args: { ...formatArg },
  async run({ args }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const { listImages } = await import("../../engine/image/manage.ts");
    const rows = listImages();
    if (format === "json") {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    const table = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], ...rows.map((r) => [r.repository, r.tag, r.id.slice(7, 19), r.created?.slice(0, 19).replace("T", " ") ?? "", humanSize(r.size)])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    process.stdout.write(table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("")).join("\n") + "\n");
  },
});
