/**
 * One service as written (any syntax the compose spec allows) → its canonical draft: the
 * long form compose prints, before files are merged and project-wide defaults are applied.
 * Keys of the spec that kitten does not model are collected for the one warning per service.
 */
import { isIP } from "node:net";
import { resolve } from "node:path";
import type { DependsOn, Healthcheck, Service, ServiceNetwork } from "./model.ts";
import { RestartSchema } from "./model.ts";
import {
  DEPENDS_ON_KEYS, DEPLOY_SPEC_KEYS, DEPLOY_SUPPORTED, ENV_FILE_KEYS, EXTENDS_KEYS, HEALTHCHECK_KEYS,
  RESOURCE_SPEC_KEYS, RESOURCE_SUPPORTED, SERVICE_NETWORK_SPEC_KEYS, SERVICE_NETWORK_SUPPORTED,
  SERVICE_SPEC_KEYS, SERVICE_SUPPORTED,
} from "./spec-keys.ts";
import { isDict, type FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";
import { readPorts } from "./ports.ts";
import { expandHome, readVolumes } from "./volumes.ts";
import { shellSplit, ShellWordsError } from "./shell-words.ts";
import { normalizeDuration } from "./duration.ts";
import { parseBytes } from "./units.ts";
import { readBuild } from "./build.ts";
import { RUNTIME_KEY_HANDLERS } from "./runtime-keys.ts";
import { readLogging } from "./logging.ts";

export interface EnvFileRef {
  path: string;
  required: boolean;
  /** compose's `format: raw`: KEY=VALUE lines taken literally, no quotes or interpolation */
  raw?: boolean;
}

/** A service in canonical form, plus what only loading needs (env files, scale, extends, ignored keys). */
export type ServiceDraft = Partial<Service> & {
  env_file?: EnvFileRef[];
  scale?: number;
  extends?: { service: string; file?: string };
  /** `links`: only their implied dependencies are kept (services reach each other by name anyway) */
  links?: string[];
  /** spec keys kitten does not model, for the "ignoring:" warning */
  ignored?: string[];
  /** keys tagged `!reset`: removed from what this draft is merged over */
  resets?: string[];
  /** keys tagged `!override`: replace instead of merging */
  overrides?: string[];
};

type Handler = (r: FileReader, v: unknown, path: KeyPath, d: ServiceDraft, home: string | undefined) => void;

const DEPENDS_CONDITIONS = new Set(["service_started", "service_healthy", "service_completed_successfully"]);
const EXPOSE = /^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/;

function command(r: FileReader, v: unknown, path: KeyPath): string[] | null {
  if (v === null) return null;
  if (typeof v === "string") {
    try {
      return shellSplit(v);
    } catch (err) {
      if (err instanceof ShellWordsError) r.fail(path, `cannot split the command: ${err.message}`, "quote the command as a list instead");
      throw err;
    }
  }
  return r.list(v, path).map((item, i) => r.text(item, [...path, i]));
}

export function duration(r: FileReader, v: unknown, path: KeyPath): string {
  const text = r.str(v, path);
  const normalized = normalizeDuration(text);
  if (normalized === undefined || normalized.startsWith("-")) {
    r.fail(path, `invalid duration "${text}"`, 'use a duration like "10s", "1m30s" or "500ms"');
  }
  return normalized;
}

/** Environment as a map; list entries without "=" and null values stay null (resolved later). */
export function readEnvironment(r: FileReader, v: unknown, path: KeyPath): Record<string, string | null> {
  const env: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const entry = r.text(item, [...path, i]);
      const eq = entry.indexOf("=");
      const key = eq < 0 ? entry : entry.slice(0, eq);
      if (key === "") r.fail([...path, i], `invalid environment entry "${entry}": the name is empty`);
      env[key] = eq < 0 ? null : entry.slice(eq + 1);
    });
    return env;
  }
  for (const [k, value] of Object.entries(r.optMap(v, path))) {
    env[k] = value === null ? null : r.scalar(value, [...path, k]);
  }
  return env;
}

