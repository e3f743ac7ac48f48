/** `kitten builder prune [-a] [-f]`: frees the build cache (engine: src/engine/build/prune.ts). */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { humanSize } from "../render/pull-progress.ts";

export const usage = `Usage: kitten builder prune [OPTIONS]

Remove build cache: cache entries whose layers no image uses (all entries with -a),
RUN --mount=type=cache directories, and what interrupted builds left behind.

Options:
  -a, --all     remove every cache entry, also those whose layers images use
  -f, --force   do not ask (kitten never asks; accepted for docker compatibility)
`;

export default defineCommand({
  meta: { name: "builder", description: "manage the build cache: prune" },
  async run({ rawArgs }) {
    const [sub, ...rest] = rawArgs;
    if (sub !== "prune") {
      throw new InvalidInputError(sub ? `unknown builder command "${sub}"` : "missing builder command", { code: "bad_usage", hint: "kitten builder prune [-a] [-f]" });
    }
    let all = false;
    for (const a of rest) {
      if (a === "-a" || a === "--all") all = true;
      else if (a === "-f" || a === "--force") continue;
      else throw new InvalidInputError(`unknown flag: ${a}`, { code: "bad_flag", hint: "kitten builder prune [-a] [-f]" });
    }
    const [{ pruneBuildCache }, { kittenPaths }] = await Promise.all([import("../../engine/build/prune.ts"), import("../../core/paths.ts")]);
    const r = await pruneBuildCache(kittenPaths(), { all });
    process.stdout.write(`removed ${r.entries} cache entr${r.entries === 1 ? "y" : "ies"}, ${r.layers} layer${r.layers === 1 ? "" : "s"} and ${r.cacheMounts} cache mount${r.cacheMounts === 1 ? "" : "s"}\nTotal reclaimed space: ${humanSize(r.bytes)}\n`);
    return 0;
  },
});
