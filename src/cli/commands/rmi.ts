/**
 * `kitten rmi [-f] <ref|id>…`: remove images (a name, or a whole image by id) and the layers no
 * image uses. An image containers use stays: refused, or with -f (stopped containers only) untagged.
 */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";

/** shared with `kitten image rm` */
export const rmiArgs = {
  image: { type: "positional", description: "image reference or id (several allowed)", required: false },
  force: { type: "boolean", alias: "f", description: "untag an image that stopped containers still use (it stays until they are removed)" },
} as const;

export default defineCommand({
  meta: { name: "rmi", description: "remove local images" },
  args: rmiArgs,
  async run({ args }) {
    const [{ removeImages }, { containerImageUse }] = await Promise.all([import("../../engine/image/manage.ts"), import("../../engine/runtime/image-use.ts")]);
    const refs = args._.length > 0 ? args._ : [args.image].filter((r): r is string => Boolean(r));
    if (refs.length === 0) throw new InvalidInputError("no image given", { code: "bad_usage", hint: "kitten rmi nginx:1.27 (`kitten images` lists them)" });
    const paths = kittenPaths();
    const result = await removeImages(refs, paths, { usedBy: containerImageUse(paths).usedBy, force: args.force === true });
    for (const u of result.untagged) process.stdout.write(`untagged: ${u}\n`);
    for (const d of result.deleted) process.stdout.write(`deleted: ${d}\n`);
  },
});