function labels(r: FileReader, v: unknown, path: KeyPath): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(readEnvironment(r, v, path))) out[k] = value ?? "";
  return out;
}

function healthcheck(r: FileReader, v: unknown, path: KeyPath): Healthcheck {
  const m = r.optMap(v, path);
  r.checkKeys(m, path, HEALTHCHECK_KEYS);
  const h: Healthcheck = {};
  if (m.test !== undefined) {
    const p = [...path, "test"];
    if (typeof m.test === "string") h.test = ["CMD-SHELL", m.test];
    else {
      const test = r.list(m.test, p).map((item, i) => r.text(item, [...p, i]));
      if (test.length === 0 || !["CMD", "CMD-SHELL", "NONE"].includes(test[0]!)) {
        r.fail(p, `a healthcheck test list must start with "CMD", "CMD-SHELL" or "NONE"`, 'e.g. ["CMD", "curl", "-f", "http://localhost/"] or a plain string for the shell');
      }
      h.test = test;
    }
  }
  for (const key of ["interval", "timeout", "start_period", "start_interval"] as const) {
    if (m[key] !== undefined && m[key] !== null) h[key] = duration(r, m[key], [...path, key]);
  }
  if (m.retries !== undefined) h.retries = r.int(m.retries, [...path, "retries"], 0);
  if (m.disable !== undefined) h.disable = r.bool(m.disable, [...path, "disable"]);
  return h;
}

function deploy(r: FileReader, v: unknown, path: KeyPath, d: ServiceDraft): void {
  const m = r.optMap(v, path);
  const ignored = r.checkKeys(m, path, DEPLOY_SUPPORTED, DEPLOY_SPEC_KEYS).map((k) => `deploy.${k}`);
  const out: NonNullable<Service["deploy"]> = {};
  if (m.mode !== undefined) {
    const mode = r.str(m.mode, [...path, "mode"]);
    if (mode !== "replicated" && mode !== "global") r.fail([...path, "mode"], `deploy mode must be replicated or global, got "${mode}"`);
    if (mode === "global") ignored.push("deploy.mode");
    else out.mode = mode;
  }
  if (m.replicas !== undefined && m.replicas !== null) out.replicas = r.int(m.replicas, [...path, "replicas"], 0);
  if (m.resources !== undefined) {
    const rp = [...path, "resources"];
    const res = r.optMap(m.resources, rp);
    r.checkKeys(res, rp, new Set(["limits", "reservations"]));
    const resources: NonNullable<NonNullable<Service["deploy"]>["resources"]> = {};
    for (const kind of ["limits", "reservations"] as const) {
      if (res[kind] === undefined) continue;
      const kp = [...rp, kind];
      const lim = r.optMap(res[kind], kp);
      ignored.push(...r.checkKeys(lim, kp, RESOURCE_SUPPORTED, RESOURCE_SPEC_KEYS).map((k) => `deploy.resources.${kind}.${k}`));
      const values: { cpus?: string; memory?: string; pids?: number } = {};
      if (lim.cpus !== undefined) {
        const cpus = r.text(lim.cpus, [...kp, "cpus"]);
        if (!/^\d+(\.\d+)?$/.test(cpus) || Number(cpus) <= 0) r.fail([...kp, "cpus"], `invalid cpus "${cpus}": use a positive number like 0.5`);
        values.cpus = String(Number(cpus)); // "0.50" → "0.5", as compose-go prints the float
      }
      if (lim.memory !== undefined) {
        const mem = typeof lim.memory === "string" || typeof lim.memory === "number" ? parseBytes(lim.memory) : undefined;
        if (mem === undefined) r.fail([...kp, "memory"], `invalid memory size ${JSON.stringify(lim.memory)}`, 'use bytes or a size like "512m" or "1g"');
        values.memory = String(mem);
      }
      if (lim.pids !== undefined) values.pids = r.int(lim.pids, [...kp, "pids"], 0);
      resources[kind] = values;
    }
    out.resources = resources;
  }
  d.deploy = out;
  if (ignored.length > 0) d.ignored = [...(d.ignored ?? []), ...ignored];
}

