/**
 * `kitten volume create|ls|inspect|rm|prune` with docker's flags (docker volume …): each
 * subcommand turns its flags into the options of one engine call (src/engine/volume/manage.ts)
 * and renders the result; `--format json` shapes are in docs/json-output.md.
 */
import { defineCommand } from "citty";
import { CancelledError, InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { bool, flagHelp, list, str, type FlagTable } from "../docker-args.ts";
import { parseInterspersed } from "../interspersed-args.ts";
import { humanSize } from "../render/pull-progress.ts";
import { renderError } from "../render-error.ts";
import type { VolumeFilters, VolumeSummary } from "../../engine/volume/manage.ts";

interface Sub {
  description: string;
  usage: string;
  flags: FlagTable;
  run(flags: Record<string, unknown>, names: string[]): Promise<number>;
}

const out = (s: string) => void process.stdout.write(s);

/** `key=value` pairs of repeatable flags (`--label a=b`, `-o type=tmpfs`); a bare key has "" */
function pairs(values: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    o[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? "" : v.slice(eq + 1);
  }
  return o;
}

/** docker's `--filter key=value` for volumes: dangling, driver, label, name. */
export function parseVolumeFilters(values: string[], allowed = ["dangling", "driver", "label", "name"]): VolumeFilters {
  const f: VolumeFilters = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    const key = eq < 0 ? v : v.slice(0, eq);
    const value = eq < 0 ? "" : v.slice(eq + 1);
    if (!allowed.includes(key) || eq < 0) {
      throw new InvalidInputError(`invalid filter "${v}"`, { code: "bad_flag", hint: `filters are ${allowed.map((a) => `${a}=…`).join(", ")}` });
    }
    if (key === "dangling") {
      if (!/^(true|false|1|0)$/.test(value)) throw new InvalidInputError(`invalid filter "${v}": dangling is true or false`, { code: "bad_flag" });
      f.dangling = value === "true" || value === "1";
    } else {
      const k = key as "driver" | "label" | "name";
      f[k] = [...(f[k] ?? []), value];
    }
  }
  return f;
}

/** `DRIVER    VOLUME NAME` rows, as docker volume ls prints them. */
export function volumeTable(volumes: VolumeSummary[]): string {
  return ["DRIVER    VOLUME NAME", ...volumes.map((v) => `${v.driver.padEnd(10)}${v.name}`)].map((l) => `${l}\n`).join("");
}

function format(value: unknown, allowed: string[]): string {
  const f = str(value) ?? allowed[0]!;
  if (!allowed.includes(f)) {
    throw new InvalidInputError(`unsupported format "${f}"`, { code: "bad_flag", hint: `use --format ${allowed.join(" or --format ")} (Go templates are not supported)` });
  }
  return f;
}

async function confirm(question: string): Promise<boolean> {
  process.stderr.write(`${question} [y/N] `);
  for await (const line of console) return /^y(es)?$/i.test(line.trim());
  return false;
}

