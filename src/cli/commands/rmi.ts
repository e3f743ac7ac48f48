/** `kitten rmi <ref|id>…`: remove images (a name, or a whole image by id) and the layers no image uses. */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "rmi", description: "remove local images" },
  args: { image: { type: "positional", description: "image reference or id (several allowed)", required: true } },
  async run({ args }) {
    const { removeImages } = await import("../../engine/image/manage.ts");
    const result = await removeImages(args._.length > 0 ? args._ : [args.image]);
    for (const u of result.untagged) process.stdout.write(`untagged: ${u}\n`);
    for (const d of result.deleted) process.stdout.write(`deleted: ${d}\n`);
  },
});