function networks(r: FileReader, v: unknown, path: KeyPath, d: ServiceDraft): void {
  const out: Record<string, ServiceNetwork> = {};
  if (Array.isArray(v)) {
    v.forEach((item, i) => (out[r.str(item, [...path, i])] = null));
  } else {
    for (const [name, value] of Object.entries(r.map(v, path))) {
      const p = [...path, name];
      if (value === null) {
        out[name] = null;
        continue;
      }
      const m = r.map(value, p);
      const ignored = r.checkKeys(m, p, SERVICE_NETWORK_SUPPORTED, SERVICE_NETWORK_SPEC_KEYS).map((k) => `networks.${name}.${k}`);
      if (ignored.length > 0) d.ignored = [...(d.ignored ?? []), ...ignored];
      const n: NonNullable<ServiceNetwork> = {};
      if (m.aliases !== undefined) n.aliases = r.strings(m.aliases, [...p, "aliases"]);
      if (m.ipv4_address !== undefined) {
        const ip = r.str(m.ipv4_address, [...p, "ipv4_address"]);
        if (isIP(ip) !== 4) r.fail([...p, "ipv4_address"], `invalid IPv4 address "${ip}"`);
        n.ipv4_address = ip;
      }
      if (m.ipv6_address !== undefined) {
        const ip = r.str(m.ipv6_address, [...p, "ipv6_address"]);
        if (isIP(ip) !== 6) r.fail([...p, "ipv6_address"], `invalid IPv6 address "${ip}"`);
        n.ipv6_address = ip;
      }
      if (m.priority !== undefined) n.priority = r.int(m.priority, [...p, "priority"]);
      out[name] = n;
    }
  }
  d.networks = out;
}

function dependsOn(r: FileReader, v: unknown, path: KeyPath): Record<string, DependsOn> {
  const out: Record<string, DependsOn> = {};
  if (Array.isArray(v)) {
    v.forEach((item, i) => (out[r.str(item, [...path, i])] = { condition: "service_started", required: true }));
    return out;
  }
  for (const [name, value] of Object.entries(r.map(v, path))) {
    const p = [...path, name];
    const m = r.optMap(value, p);
    r.checkKeys(m, p, DEPENDS_ON_KEYS);
    const dep: DependsOn = { condition: "service_started", required: true };
    if (m.condition !== undefined) {
      const c = r.str(m.condition, [...p, "condition"]);
      if (!DEPENDS_CONDITIONS.has(c)) {
        r.fail([...p, "condition"], `invalid condition "${c}"`, "use service_started, service_healthy or service_completed_successfully");
      }
      dep.condition = c as DependsOn["condition"];
    }
    if (m.required !== undefined) dep.required = r.bool(m.required, [...p, "required"]);
    if (m.restart !== undefined) dep.restart = r.bool(m.restart, [...p, "restart"]);
    out[name] = dep;
  }
  return out;
}

function extraHosts(r: FileReader, v: unknown, path: KeyPath): string[] {
  const out: string[] = [];
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const entry = r.str(item, [...path, i]);
      // "host=ip" is the newer form; "host:ip" splits at the first colon (the IP may be IPv6)
      const sep = entry.includes("=") ? entry.indexOf("=") : entry.indexOf(":");
      if (sep <= 0 || sep === entry.length - 1) r.fail([...path, i], `invalid extra host "${entry}"`, 'use "hostname:ip" or "hostname=ip"');
      // "host=ip1,ip2" gives one entry per address (compose-go's HostsList)
      for (const ip of entry.slice(sep + 1).split(",")) out.push(`${entry.slice(0, sep)}:${ip}`);
    });
    return out;
  }
  for (const [host, value] of Object.entries(r.map(v, path))) {
    const ips = Array.isArray(value) ? r.strings(value, [...path, host]) : [r.str(value, [...path, host])];
    for (const ip of ips) out.push(`${host}:${ip}`);
  }
  return out;
}