const SUBS: Record<string, Sub> = {
  create: {
    description: "create a volume (a name is made up when none is given)",
    usage: "kitten volume create [OPTIONS] [VOLUME]",
    flags: {
      driver: { short: "d", value: true, description: "volume driver (local only)" },
      label: { value: true, repeat: true, description: "set a label: key=value" },
      opt: { short: "o", value: true, repeat: true, description: "driver options (refused: kitten volumes are directories)" },
      name: { value: true, description: "volume name (same as the argument)" },
    },
    async run(f, names) {
      if (names.length > 1) throw new InvalidInputError("volume create takes at most one name", { code: "bad_usage" });
      const name = names[0] ?? str(f.name);
      const { createVolume } = await import("../../engine/volume/manage.ts");
      const r = createVolume(kittenPaths(), { name, driver: str(f.driver), labels: pairs(list(f.label)), options: pairs(list(f.opt)) });
      out(`${r.name}\n`);
      return 0;
    },
  },
  ls: {
    description: "list volumes",
    usage: "kitten volume ls [OPTIONS]",
    flags: {
      quiet: { short: "q", description: "only the names" },
      filter: { short: "f", value: true, repeat: true, description: "dangling=true|false, driver=, label=key[=value], name=" },
      format: { value: true, description: "table (default) or json" },
    },
    async run(f, names) {
      if (names.length > 0) throw new InvalidInputError(`volume ls takes no arguments, got "${names[0]}"`, { code: "bad_usage", hint: "filter with --filter name=…" });
      const fmt = format(f.format, ["table", "json"]);
      const { listVolumes } = await import("../../engine/volume/manage.ts");
      const volumes = listVolumes(kittenPaths(), parseVolumeFilters(list(f.filter)));
      if (fmt === "json") out(`${JSON.stringify(volumes, null, 2)}\n`);
      else if (bool(f.quiet)) out(volumes.map((v) => `${v.name}\n`).join(""));
      else out(volumeTable(volumes));
      return 0;
    },
  },
  inspect: {
    description: "print volumes' details as JSON (docker's fields)",
    usage: "kitten volume inspect [OPTIONS] VOLUME [VOLUME...]",
    flags: { format: { short: "f", value: true, description: "json (the default)" } },
    async run(f, names) {
      format(f.format, ["json"]);
      if (names.length === 0) throw new InvalidInputError("missing volume name", { code: "bad_usage", hint: "usage: kitten volume inspect VOLUME [VOLUME...]" });
      const { inspectVolumes } = await import("../../engine/volume/manage.ts");
      out(`${JSON.stringify(inspectVolumes(kittenPaths(), names), null, 2)}\n`);
      return 0;
    },
  },
  rm: {
    description: "remove volumes no container uses",
    usage: "kitten volume rm [OPTIONS] VOLUME [VOLUME...]",
    flags: { force: { short: "f", description: "no error for volumes that do not exist (a volume in use is never removed)" } },
    async run(f, names) {
      if (names.length === 0) throw new InvalidInputError("missing volume name", { code: "bad_usage", hint: "usage: kitten volume rm VOLUME [VOLUME...]" });
      const { removeVolumes } = await import("../../engine/volume/manage.ts");
      const r = await removeVolumes(kittenPaths(), names, { force: bool(f.force) });
      out(r.removed.map((n) => `${n}\n`).join(""));
      // docker reports every volume it could not remove, then fails
      for (const e of r.errors.slice(0, -1)) renderError(e, false);
      if (r.errors.length > 0) throw r.errors.at(-1);
      return 0;
    },
  },
  prune: {
    description: "remove anonymous volumes no container uses (-a: every unused volume)",
    usage: "kitten volume prune [OPTIONS]",
    flags: {
      all: { short: "a", description: "all unused volumes, not just anonymous ones" },
      filter: { value: true, repeat: true, description: "label=key[=value]" },
      force: { short: "f", description: "do not ask for confirmation" },
    },
    async run(f, names) {
      if (names.length > 0) throw new InvalidInputError(`volume prune takes no arguments, got "${names[0]}"`, { code: "bad_usage" });
      const filters = parseVolumeFilters(list(f.filter), ["label"]);
      if (!bool(f.force)) {
        const what = bool(f.all) ? "all local volumes" : "anonymous local volumes";
        if (!(await confirm(`WARNING! This will remove ${what} not used by at least one container.\nAre you sure you want to continue?`))) throw new CancelledError();
      }
      const { pruneVolumes } = await import("../../engine/volume/manage.ts");
      const r = await pruneVolumes(kittenPaths(), { all: bool(f.all), label: filters.label });
      if (r.removed.length > 0) out(`Deleted Volumes:\n${r.removed.map((n) => `${n}\n`).join("")}\n`);
      out(`Total reclaimed space: ${humanSize(r.bytes)}\n`);
      return 0;
    },
  },
};
const ALIASES: Record<string, string> = { list: "ls", remove: "rm" };

export const usage = [
  "kitten volume <command> [options]",
  "",
  "Commands:",
  ...Object.entries(SUBS).map(([name, s]) => `  ${name.padEnd(9)}${s.description}`),
  "",
  "Run `kitten volume <command> --help` for a command's options.",
  "",
].join("\n");

export default defineCommand({
  meta: { name: "volume", description: "manage volumes: create, ls, inspect, rm, prune" },
  async run({ rawArgs }) {
    const [first, ...rest] = rawArgs;
    const name = first === undefined ? undefined : (ALIASES[first] ?? first);
    const sub = name === undefined ? undefined : SUBS[name];
    if (!sub) {
      throw new InvalidInputError(first ? `unknown volume command "${first}"` : "missing volume command", {
        code: "bad_usage",
        hint: `use one of: kitten volume ${Object.keys(SUBS).join("|")}`,
      });
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      out(flagHelp(sub.usage, sub.flags));
      return 0;
    }
    const parsed = parseInterspersed(rest, sub.flags, `volume ${name}`);
    return sub.run(parsed.flags, parsed.positionals);
  },
});
