/**
 * `kitten ps`: docker compose ps in a project (its containers, compose's columns, -q, --services,
 * --status, --filter status=…, -a with one-off `run` containers); docker ps elsewhere (every
 * container kitten runs; --project narrows it).
 */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { ps, type PsRow } from "../../engine/orchestrate/project-api.ts";
import type { ContainerRow } from "../../engine/runtime/listing.ts";
import { negated, repeated } from "../args.ts";
import { engineDeps } from "../project-context.ts";
import { parseFormat } from "../render/format.ts";
import { commandCell, renderPs } from "../render/project.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget } from "../target.ts";

const STATUSES = ["paused", "restarting", "removing", "running", "dead", "created", "exited"];

export default defineCommand({
  meta: { name: "ps", description: "list a project's containers (running ones; -a for all), or all containers outside a project" },
  args: {
    all: { type: "boolean", alias: "a", description: "show stopped containers too (and one-off run containers)" },
    quiet: { type: "boolean", alias: "q", description: "only print container ids" },
    services: { type: "boolean", description: "print the services' names" },
    status: { type: "string", description: "only containers in this state (repeatable): paused, restarting, removing, running, dead, created, exited" },
    filter: { type: "string", description: "filter: status=<state>" },
    format: { type: "string", description: "output format: table (text) or json", default: "table" },
    "no-trunc": { type: "boolean", description: "don't cut the COMMAND column" },
    orphans: { type: "boolean", description: "include containers of services no longer in the file (default true; --no-orphans hides them)", default: true },
    project: { type: "string", description: "outside a project: only this project's containers" },
    names: { type: "positional", required: false, description: "SERVICE… (default: all)" },
  },
  async run({ args, rawArgs }) {
    const format = parseFormat(args.format === "table" ? "text" : args.format, ["text", "json"]);
    const status = repeated(rawArgs, ["--status"]).flatMap((s) => s.split(","));
    if (args.filter) {
      const m = /^status=(.+)$/.exec(args.filter);
      if (!m) throw new InvalidInputError(`unknown filter "${args.filter.split("=")[0]}"`, { code: "bad_flag", hint: "ps supports --filter status=<state>" });
      status.push(m[1]!);
    }
    for (const s of status) if (!STATUSES.includes(s)) throw new InvalidInputError(`invalid --status "${s}"`, { code: "bad_flag", hint: `use one of: ${STATUSES.join(", ")}` });
    const reporter = cliReporter();
    const target = await cliTarget("optional", { names: args._.map(String), reporter });
    if (!target.project) return containerPs({ ...args, "no-trunc": negated(args, "trunc") }, format);
    const { containerRuntime } = await import("../container-runtime.ts");
    let rows: PsRow[] = await ps({ project: target.project, all: args.all, services: target.services, status }, { ...engineDeps(reporter), runtime: containerRuntime() });
    if (args.orphans === false && target.loaded) rows = rows.filter((r) => r.oneOff || target.loaded!.project.services[r.service]);
    if (args.quiet) process.stdout.write(rows.map((r) => `${r.id ?? r.name}\n`).join(""));
    else if (args.services) process.stdout.write([...new Set(rows.map((r) => r.service))].map((s) => `${s}\n`).join(""));
    else process.stdout.write(format === "json" ? `${JSON.stringify(rows, null, 2)}\n` : renderPs(rows, Date.now(), { noTrunc: negated(args, "trunc") }));
    return 0;
  },
});

/** docker ps: every container kitten runs, with its id. */
async function containerPs(args: { all?: boolean; quiet?: boolean; project?: string; "no-trunc"?: boolean }, format: "text" | "json"): Promise<number> {
  const { containerRuntime } = await import("../container-runtime.ts");
  const { listContainers } = await import("../../engine/runtime/listing.ts");
  const rows = await listContainers(containerRuntime(), { all: args.all === true, project: args.project });
  if (args.quiet) process.stdout.write(rows.map((r) => `${r.id.slice(0, 12)}\n`).join(""));
  else process.stdout.write(format === "json" ? `${JSON.stringify(rows, null, 2)}\n` : table(rows, args["no-trunc"]));
  return 0;
}

function table(rows: ContainerRow[], noTrunc?: boolean): string {
  const head = ["CONTAINER ID", "IMAGE", "COMMAND", "STATUS", "PORTS", "NAMES"];
  const body = rows.map((r) => [
    noTrunc ? r.id : r.id.slice(0, 12),
    !noTrunc && r.image.length > 30 ? `…${r.image.slice(-29)}` : r.image,
    commandCell(r.command, noTrunc),
    r.statusText,
    r.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(", "),
    r.name,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd()).join("\n") + "\n";
}