function ulimits(r: FileReader, v: unknown, path: KeyPath): Record<string, { soft: number; hard: number }> {
  const out: Record<string, { soft: number; hard: number }> = {};
  for (const [name, value] of Object.entries(r.map(v, path))) {
    const p = [...path, name];
    if (!isDict(value)) {
      const n = r.int(value, p);
      out[name] = { soft: n, hard: n };
      continue;
    }
    r.checkKeys(value, p, new Set(["soft", "hard"]));
    if (value.soft === undefined || value.hard === undefined) r.fail(p, `a ulimit needs both "soft" and "hard"`);
    out[name] = { soft: r.int(value.soft, [...p, "soft"]), hard: r.int(value.hard, [...p, "hard"]) };
  }
  return out;
}

function envFiles(r: FileReader, v: unknown, path: KeyPath, home: string | undefined): EnvFileRef[] {
  const items = typeof v === "string" ? [v] : r.list(v, path);
  return items.map((item, i) => {
    const p = typeof v === "string" ? path : [...path, i];
    if (typeof item === "string") return { path: resolve(r.baseDir, expandHome(item, home)), required: true };
    const m = r.map(item, p);
    r.checkKeys(m, p, ENV_FILE_KEYS);
    if (m.path === undefined) r.fail(p, `an env_file entry needs a "path"`);
    const file = r.str(m.path, [...p, "path"]);
    const ref: EnvFileRef = { path: resolve(r.baseDir, expandHome(file, home)), required: m.required === undefined ? true : r.bool(m.required, [...p, "required"]) };
    if (m.format !== undefined) {
      const format = r.str(m.format, [...p, "format"]);
      if (format !== "raw") r.fail([...p, "format"], `unknown env_file format "${format}"`, 'leave it out for the .env syntax, or use "raw"');
      ref.raw = true;
    }
    return ref;
  });
}

