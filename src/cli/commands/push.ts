/** `kitten push [-a] [-q] [--format json] NAME[:TAG]`: send a local image to its registry (docker push). */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { pullDisplay, pullReporter } from "../render/pull-progress.ts";
import { InvalidInputError } from "../../core/errors.ts";

export const pushArgs = {
  image: { type: "positional", description: "image to push, named for its registry: registry.example.com/team/app:1", required: false },
  "all-tags": { type: "boolean", alias: "a", description: "push every local tag of the repository" },
  quiet: { type: "boolean", alias: "q", description: "no progress, only the result" },
  ...formatArg,
} as const;

export default defineCommand({
  meta: { name: "push", description: "push an image to a registry" },
  args: pushArgs,
  async run({ args }) {
    const format = parseFormat(args.format, ["text", "json"]);
    if (args._.length > 1) throw new InvalidInputError("push takes one image", { code: "bad_usage", hint: "kitten push registry.example.com/team/app:1" });
    if (!args.image) throw new InvalidInputError("no image given", { code: "bad_usage", hint: "kitten push registry.example.com/team/app:1" });
    const [{ pushImage, pushRepository }, { familiarReference, parseReference }] = await Promise.all([import("../../engine/image/push.ts"), import("../../engine/image/reference.ts")]);
    const reporter = pullReporter(pullDisplay({ format, quiet: Boolean(args.quiet) }));
    let results;
    try {
      results = args["all-tags"] ? await pushRepository(args.image, { reporter }) : [await pushImage(args.image, { reporter })];
    } finally {
      reporter.finish();
    }
    if (format === "json") process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      // docker push's last line: `<tag>: digest: sha256:… size: <bytes>`
    else for (const r of results) process.stdout.write(`${familiarReference(parseReference(r.ref))}: digest: ${r.digest} size: ${r.size}\n`);
  },
});
