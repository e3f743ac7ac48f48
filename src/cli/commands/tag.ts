/** `kitten tag SOURCE TARGET`: give a local image another name (docker tag). */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";

export const tagArgs = {
  source: { type: "positional", description: "image name or id", required: false },
  target: { type: "positional", description: "new name: [registry/]repository[:tag]", required: false },
} as const;

export default defineCommand({
  meta: { name: "tag", description: "give a local image another name" },
  args: tagArgs,
  async run({ args }) {
    if (!args.source || !args.target || args._.length > 2) {
      throw new InvalidInputError(args._.length > 2 ? "tag takes two arguments" : "missing source or target image", { code: "bad_usage", hint: "kitten tag SOURCE[:TAG] TARGET[:TAG], e.g. kitten tag app:latest registry.example.com/team/app:1" });
    }
    const { tagImage } = await import("../../engine/image/tag.ts");
    tagImage(args.source, args.target);
  },
});
