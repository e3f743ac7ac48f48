/**
 * Where to fetch a registry's images from, as containers' registries.conf describes it: mirrors
 * tried in order before the registry itself, and which hosts may be reached without verified TLS.
 * Read from kitten's config file ($XDG_CONFIG_HOME/kitten/config.yaml, or $KITTEN_ROOT/config):
 *
 *   registries:
 *     docker.io:
 *       mirrors: ["127.0.0.1:5000", "https://mirror.example.com"]
 *     registry.internal:5000:
 *       insecure: true
 *
 * and from KITTEN_REGISTRY_MIRROR="docker.io=http://127.0.0.1:5000,ghcr.io=…" (pairs, comma-separated),
 * whose mirrors come first. HTTPS is the default; plain HTTP only for loopback hosts, hosts
 * configured insecure, or a mirror written with an explicit http:// URL.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { InvalidInputError, errorText } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { DEFAULT_REGISTRY } from "./reference.ts";

export interface Endpoint {
  /** registry host the credentials are looked up by */
  host: string;
  /** base URLs to try in order, e.g. ["https://h", "http://h"] for an insecure host */
  urls: string[];
  mirror: boolean;
  /** skip TLS verification (insecure hosts only) */
  insecure: boolean;
}

const MirrorSchema = z.union([z.string(), z.object({ location: z.string(), insecure: z.boolean().optional() })]);
const ConfigSchema = z.object({
  registries: z.record(z.string(), z.object({ mirrors: z.array(MirrorSchema).optional(), insecure: z.boolean().optional() }).loose()).optional(),
}).loose();

export interface RegistrySettings {
  mirrors: Map<string, { location: string; insecure?: boolean }[]>;
  insecure: Set<string>;
}

export function parseMirrorEnv(value: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pair of (value ?? "").split(",")) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0 || eq === trimmed.length - 1) {
      throw new InvalidInputError(`KITTEN_REGISTRY_MIRROR: "${trimmed}" is not registry=mirror`, { code: "bad_mirror", hint: "e.g. KITTEN_REGISTRY_MIRROR=docker.io=http://127.0.0.1:5000" });
    }
    const registry = trimmed.slice(0, eq);
    out.set(registry, [...(out.get(registry) ?? []), trimmed.slice(eq + 1)]);
  }
  return out;
}

export function loadRegistrySettings(paths: KittenPaths = kittenPaths(), env: Record<string, string | undefined> = process.env): RegistrySettings {
  const settings: RegistrySettings = { mirrors: new Map(), insecure: new Set() };
  for (const [registry, mirrors] of parseMirrorEnv(env.KITTEN_REGISTRY_MIRROR)) {
    settings.mirrors.set(registry, mirrors.map((location) => ({ location })));
  }
  const file = join(paths.config, "config.yaml");
  if (!existsSync(file)) return settings;
  let parsed: z.infer<typeof ConfigSchema>;
  try {
    parsed = ConfigSchema.parse(parse(readFileSync(file, "utf8")) ?? {});
  } catch (err) {
    throw new InvalidInputError(`${file}: invalid registries settings: ${errorText(err).split("\n")[0]}`, { code: "bad_config", hint: "registries: { docker.io: { mirrors: [\"127.0.0.1:5000\"], insecure: false } }" });
  }
  for (const [registry, conf] of Object.entries(parsed.registries ?? {})) {
    const key = registry === "index.docker.io" ? DEFAULT_REGISTRY : registry;
    if (conf.insecure) settings.insecure.add(key);
    const mirrors = (conf.mirrors ?? []).map((m) => (typeof m === "string" ? { location: m } : m));
    settings.mirrors.set(key, [...(settings.mirrors.get(key) ?? []), ...mirrors]);
  }
  return settings;
}

export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
  return name === "localhost" || name === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function endpointFor(location: string, settings: RegistrySettings, mirror: boolean, insecureFlag?: boolean): Endpoint {
  const explicit = /^(https?):\/\/(.+?)\/*$/.exec(location);
  if (explicit) {
    const host = explicit[2]!;
    return { host, urls: [`${explicit[1]}://${host}`], mirror, insecure: explicit[1] === "http" || Boolean(insecureFlag) || settings.insecure.has(host) };
  }
  const host = location.replace(/\/+$/, "");
  const insecure = Boolean(insecureFlag) || settings.insecure.has(host) || isLoopbackHost(host);
  const upstream = host === DEFAULT_REGISTRY ? "registry-1.docker.io" : host;
  return { host, urls: insecure ? [`https://${upstream}`, `http://${upstream}`] : [`https://${upstream}`], mirror, insecure };
}

/** The endpoints to try for a registry: its mirrors in order, then the registry itself. */
export function endpointsFor(registry: string, settings: RegistrySettings): Endpoint[] {
  const mirrors = (settings.mirrors.get(registry) ?? []).map((m) => endpointFor(m.location, settings, true, m.insecure));
  return [...mirrors, endpointFor(registry, settings, false)];
}
