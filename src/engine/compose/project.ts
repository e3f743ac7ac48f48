/**
 * Merged drafts → the normalized Project, the way compose-go finishes a load: profiles applied,
 * env_file and bare `environment: [KEY]` entries resolved, `scale` folded into deploy.replicas,
 * the implicit `default` network added for services with neither networks nor network_mode,
 * and network/volume names prefixed with the project name unless set explicitly or external.
 */
import { existsSync } from "node:fs";
import { InvalidInputError } from "../../core/errors.ts";
import type { Reporter } from "../../core/reporter.ts";
import { didYouMeanHint } from "../../core/suggest.ts";
import { ProjectSchema, type Network, type Project, type Service, type Volume } from "./model.ts";
import type { FileModel } from "./compose-file.ts";
import type { NetworkDraft, VolumeDraft } from "./networks.ts";
import type { ServiceDraft } from "./service.ts";
import { mergeService, deepMerge } from "./merge.ts";
import { DotenvError, parseDotenv, parseRawEnv } from "./dotenv.ts";
import { ENV_FILE_HINT, readEnvFileText } from "./env-file.ts";
import type { Lookup } from "./interpolate.ts";
import { oneLine, serviceError, type ServiceReaders } from "./read.ts";
import { checkRuntimeKeys, finishSecrets } from "./runtime-keys-check.ts";

export interface AssembleOptions {
  name: string;
  lookup: Lookup;
  /** enabled profiles; "*" enables all */
  profiles: string[];
  reporter: Reporter;
}

export interface Assembled {
  project: Project;
  /** services whose networks were written explicitly (before the default network was added) */
  explicitNetworks: Set<string>;
  readers: ServiceReaders;
  /** per service, the env files read and the keys each gave (kube export makes a ConfigMap of each) */
  envFiles: Record<string, Array<{ path: string; keys: string[] }>>;
  /** by "service NAME", "network KEY", "volume KEY": the compose keys kitten does not model (the "ignoring:" warnings) */
  ignoredKeys: Record<string, string[]>;
}

/** Merges the files' drafts in order (later files over earlier ones). */
export function mergeFiles(models: FileModel[]): FileModel {
  const out: FileModel = { services: {}, networks: {}, volumes: {}, readers: {} };
  for (const m of models) {
    if (m.name !== undefined) out.name = m.name;
    for (const [name, s] of Object.entries(m.services)) {
      out.services[name] = out.services[name] ? mergeService(out.services[name]!, s) : s;
      out.readers[name] = [...(out.readers[name] ?? []), ...m.readers[name]!];
    }
    for (const [name, n] of Object.entries(m.networks)) out.networks[name] = deepMerge(out.networks[name] ?? {}, n);
    for (const [name, v] of Object.entries(m.volumes)) out.volumes[name] = deepMerge(out.volumes[name] ?? {}, v);
    // a later file's definition replaces the source (one source per secret), the name merges
    for (const kind of ["secrets", "configs"] as const) {
      for (const [name, d] of Object.entries(m[kind] ?? {})) out[kind] = { ...out[kind], [name]: { ...(d.name === undefined && out[kind]?.[name]?.name !== undefined ? { name: out[kind]![name]!.name } : {}), ...d } };
    }
  }
  return out;
}

function fail(readers: ServiceReaders, service: string, path: (string | number)[], message: string, hint?: string): never {
  throw serviceError(readers, service, path, message, hint);
}

function activeServices(merged: FileModel, profiles: string[]): Set<string> {
  const all = profiles.includes("*");
  const active = new Set<string>();
  for (const [name, s] of Object.entries(merged.services)) {
    if (!s.profiles || s.profiles.length === 0 || all || s.profiles.some((p) => profiles.includes(p))) active.add(name);
  }
  // a required dependency of an active service must be active too (compose refuses otherwise)
  for (const name of active) {
    for (const [dep, cfg] of Object.entries(merged.services[name]!.depends_on ?? {})) {
      const target = merged.services[dep];
      if (!target || active.has(dep) || cfg.required === false) continue;
      const needed = target.profiles ?? [];
      fail(merged.readers, name, ["depends_on"], `service "${name}" depends on service "${dep}", which is disabled by its profiles [${needed.join(", ")}]`, `enable it with --profile ${needed[0] ?? ""} (or COMPOSE_PROFILES)`);
    }
  }
  return active;
}

