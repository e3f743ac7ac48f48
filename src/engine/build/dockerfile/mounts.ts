/**
 * `RUN --mount=…` values → mount specs, as BuildKit's `instructions/commands_runmount.go`
 * parses them (research/build.md §1.6): CSV fields `key=value` (or bare booleans), every value
 * expanded with the build's variables except `from`, type bind by default; `target` required
 * (secrets default to /run/secrets/<id>); cache ids default to the target; `mode`/`uid`/`gid`
 * only for cache and secret; bind and secret read-only by default, cache and tmpfs writable.
 * `type=ssh` is refused by name: kitten has no ssh agent forwarding.
 */
import { posix } from "node:path";

export type MountSpec =
  | { type: "bind"; target: string; source: string; from?: string; readonly: boolean }
  | { type: "cache"; target: string; id: string; source: string; from?: string; readonly: boolean; sharing: "shared" | "private" | "locked"; mode: number; uid: number; gid: number }
  | { type: "tmpfs"; target: string; size?: number }
  | { type: "secret"; target?: string; env?: string; id: string; required: boolean; mode: number; uid: number; gid: number };

export class MountError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Splits a CSV line (double quotes group, `""` is a quote), as Go's encoding/csv reads one record. */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  if (quoted) throw new MountError(`unterminated quote in --mount=${text}`);
  fields.push(field);
  return fields;
}

function parseBool(key: string, value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new MountError(`invalid value for ${key}: ${value}`);
}

function parseNumber(key: string, value: string, base = 10): number {
  const n = base === 8 ? Number.parseInt(value, 8) : Number(value);
  if (!Number.isInteger(n) || n < 0 || (base === 8 && !/^[0-7]+$/.test(value))) throw new MountError(`invalid value for ${key}: ${value}`);
  return n;
}

/** Parses one `--mount` value; `expand` substitutes variables in a value. */
export function parseMount(text: string, expand: (value: string) => string): MountSpec {
  const raw = new Map<string, string | undefined>();
  for (const field of csvFields(text)) {
    if (field === "") continue;
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase().trim();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    if (key === "from" && value !== undefined && value.includes("$")) {
      throw new MountError("variable expansion is not supported for --mount from", "define a new stage with FROM using ARG from global scope");
    }
    raw.set(key, value === undefined || key === "from" ? value : expand(value));
  }
  const type = raw.get("type") ?? "bind";
  const known: Record<string, string[]> = {
    bind: ["type", "target", "dst", "destination", "source", "src", "from", "readonly", "ro", "readwrite", "rw"],
    cache: ["type", "target", "dst", "destination", "source", "src", "from", "readonly", "ro", "readwrite", "rw", "id", "sharing", "mode", "uid", "gid"],
    tmpfs: ["type", "target", "dst", "destination", "size", "readonly", "ro", "readwrite", "rw"],
    secret: ["type", "target", "dst", "destination", "id", "required", "mode", "uid", "gid", "env"],
  };
  if (type === "ssh") throw new MountError("RUN --mount=type=ssh is not supported", "kitten does not forward an ssh agent into builds; fetch private sources with a build secret (--mount=type=secret) instead");
  const keys = known[type];
  if (!keys) throw new MountError(`unsupported mount type "${type}"`, "use bind, cache, tmpfs or secret");
  for (const key of raw.keys()) if (!keys.includes(key)) throw new MountError(`unexpected key '${key}' for mount type '${type}'`);
  const get = (...names: string[]) => names.map((n) => raw.get(n)).find((v) => v !== undefined);
  const targetRaw = get("target", "dst", "destination");
  const target = targetRaw === undefined || targetRaw === "" ? undefined : posix.normalize(targetRaw.startsWith("/") ? targetRaw : `/${targetRaw}`);
  let readonly: boolean | undefined;
  if (raw.has("readonly") || raw.has("ro")) readonly = parseBool("readonly", get("readonly", "ro"));
  if (raw.has("readwrite") || raw.has("rw")) readonly = !parseBool("readwrite", get("readwrite", "rw"));
  const mode = (fallback: number) => (raw.has("mode") ? parseNumber("mode", raw.get("mode") ?? "", 8) : fallback);
  const id = (name: string) => (raw.has(name) ? parseNumber(name, raw.get(name) ?? "") : 0);
  switch (type) {
    case "bind":
      if (!target) throw new MountError("mount type bind needs a target");
      return { type, target, source: get("source", "src") ?? "/", from: raw.get("from"), readonly: readonly ?? true };
    case "cache": {
      if (!target) throw new MountError("mount type cache needs a target");
      const sharing = raw.get("sharing") ?? "shared";
      if (sharing !== "shared" && sharing !== "private" && sharing !== "locked") throw new MountError(`unrecognized sharing parameter: ${sharing}`);
      return { type, target, id: raw.get("id") || target, source: get("source", "src") ?? "/", from: raw.get("from"), readonly: readonly ?? false, sharing, mode: mode(0o755), uid: id("uid"), gid: id("gid") };
    }
    case "tmpfs": {
      if (!target) throw new MountError("mount type tmpfs needs a target");
      const size = raw.get("size");
      return { type, target, ...(size ? { size: parseBytesSize(size) } : {}) };
    }
    default: {
      const env = raw.get("env");
      const secretId = raw.get("id") || (target ? posix.basename(target) : "");
      if (!secretId) throw new MountError("mount type secret needs an id or a target");
      return {
        type: "secret",
        ...(target ? { target } : env ? {} : { target: `/run/secrets/${secretId}` }),
        ...(env ? { env } : {}),
        id: secretId,
        required: raw.has("required") ? parseBool("required", raw.get("required")) : false,
        mode: mode(0o400),
        uid: id("uid"),
        gid: id("gid"),
      };
    }
  }
}

function parseBytesSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)?$/i.exec(text.trim());
  if (!m) throw new MountError(`invalid size: ${text}`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g" | "t"];
  return Math.round(Number(m[1]) * unit);
}
