/** `kitten pull <ref>… [--platform os/arch] [--quiet] [--format json]`: pull images in parallel. */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { pullDisplay, pullReporter } from "../render/pull-progress.ts";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "pull", description: "pull images from a registry (docker.io by default)" },
  args: {
    // not `required`: citty's own usage errors would not be exit-2 errors with a hint
    image: { type: "positional", description: "image reference, e.g. nginx:1.27 (several allowed)", required: false },
    platform: { type: "string", description: "os/arch[/variant] to pull from a multi-platform image (default linux/amd64)" },
    quiet: { type: "boolean", alias: "q", description: "print only the pulled references" },
    ...formatArg,
  },
  async run({ args }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const refs = args._.length > 0 ? args._ : [args.image].filter((r): r is string => Boolean(r));
    if (refs.length === 0) throw new InvalidInputError("no image given", { code: "bad_usage", hint: "kitten pull nginx:1.27" });
    const { pullImage } = await import("../../engine/image/pull.ts");
    const reporter = pullReporter(pullDisplay({ format, quiet: Boolean(args.quiet) }));
    const results = await Promise.allSettled(refs.map((ref) => pullImage(ref, { platform: args.platform, reporter })));
    reporter.finish();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    const pulled = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    if (format === "json") {
      const rows = pulled.map((p) => ({ ref: p.ref, id: p.id, digest: p.digest, layers: p.layers, downloaded: p.downloaded }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else for (const p of pulled) process.stdout.write(`${p.ref}\n`);
    if (failed) throw failed.reason;
  },
});