const HANDLERS: Record<string, Handler> = {
  image: (r, v, p, d) => (d.image = r.str(v, p)),
  build: (r, v, p, d) => {
    const ignored: string[] = [];
    d.build = readBuild(r, v, p, ignored);
    if (ignored.length > 0) d.ignored = [...(d.ignored ?? []), ...ignored];
  },
  command: (r, v, p, d) => (d.command = command(r, v, p)),
  entrypoint: (r, v, p, d) => (d.entrypoint = command(r, v, p)),
  environment: (r, v, p, d) => (d.environment = readEnvironment(r, v, p)),
  env_file: (r, v, p, d, home) => (d.env_file = envFiles(r, v, p, home)),
  ports: (r, v, p, d) => (d.ports = readPorts(r, v, p)),
  expose: (r, v, p, d) =>
    (d.expose = r.strings(v, p).map((e, i) => {
      if (!EXPOSE.test(e)) r.fail([...p, i], `invalid exposed port "${e}"`);
      return e;
    })),
  networks: (r, v, p, d) => networks(r, v, p, d),
  network_mode: (r, v, p, d) => (d.network_mode = r.str(v, p)),
  depends_on: (r, v, p, d) => (d.depends_on = dependsOn(r, v, p)),
  restart: (r, v, p, d) => {
    const text = r.str(v, p);
    if (!RestartSchema.safeParse(text).success) r.fail(p, `invalid restart policy "${text}"`, "use no, always, on-failure, on-failure:N or unless-stopped");
    d.restart = text;
  },
  healthcheck: (r, v, p, d) => (d.healthcheck = healthcheck(r, v, p)),
  deploy: (r, v, p, d) => deploy(r, v, p, d),
  scale: (r, v, p, d) => (d.scale = r.int(v, p, 0)),
  volumes: (r, v, p, d, home) => {
    const { mounts, ignored } = readVolumes(r, v, p, home);
    d.volumes = mounts;
    if (ignored.length > 0) d.ignored = [...(d.ignored ?? []), ...ignored];
  },
  working_dir: (r, v, p, d) => (d.working_dir = r.str(v, p)),
  user: (r, v, p, d) => (d.user = r.text(v, p)),
  hostname: (r, v, p, d) => (d.hostname = r.str(v, p)),
  container_name: (r, v, p, d) => {
    d.container_name = r.name("container", r.str(v, p), p);
  },
  // merged over what label_file brought (runtime-keys.ts), whichever key comes first
  labels: (r, v, p, d) => (d.labels = { ...d.labels, ...labels(r, v, p) }),
  extra_hosts: (r, v, p, d) => (d.extra_hosts = extraHosts(r, v, p)),
  stop_signal: (r, v, p, d) => (d.stop_signal = r.str(v, p)),
  stop_grace_period: (r, v, p, d) => (d.stop_grace_period = duration(r, v, p)),
  init: (r, v, p, d) => (d.init = r.bool(v, p)),
  read_only: (r, v, p, d) => (d.read_only = r.bool(v, p)),
  tmpfs: (r, v, p, d) => (d.tmpfs = r.strings(v, p, true)),
  cap_add: (r, v, p, d) => (d.cap_add = r.strings(v, p)),
  security_opt: (r, v, p, d) => (d.security_opt = r.strings(v, p)),
  cap_drop: (r, v, p, d) => (d.cap_drop = r.strings(v, p)),
  ulimits: (r, v, p, d) => (d.ulimits = ulimits(r, v, p)),
  profiles: (r, v, p, d) => (d.profiles = r.strings(v, p)),
  tty: (r, v, p, d) => (d.tty = r.bool(v, p)),
  stdin_open: (r, v, p, d) => (d.stdin_open = r.bool(v, p)),
  links: (r, v, p, d) => (d.links = r.strings(v, p).map((l) => l.split(":")[0]!)),
  extends: (r, v, p, d) => {
    if (typeof v === "string") {
      d.extends = { service: v };
      return;
    }
    const m = r.map(v, p);
    r.checkKeys(m, p, EXTENDS_KEYS);
    if (m.service === undefined) r.fail(p, `extends needs a "service"`);
    d.extends = { service: r.str(m.service, [...p, "service"]) };
    if (m.file !== undefined) d.extends.file = resolve(r.baseDir, r.str(m.file, [...p, "file"]));
  },
  ...RUNTIME_KEY_HANDLERS,
  logging: (r, v, p, d) => readLogging(r, v, p, d),
};

/** Reads `services.<name>` of a file into its canonical draft, honouring `!reset` / `!override`. */
export function readService(r: FileReader, raw: unknown, path: KeyPath, home: string | undefined): ServiceDraft {
  const m = { ...r.optMap(raw, path) };
  const draft: ServiceDraft = {};
  for (const { path: tagged, tag } of r.parsed.tags) {
    if (tagged.length !== path.length + 1 || !path.every((p, i) => tagged[i] === p)) continue;
    const key = String(tagged[path.length]);
    if (tag === "!reset") {
      delete m[key];
      draft.resets = [...(draft.resets ?? []), key];
    } else {
      draft.overrides = [...(draft.overrides ?? []), key];
    }
  }
  const ignored = r.checkKeys(m, path, SERVICE_SUPPORTED, SERVICE_SPEC_KEYS);
  for (const [key, value] of Object.entries(m)) {
    const handler = HANDLERS[key];
    if (handler) handler(r, value, [...path, key], draft, home);
  }
  if (ignored.length > 0) draft.ignored = [...ignored, ...(draft.ignored ?? [])];
  return draft;
}

