/**
 * `kitten push [-a] [-q] [--format json] NAME[:TAG]`: send a local image to its registry (docker
 * push). In a project, `kitten push [SERVICE…]` is docker compose push: the images of the services
 * that are built and named (build: and image:), as docker compose pushes them (--include-deps:
 * their dependencies' too; --ignore-push-failures: warn and go on).
 */
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
  meta: { name: "push", description: "push an image to a registry, or a project's services' images" },
  args: {
    ...pushArgs,
    "ignore-push-failures": { type: "boolean", description: "project: warn about images that fail, push the rest" },
    "include-deps": { type: "boolean", description: "project: also the named services' dependencies" },
  },
  async run({ args }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const { cliTarget } = await import("../target.ts");
    const target = await cliTarget("name", { names: args._.map(String), fallback: "any" });
    if (target.project && (target.services.length > 0 || args._.length === 0)) return pushServices(target, args, format);
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
    // docker push's last line: `<tag>: digest: sha256:… size: <bytes>`
    if (format === "json") process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else for (const r of results) process.stdout.write(`${familiarReference(parseReference(r.ref))}: digest: ${r.digest} size: ${r.size}\n`);
  },
});

/**
 * compose push: docker compose's rules, kept in the engine (pushServiceImages) — the services that
 * have both build: and image:, each under its image and build.tags; the others are skipped.
 */
async function pushServices(
  target: import("../../engine/orchestrate/target.ts").Target,
  args: { quiet?: boolean; "ignore-push-failures"?: boolean; "include-deps"?: boolean },
  format: "text" | "json",
): Promise<number> {
  const [{ pushServiceImages }, { projectConfig }, { kittenPaths }] = await Promise.all([
    import("../../engine/image/project-push.ts"),
    import("../../engine/orchestrate/project-api.ts"),
    import("../../core/paths.ts"),
  ]);
  const project = target.loaded?.project ?? projectConfig(target.project!, { paths: kittenPaths() });
  if (!project) throw new InvalidInputError(`no such project: "${target.project}"`, { hint: "pass its compose file with -f" });
  let names = target.services.length > 0 ? target.services : Object.keys(project.services);
  if (args["include-deps"]) names = [...new Set(names.flatMap((s) => [s, ...Object.keys(project.services[s]?.depends_on ?? {})]))];
  const services = Object.fromEntries(names.flatMap((s) => (project.services[s] ? [[s, project.services[s]!]] : [])));
  const reporter = pullReporter(pullDisplay({ format, quiet: Boolean(args.quiet) }));
  let rows;
  try {
    rows = await pushServiceImages(services, { reporter, ignoreFailures: Boolean(args["ignore-push-failures"]) });
  } finally {
    reporter.finish();
  }
  if (format === "json") process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else for (const r of rows) if (r.result) process.stdout.write(`${r.result.ref}: digest: ${r.result.digest} size: ${r.result.size}\n`);
  return 0;
}
