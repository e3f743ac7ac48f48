/** `kitten rmi <ref|id>…`: remove images (a name, or a whole image by id) and the layers no image uses. */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "rmi", description: "remove local images" },
  args: { image: { type: "positional", description: "image reference or id (several allowed)", required: false } },
  async run({ args }) {
    const { removeImages } = await import("../../engine/image/manage.ts");
    const refs = args._.length > 0 ? args._ : [args.image].filter((r): r is string => Boolean(r));
    if (refs.length === 0) throw new InvalidInputError("no image given", { code: "bad_usage", hint: "kitten rmi nginx:1.27 (`kitten images` lists them)" });
    const result = await removeImages(refs);
    for (const u of result.untagged) process.stdout.write(`untagged: ${u}\n`);
    for (const d of result.deleted) process.stdout.write(`deleted: ${d}\n`);
  },
});