/**
 * The service's environment as compose-go resolves it: env_file values first (interpolated from
 * the project environment, then the service's own values), overridden by `environment`, where a
 * bare `KEY` takes the project environment's value or stays null (unset) when there is none.
 */
function resolveEnvironment(name: string, s: ServiceDraft, lookup: Lookup, readers: ServiceReaders, files: Array<{ path: string; keys: string[] }> = []): Record<string, string | null> {
  const own: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(s.environment ?? {})) own[k] = v ?? lookup(k) ?? null;
  const env: Record<string, string | null> = {};
  const envFileLookup: Lookup = (k) => lookup(k) ?? own[k] ?? undefined;
  for (const ref of s.env_file ?? []) {
    if (!existsSync(ref.path)) {
      if (!ref.required) continue;
      fail(readers, name, ["env_file"], `env file ${ref.path} not found`, "create it, or mark it optional with {path: ..., required: false}");
    }
    const text = readEnvFileText(ref.path, (message, hint) => fail(readers, name, ["env_file"], message, hint));
    try {
      const values = ref.raw ? parseRawEnv(text) : parseDotenv(text, envFileLookup);
      files.push({ path: ref.path, keys: Object.keys(values) });
      Object.assign(env, values);
    } catch (err) {
      if (err instanceof DotenvError) throw new InvalidInputError(oneLine(err.message), { code: "invalid_env_file", location: { file: ref.path, line: err.line }, hint: ENV_FILE_HINT });
      throw err;
    }
  }
  return Object.assign(env, own);
}

function finishService(name: string, s: ServiceDraft, opts: AssembleOptions, readers: ServiceReaders, envFiles: Array<{ path: string; keys: string[] }> = []): Service {
  const { env_file: _e, scale, extends: _x, ignored, environment: _env, links, resets: _r, overrides: _o, ...rest } = s;
  const service: Service = { ...rest, environment: resolveEnvironment(name, s, opts.lookup, readers, envFiles), ports: s.ports ?? [] };
  if (ignored && ignored.length > 0) {
    opts.reporter.emit({ type: "warning", message: `ignoring: service ${name}: [${[...new Set(ignored)].sort().join(", ")}]` });
  }
  if (scale !== undefined) {
    const replicas = service.deploy?.replicas;
    if (replicas !== undefined && replicas !== scale) {
      fail(readers, name, ["scale"], `service "${name}" sets scale ${scale} and deploy.replicas ${replicas}`, "keep only one of them");
    }
    service.deploy = { ...service.deploy, replicas: scale };
  }
  if (service.deploy && Object.keys(service.deploy).length === 0) delete service.deploy;
  const h = service.healthcheck;
  if (h && (h.disable === true || h.test?.[0] === "NONE")) service.healthcheck = { test: ["NONE"], disable: true };
  if (service.networks && Object.keys(service.networks).length === 0) delete service.networks;
  if (!service.network_mode && !service.networks) service.networks = { default: null };
  for (const link of links ?? []) {
    // compose-go turns each link into a dependency unless one is declared
    service.depends_on = { [link]: { condition: "service_started", required: true, restart: true }, ...service.depends_on };
  }
  if (service.network_mode?.startsWith("service:")) {
    // compose-go adds the implicit dependency on the service whose network is shared
    const dep = service.network_mode.slice("service:".length);
    service.depends_on = { [dep]: { condition: "service_started", required: true, restart: true }, ...service.depends_on };
  }
  return service;
}

function finishNetwork(project: string, key: string, d: NetworkDraft): Network {
  const { ignored: _i, ...rest } = d;
  return { ...rest, name: d.name ?? (d.external ? key : `${project}_${key}`) };
}

function finishVolume(project: string, key: string, d: VolumeDraft): Volume {
  const { ignored: _i, ...rest } = d;
  return { ...rest, name: d.name ?? (d.external ? key : `${project}_${key}`) };
}

