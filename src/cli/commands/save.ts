/** `kitten save [-o FILE] [--format docker-archive|oci] IMAGE…` (also `kitten image save`): images to a tar archive. */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";

export const saveArgs = {
  image: { type: "positional", description: "image reference or id (several allowed)", required: false },
  output: { type: "string", alias: "o", description: "write to this file instead of stdout" },
  format: { type: "string", description: "docker-archive (default: docker save's layout, also an OCI layout) or oci (an OCI archive, layers compressed)" },
} as const;

export default defineCommand({
  meta: { name: "save", description: "save images to a tar archive (docker-archive or oci)" },
  args: saveArgs,
  async run({ args }) {
    const refs = args._.length > 0 ? args._ : [args.image].filter((r): r is string => Boolean(r));
    if (refs.length === 0) throw new InvalidInputError("no image given", { code: "bad_usage", hint: "kitten image save -o images.tar nginx:1.27" });
    const { parseSaveFormat, saveImages, saveImagesToFile } = await import("../../engine/image/save.ts");
    const format = parseSaveFormat(args.format);
    if (args.output && args.output !== "-") {
      await saveImagesToFile(refs, args.output, { format });
      return;
    }
    // docker's wording: an archive is never written to a terminal
    if (process.stdout.isTTY) throw new InvalidInputError("cowardly refusing to save to a terminal", { code: "bad_usage", hint: "use -o FILE or redirect the output" });
    await saveImages(refs, process.stdout, { format });
  },
});
