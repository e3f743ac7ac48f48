/**
 * `kitten images`: docker compose images in a project (the image of each of its containers; -q
 * ids only), docker images elsewhere (every local image).
 */
import { defineCommand } from "citty";
import { parseFormat } from "../render/format.ts";
import { imageTable, projectImageTable } from "../render/images.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget } from "../target.ts";
import { kittenPaths } from "../../core/paths.ts";

export default defineCommand({
  meta: { name: "images", description: "list a project's images, or all local images outside a project" },
  args: {
    quiet: { type: "boolean", alias: "q", description: "only print the image ids" },
    format: { type: "string", description: "output format: table (text) or json", default: "table" },
    services: { type: "positional", required: false, description: "SERVICE… (default: all)" },
  },
  async run({ args }) {
    const format = parseFormat(args.format === "table" ? "text" : args.format, ["text", "json"]);
    const target = await cliTarget("name", { names: args._.map(String), reporter: cliReporter() });
    if (target.project) {
      const { projectImages } = await import("../../engine/orchestrate/project-images.ts");
      const rows = projectImages({ project: target.project, services: target.services }, { paths: kittenPaths() });
      if (args.quiet) process.stdout.write([...new Set(rows.map((r) => r.id))].map((id) => `${id}\n`).join(""));
      else if (format === "json") process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(projectImageTable(rows));
      return;
    }
    const { listImages } = await import("../../engine/image/manage.ts");
    const rows = listImages();
    if (args.quiet) process.stdout.write([...new Set(rows.map((r) => r.id.slice(7, 19)))].map((id) => `${id}\n`).join(""));
    else if (format === "json") process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(imageTable(rows));
  },
});