export function assemble(merged: FileModel, opts: AssembleOptions): Assembled {
  const readers = merged.readers;
  if (Object.keys(merged.services).length === 0) {
    throw new InvalidInputError("no services defined", { hint: "add a services: mapping (or containers: in the Kitten format)" });
  }
  const active = activeServices(merged, opts.profiles);
  const services: Record<string, Service> = {};
  const explicitNetworks = new Set<string>();
  const envFiles: Assembled["envFiles"] = {};
  const ignoredKeys: Assembled["ignoredKeys"] = {};
  for (const name of Object.keys(merged.services).sort()) {
    if (!active.has(name)) continue;
    const draft = merged.services[name]!;
    if (draft.networks && Object.keys(draft.networks).length > 0) explicitNetworks.add(name);
    if (draft.ignored?.length) ignoredKeys[`service ${name}`] = [...new Set(draft.ignored)].sort();
    const service = finishService(name, draft, opts, readers, (envFiles[name] = []));
    // optional dependencies on services disabled by a profile are dropped, like compose
    for (const [dep, cfg] of Object.entries(service.depends_on ?? {})) {
      if (!active.has(dep) && merged.services[dep] && cfg.required === false) delete service.depends_on![dep];
    }
    services[name] = service;
  }

  for (const [key, d] of Object.entries(merged.networks)) {
    if (d.ignored && d.ignored.length > 0) {
      opts.reporter.emit({ type: "warning", message: `ignoring: network ${key}: [${d.ignored.sort().join(", ")}]` });
      ignoredKeys[`network ${key}`] = [...d.ignored];
    }
  }
  for (const [key, d] of Object.entries(merged.volumes)) {
    if (d.ignored && d.ignored.length > 0) {
      opts.reporter.emit({ type: "warning", message: `ignoring: volume ${key}: [${d.ignored.sort().join(", ")}]` });
      ignoredKeys[`volume ${key}`] = [...d.ignored];
    }
  }

  const networks: Record<string, Network> = {};
  const declaredNetworks = Object.keys(merged.networks);
  for (const [name, s] of Object.entries(services)) {
    for (const net of Object.keys(s.networks ?? {})) {
      if (net === "default" || Object.hasOwn(merged.networks, net)) continue;
      fail(readers, name, ["networks"], `service "${name}" uses undefined network "${net}"`, didYouMeanHint(net, declaredNetworks) ?? `declare it under the top-level networks: key`);
    }
  }
  const usesDefault = Object.values(services).some((s) => s.networks && Object.hasOwn(s.networks, "default"));
  const networkDrafts: Record<string, NetworkDraft> = { ...merged.networks };
  if (usesDefault && !networkDrafts.default) networkDrafts.default = {};
  for (const key of Object.keys(networkDrafts).sort()) networks[key] = finishNetwork(opts.name, key, networkDrafts[key]!);

  const volumes: Record<string, Volume> = {};
  const declaredVolumes = Object.keys(merged.volumes);
  for (const [name, s] of Object.entries(services)) {
    (s.volumes ?? []).forEach((m, i) => {
      if (m.type !== "volume" || m.source === undefined || Object.hasOwn(merged.volumes, m.source)) return;
      fail(readers, name, ["volumes", i], `service "${name}" uses undefined volume "${m.source}"`, didYouMeanHint(m.source, declaredVolumes) ?? `declare it under the top-level volumes: key`);
    });
  }
  for (const key of Object.keys(merged.volumes).sort()) volumes[key] = finishVolume(opts.name, key, merged.volumes[key]!);
  const files = finishSecrets(merged, services, opts.name);
  checkRuntimeKeys(services, readers);

  for (const [name, s] of Object.entries(services)) {
    (s.build?.secrets ?? []).forEach((secret, i) => {
      if (merged.secrets?.[secret.source]) return;
      fail(readers, name, ["build", "secrets", i], `service "${name}" refers to undefined secret ${secret.source}`, didYouMeanHint(secret.source, Object.keys(merged.secrets ?? {})) ?? "declare it under the top-level secrets: key");
    });
  }
  const parsed = ProjectSchema.safeParse({ name: opts.name, services, networks, volumes, ...files });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidInputError(`${issue.path.join(".")}: ${issue.message}`);
  }
  return { project: parsed.data, explicitNetworks, readers, envFiles, ignoredKeys };
}
