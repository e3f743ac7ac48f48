/**
 * A Compose Specification file → drafts of its services, networks and volumes, with `extends`
 * resolved (same file, or `file:` another one, recursively; compose's merge rules; a cycle is
 * an error) and `include`d files imported. Top-level keys kitten does not model are warned about, never silently dropped.
 */
import { dirname } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { didYouMeanHint } from "../../core/suggest.ts";
import { FileReader, type Dict, type ServiceReaders } from "./read.ts";
import type { ParsedFile } from "./parse.ts";
import { readService, type ServiceDraft } from "./service.ts";
import { readNetwork, readVolume, type NetworkDraft, type VolumeDraft } from "./networks.ts";
import { mergeService } from "./merge.ts";
import { loadSource, readSourceFile, type InterpolationEnv } from "./source.ts";
import { TOP_LEVEL_IGNORED, TOP_LEVEL_KEYS } from "./spec-keys.ts";
import { readIncludes } from "./include.ts";
import { readSecretDef, type SecretDraft } from "./secrets.ts";
import { mergeFiles } from "./project.ts";

export interface FileModel {
  name?: string;
  services: Record<string, ServiceDraft>;
  networks: Record<string, NetworkDraft>;
  volumes: Record<string, VolumeDraft>;
  /** top-level secrets and configs (secrets.ts) */
  secrets?: Record<string, SecretDraft>;
  configs?: Record<string, SecretDraft>;
  /** the reader of the file that defined each service, to locate later errors */
  readers: ServiceReaders;
}

export interface ComposeContext {
  env: InterpolationEnv;
  home: string | undefined;
  /** files being included, outermost first, to refuse include cycles */
  includeStack?: string[];
}

export function readComposeFile(parsed: ParsedFile, baseDir: string, ctx: ComposeContext): FileModel {
  const r = new FileReader(parsed, baseDir);
  const doc = parsed.value as Dict;
  const ignored = r.checkKeys(doc, [], new Set(TOP_LEVEL_KEYS.filter((k) => !TOP_LEVEL_IGNORED.has(k))), new Set(TOP_LEVEL_KEYS));
  if (ignored.length > 0) ctx.env.reporter.emit({ type: "warning", message: `ignoring: top-level: [${ignored.sort().join(", ")}]` });
  if (doc.version !== undefined) {
    ctx.env.reporter.emit({ type: "warning", message: `${parsed.file}: the attribute "version" is obsolete, it will be ignored` });
  }
  for (const { path, tag } of parsed.tags) {
    const inService = path.length === 3 && path[0] === "services";
    if (!inService && !String(path[0]).startsWith("x-")) r.fail(path, `${tag} is only supported on the keys of a service`);
  }
  const model: FileModel = { services: {}, networks: {}, volumes: {}, readers: {} };
  if (doc.name !== undefined) model.name = r.str(doc.name, ["name"]);
  if (Array.isArray(doc.services)) {
    r.fail(["services"], "expected a mapping of service names, got a list", 'write each service under its name: "services:" then "  web:" then "    image: nginx"');
  }
  const raw = doc.services === undefined ? {} : r.optMap(doc.services, ["services"]);
  const resolver = new ExtendsResolver(ctx);
  resolver.add(parsed.file, r, raw);
  for (const name of Object.keys(raw)) {
    r.name("service", name, ["services", name], true);
    model.services[name] = resolver.resolve(parsed.file, name, []);
    model.readers[name] = [r];
  }
  for (const [name, value] of Object.entries(doc.networks === undefined ? {} : r.optMap(doc.networks, ["networks"]))) {
    // the key becomes part of the network's name (<project>_<key>), or the name itself
    r.name("network", name, ["networks", name], true);
    model.networks[name] = readNetwork(r, value, ["networks", name]);
  }
  for (const [name, value] of Object.entries(doc.volumes === undefined ? {} : r.optMap(doc.volumes, ["volumes"]))) {
    r.name("volume", name, ["volumes", name], true);
    model.volumes[name] = readVolume(r, value, ["volumes", name]);
  }
  for (const kind of ["secret", "config"] as const) {
    const key = `${kind}s` as const;
    if (doc[key] === undefined) continue;
    for (const [name, value] of Object.entries(r.optMap(doc[key], [key]))) {
      r.name(kind, name, [key, name], true);
      model[key] = { ...model[key], [name]: readSecretDef(r, kind, value, [key, name], ctx.home) };
    }
  }
  if (doc.include !== undefined && doc.include !== null) {
    // what this file defines itself is merged over what it includes
    return mergeFiles([...readIncludes(r, doc.include, ctx, readComposeFile), model]);
  }
  return model;
}

interface ExtendsFile {
  reader: FileReader;
  raw: Dict;
  resolved: Map<string, ServiceDraft>;
}

class ExtendsResolver {
  private readonly files = new Map<string, ExtendsFile>();

  constructor(private readonly ctx: ComposeContext) {}

  add(id: string, reader: FileReader, raw: Dict): void {
    this.files.set(id, { reader, raw, resolved: new Map() });
  }

  private load(file: string): ExtendsFile {
    let entry = this.files.get(file);
    if (entry) return entry;
    const parsed = loadSource(readSourceFile(file), file, this.ctx.env);
    const reader = new FileReader(parsed, dirname(file));
    const doc = parsed.value as Dict;
    entry = { reader, raw: doc.services === undefined ? {} : reader.optMap(doc.services, ["services"]), resolved: new Map() };
    this.files.set(file, entry);
    return entry;
  }

  resolve(fileId: string, name: string, stack: string[]): ServiceDraft {
    const f = this.files.get(fileId)!;
    const done = f.resolved.get(name);
    if (done) return done;
    const key = `${fileId}#${name}`;
    if (stack.includes(key)) {
      const names = [...stack.slice(stack.indexOf(key)), key].map((k) => k.slice(k.lastIndexOf("#") + 1));
      throw new InvalidInputError(`extends cycle: ${names.join(" -> ")}`, { location: f.reader.parsed.locate(["services", name, "extends"]), hint: "remove one of these extends to break the cycle" });
    }
    const local = readService(f.reader, f.raw[name], ["services", name], this.ctx.home);
    let result = local;
    if (local.extends) {
      const ext = local.extends;
      const path = ["services", name, "extends"];
      const targetId = ext.file ?? fileId;
      let target: ExtendsFile;
      try {
        target = ext.file ? this.load(ext.file) : f;
      } catch (err) {
        if (err instanceof InvalidInputError && err.code === "file_not_found") f.reader.fail([...path, "file"], `extended file not found: ${ext.file}`);
        throw err;
      }
      if (!Object.hasOwn(target.raw, ext.service)) {
        f.reader.fail(path, `service "${name}" extends unknown service "${ext.service}"${ext.file ? ` of ${ext.file}` : ""}`, didYouMeanHint(ext.service, Object.keys(target.raw)));
      }
      const base = this.resolve(targetId, ext.service, [...stack, key]);
      const { extends: _drop, ...own } = local;
      result = mergeService(base, own);
    }
    f.resolved.set(name, result);
    return result;
  }
}
