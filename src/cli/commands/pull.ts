/**
 * `kitten pull`: docker compose pull in a project — the images of its (or the named) services,
 * in parallel (--policy missing skips those present; --ignore-pull-failures warns instead of
 * failing) — and docker pull for image references (outside a project, or names that are no
 * service).
 */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { pullDisplay, pullReporter } from "../render/pull-progress.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget } from "../target.ts";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "pull", description: "pull images: a project's services', or references (docker.io by default)" },
  args: {
    policy: { type: "string", description: "project: always (default) or missing (skip images present)" },
    "ignore-pull-failures": { type: "boolean", description: "project: warn about images that fail, pull the rest" },
    "ignore-buildable": { type: "boolean", description: "project: skip services that have a build section" },
    "include-deps": { type: "boolean", description: "project: also the named services' dependencies" },
    platform: { type: "string", description: "os/arch[/variant] to pull from a multi-platform image (default linux/amd64)" },
    quiet: { type: "boolean", alias: "q", description: "print only the pulled references" },
    ...formatArg,
    // not `required`: citty's own usage errors would not be exit-2 errors with a hint
    image: { type: "positional", description: "SERVICE… in a project, IMAGE… otherwise (e.g. nginx:1.27)", required: false },
  },
  async run({ args }) {
    const format = parseFormat(args.format, ["text", "json"]);
    const policy = args.policy ?? "always";
    if (policy !== "always" && policy !== "missing") throw new InvalidInputError(`invalid --policy "${policy}"`, { code: "bad_flag", hint: "use --policy always or --policy missing" });
    const target = await cliTarget("name", { names: args._.map(String), fallback: "any", reporter: cliReporter() });
    let refs = target.others;
    if (target.project && (target.services.length > 0 || args._.length === 0)) {
      const { projectConfig } = await import("../../engine/orchestrate/project-api.ts");
      const { kittenPaths } = await import("../../core/paths.ts");
      // -p alone: the project as kitten last ran it
      const project = target.loaded?.project ?? projectConfig(target.project, { paths: kittenPaths() });
      if (!project) throw new InvalidInputError(`no such project: "${target.project}"`, { hint: "pass its compose file with -f, or `kitten ls -a` to list the projects" });
      let services = target.services.length > 0 ? target.services : Object.keys(project.services);
      if (args["include-deps"]) services = [...new Set(services.flatMap((s) => [s, ...Object.keys(project.services[s]?.depends_on ?? {})]))];
      refs = [...refs, ...services.flatMap((s) => {
        const image = project.services[s]?.image;
        // a rootfs directory is not pulled
        return image && !image.startsWith("/") ? [image] : [];
      })];
    }
    refs = [...new Set(refs)];
    if (refs.length === 0 && !target.project) throw new InvalidInputError("no image given", { code: "bad_usage", hint: "kitten pull nginx:1.27" });
    const [{ pullImage }, { Images }, { kittenPaths }] = await Promise.all([import("../../engine/image/pull.ts"), import("../../engine/image/resolver.ts"), import("../../core/paths.ts")]);
    const reporter = pullReporter(pullDisplay({ format, quiet: Boolean(args.quiet) }));
    const images = new Images({ paths: kittenPaths(), reporter });
    const results = await Promise.allSettled(
      refs.map(async (ref) => (policy === "missing" ? { ...(await images.resolve(ref, { pull: "missing", ...(args.platform ? { platform: args.platform } : {}) })), digest: undefined, layers: undefined, downloaded: undefined } : pullImage(ref, { platform: args.platform, reporter }))),
    );
    reporter.finish();
    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [{ ref: refs[i]!, reason: r.reason as Error }] : []));
    const pulled = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    if (format === "json") {
      const rows = pulled.map((p) => ({ ref: p.ref, id: p.id, digest: p.digest, layers: p.layers, downloaded: p.downloaded }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else for (const p of pulled) process.stdout.write(`${p.ref}\n`);
    if (failed.length > 0 && args["ignore-pull-failures"] && target.project) {
      for (const f of failed) cliReporter().emit({ type: "warning", message: `${f.ref}: ${f.reason.message}` });
      return 0;
    }
    if (failed.length > 0) throw failed[0]!.reason;
    return 0;
  },
});
