/**
 * `kitten config`: docker compose config — load and validate a project, print it in canonical
 * form (YAML, or --format json); --services, --volumes, --networks, --images, --profiles list
 * names; --hash prints services' config hashes; -q only validates. Loader warnings go to stderr.
 */
import { defineCommand } from "citty";
import { writeFileSync } from "node:fs";
import { InvalidInputError } from "../../core/errors.ts";
import { loadProject, toCanonicalJson, toComposeYaml } from "../../engine/compose/index.ts";
import { serviceConfigHash } from "../../engine/orchestrate/config-hash.ts";
import { projectOptions } from "../args.ts";
import { parseFormat } from "../render/format.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget } from "../target.ts";
import { silentReporter } from "../../core/reporter.ts";

export default defineCommand({
  meta: { name: "config", description: "validate a project and print it in canonical form" },
  args: {
    format: { type: "string", description: "output format: yaml or json", default: "yaml" },
    services: { type: "boolean", description: "print the service names, one per line" },
    volumes: { type: "boolean", description: "print the volume names, one per line" },
    networks: { type: "boolean", description: "print the network names, one per line" },
    images: { type: "boolean", description: "print the services' images, one per line" },
    profiles: { type: "boolean", description: "print the profiles the services use, one per line" },
    hash: { type: "string", description: "print the config hash of these services (comma-separated, or *)" },
    quiet: { type: "boolean", alias: "q", description: "only validate; print nothing" },
    output: { type: "string", alias: "o", description: "write to this file instead of stdout" },
    names: { type: "positional", required: false, description: "SERVICE… (default: all)" },
  },
  async run({ args }) {
    const format = parseFormat(args.format, ["yaml", "json"]);
    const target = await cliTarget("file", { names: args._.map(String), reporter: cliReporter() });
    const project = target.loaded!.project;
    if (target.services.length > 0) for (const s of Object.keys(project.services)) if (!target.services.includes(s)) delete project.services[s];
    if (args.quiet) return 0;
    const lines = (items: string[]) => items.map((s) => `${s}\n`).join("");
    let out: string;
    if (args.services) out = lines(Object.keys(project.services));
    else if (args.volumes) out = lines(Object.keys(project.volumes));
    else if (args.networks) out = lines(Object.keys(project.networks));
    else if (args.images) out = lines(Object.entries(project.services).map(([name, s]) => s.image ?? `${project.name}-${name}`));
    else if (args.profiles) {
      // every profile a service declares, active or not (compose loads them all for this)
      const all = await loadProject({ ...projectOptions(), profiles: ["*"], reporter: silentReporter });
      out = lines([...new Set(Object.values(all.project.services).flatMap((s) => s.profiles ?? []))].sort());
    } else if (args.hash !== undefined) {
      const wanted = args.hash === "*" ? Object.keys(project.services) : args.hash.split(",").map((s) => s.trim());
      for (const s of wanted) if (!project.services[s]) throw new InvalidInputError(`no such service: ${s}`, { code: "no_such_service" });
      out = lines(wanted.map((s) => `${s} ${serviceConfigHash(project.services[s]!, undefined)}`));
    } else out = format === "json" ? toCanonicalJson(project) : toComposeYaml(project);
    if (args.output) writeFileSync(args.output, out);
    else process.stdout.write(out);
    return 0;
  },
});
