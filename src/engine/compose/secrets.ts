/**
 * Secrets and configs (compose-spec 09-secrets.md, 08-configs.md, services.md#secrets): the
 * top-level definitions — one source each: `file` (relative to the project directory),
 * `environment` (a variable of the project environment), or for configs `content` — and a
 * service's references in short (`- name`) or long syntax (`source`, `target`, `uid`, `gid`,
 * `mode`). Targets are made absolute here: a secret's relative target goes under /run/secrets/,
 * a config's under /, and the defaults are /run/secrets/<source> and /<source>.
 * kitten writes every source as a file into the container with its uid/gid/mode — also for
 * `file`, where docker compose bind-mounts and ignores them (docker/compose#9648).
 * `external` needs a secret store kitten does not have: refused with compose's own wording.
 */
import { posix, resolve } from "node:path";
import type { FileRef, Secret } from "./model.ts";
import type { FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";
import { expandHome } from "./volumes.ts";

export type SecretKind = "secret" | "config";
export type SecretDraft = Partial<Secret>;

const DEF_KEYS: Record<SecretKind, Set<string>> = {
  secret: new Set(["name", "file", "environment", "external", "driver", "driver_opts", "labels", "template_driver"]),
  config: new Set(["name", "file", "environment", "content", "external", "driver", "driver_opts", "labels", "template_driver"]),
};
const REF_KEYS = new Set(["source", "target", "uid", "gid", "mode"]);
const ID = /^\d+$/;

/** `secrets.<key>` / `configs.<key>` at the top level. */
export function readSecretDef(r: FileReader, kind: SecretKind, raw: unknown, path: KeyPath, home: string | undefined): SecretDraft {
  const m = r.optMap(raw, path);
  r.checkKeys(m, path, DEF_KEYS[kind]);
  const key = String(path.at(-1));
  // the key names a file kitten keeps for the project (secret-files.ts): no path in it
  r.name(kind, key, path, true);
  for (const k of ["driver", "template_driver"]) {
    if (m[k] !== undefined) r.fail([...path, k], `${kind}s.${key}.${k} is not supported`, `kitten (like docker compose) reads ${kind}s from file:, environment:${kind === "config" ? " or content:" : ""} only`);
  }
  if (m.external !== undefined) {
    const external = typeof m.external === "object" && m.external !== null ? true : r.bool(m.external, [...path, "external"]);
    // docker compose: "unsupported external secret %s"
    if (external) r.fail([...path, "external"], `unsupported external ${kind} ${key}`, `kitten has no ${kind} store: give it a file:, environment:${kind === "config" ? " or content:" : ""} source instead`);
  }
  const d: SecretDraft = {};
  if (m.name !== undefined) d.name = r.name(kind, r.str(m.name, [...path, "name"]), [...path, "name"]);
  if (m.file !== undefined) d.file = resolve(r.baseDir, expandHome(r.str(m.file, [...path, "file"]), home));
  if (m.environment !== undefined) {
    const v = r.str(m.environment, [...path, "environment"]);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) r.fail([...path, "environment"], `invalid variable name "${v}"`, "name the variable that holds the value, e.g. environment: DB_PASSWORD");
    d.environment = v;
  }
  if (m.content !== undefined) d.content = r.scalar(m.content, [...path, "content"]);
  const sources = (["file", "environment", "content"] as const).filter((k) => d[k] !== undefined);
  if (sources.length === 0) {
    // compose-go: `secret %q must declare either `file` or `environment``
    r.fail(path, kind === "secret" ? `secret "${key}" must declare either \`file\` or \`environment\`` : `config "${key}" must declare \`file\`, \`environment\` or \`content\``, `e.g. file: ./${key}.txt`);
  }
  if (sources.length > 1) r.fail([...path, sources[1]!], `${kind} "${key}" has more than one source (${sources.join(", ")})`, "keep one of them");
  return d;
}

function checkTarget(r: FileReader, kind: SecretKind, target: string, path: KeyPath): string {
  if (target === "" || target.includes("\0")) r.fail(path, `invalid ${kind} target ${JSON.stringify(target)}`);
  // a relative target stays under /run/secrets (or /): "../../etc/passwd" may not climb out (#14)
  if (target.split("/").includes("..")) r.fail(path, `invalid ${kind} target ${JSON.stringify(target)}: it must not contain ".."`, `name a file like "db_password" or "/etc/app/key.pem"`);
  const full = posix.normalize(target.startsWith("/") ? target : kind === "secret" ? `/run/secrets/${target}` : `/${target}`);
  if (full === "/" || full.endsWith("/")) r.fail(path, `invalid ${kind} target ${JSON.stringify(target)}: it must name a file`);
  return full;
}

function readId(r: FileReader, v: unknown, path: KeyPath): string {
  const id = r.text(v, path);
  // docker compose requires numeric ids here (they are written as the file's owner, no name lookup)
  if (!ID.test(id)) r.fail(path, `invalid ${String(path.at(-1))} "${id}": it must be a number`, "use the numeric id, e.g. uid: \"999\"");
  return id;
}

/** A mode as compose writes it: `0440` (octal, as compose-go reads it), `0o440`, "0440", or decimal. */
export function readMode(r: FileReader, v: unknown, path: KeyPath): number {
  let mode: number | undefined;
  if (typeof v === "number" && Number.isInteger(v)) mode = r.parsed.octal?.(path) ? parseInt(String(v), 8) : v;
  else if (typeof v === "string" && /^0?[0-7]{1,4}$/.test(v.trim())) mode = parseInt(v.trim(), 8);
  else if (typeof v === "string" && /^0o[0-7]{1,4}$/.test(v.trim())) mode = parseInt(v.trim().slice(2), 8);
  if (mode === undefined || mode < 0 || mode > 0o7777) r.fail(path, `invalid mode ${JSON.stringify(v)}`, 'write it in octal, e.g. mode: 0440 or "0440"');
  return mode;
}

/** A service's `secrets:` / `configs:` list. */
export function readSecretRefs(r: FileReader, kind: SecretKind, v: unknown, path: KeyPath): FileRef[] {
  return r.list(v, path).map((item, i) => {
    const p = [...path, i];
    if (typeof item === "string") return { source: item, target: checkTarget(r, kind, item, p) };
    const m = r.map(item, p);
    r.checkKeys(m, p, REF_KEYS);
    if (m.source === undefined) r.fail(p, `a ${kind} reference needs a "source" (the name under the top-level ${kind}s:)`);
    const source = r.str(m.source, [...p, "source"]);
    const ref: FileRef = { source, target: checkTarget(r, kind, m.target === undefined ? source : r.str(m.target, [...p, "target"]), m.target === undefined ? p : [...p, "target"]) };
    if (m.uid !== undefined) ref.uid = readId(r, m.uid, [...p, "uid"]);
    if (m.gid !== undefined) ref.gid = readId(r, m.gid, [...p, "gid"]);
    if (m.mode !== undefined) ref.mode = readMode(r, m.mode, [...p, "mode"]);
    return ref;
  });
}
