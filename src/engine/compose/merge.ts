/**
 * Compose's merge rules (compose-spec "merge and override", as compose-go applies them to
 * several -f files and to extends): mappings merge key by key, scalars are replaced; ports,
 * expose, extra_hosts, cap_add/cap_drop, tmpfs and env_file are appended without duplicates;
 * environment and labels merge by variable; command, entrypoint and healthcheck.test are
 * replaced; volumes merge by target; networks and depends_on merge by key.
 */
import type { ServiceDraft } from "./service.ts";

type Draft = ServiceDraft;

function uniqueAppend<T>(a: T[] | undefined, b: T[] | undefined): T[] | undefined {
  if (b === undefined) return a;
  if (a === undefined) return b;
  const seen = new Set(a.map((x) => JSON.stringify(x)));
  const out = [...a];
  for (const x of b) {
    const key = JSON.stringify(x);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(x);
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep merge of plain mappings; anything else in `over` replaces. */
export function deepMerge<T>(base: T, over: T): T {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = v === undefined ? out[k] : deepMerge(out[k], v);
  return out as T;
}

export function mergeService(base: Draft, over: Draft): Draft {
  const { resets, overrides, ...own } = over;
  const out: Draft = { ...base };
  // compose-spec merge control: `!reset` drops the inherited value, `!override` replaces it whole
  for (const key of resets ?? []) delete (out as Record<string, unknown>)[key];
  for (const key of Object.keys(own) as (keyof typeof own)[]) {
    const b = base[key];
    const o = own[key];
    if (o === undefined) continue;
    if (overrides?.includes(key)) {
      (out as Record<string, unknown>)[key] = o;
      continue;
    }
    switch (key) {
      case "ports":
      case "expose":
      case "extra_hosts":
      case "cap_add":
      case "cap_drop":
      case "tmpfs":
      case "profiles":
      case "links":
      case "ignored":
      case "dns":
      case "dns_search":
      case "dns_opt":
      case "devices":
      case "volumes_from":
      case "group_add":
      case "post_start":
      case "pre_stop":
        (out as Record<string, unknown>)[key] = uniqueAppend(b as unknown[] | undefined, o as unknown[]);
        break;
      case "env_file":
        out.env_file = uniqueAppend(base.env_file, over.env_file);
        break;
      case "environment":
      case "labels":
      case "ulimits":
      case "sysctls":
      case "annotations":
        (out as Record<string, unknown>)[key] = { ...(b as object | undefined), ...(o as object) };
        break;
      case "volumes": {
        const byTarget = new Map((base.volumes ?? []).map((v) => [v.target, v]));
        for (const v of over.volumes ?? []) byTarget.set(v.target, v);
        out.volumes = [...byTarget.values()];
        break;
      }
      case "networks": {
        const nets = { ...base.networks };
        for (const [name, cfg] of Object.entries(over.networks ?? {})) {
          const prev = nets[name];
          if (cfg === null || prev === null || prev === undefined) nets[name] = cfg ?? prev ?? null;
          else nets[name] = { ...prev, ...cfg, ...(cfg.aliases || prev.aliases ? { aliases: uniqueAppend(prev.aliases, cfg.aliases) } : {}) };
        }
        out.networks = nets;
        break;
      }
      case "depends_on": {
        const deps = { ...base.depends_on };
        for (const [name, cfg] of Object.entries(over.depends_on ?? {})) deps[name] = { ...deps[name], ...cfg };
        out.depends_on = deps;
        break;
      }
      case "secrets":
      case "configs": {
        // by target, as compose merges them: an override of a target replaces that entry
        const byTarget = new Map((base[key] ?? []).map((x) => [x.target ?? x.source, x]));
        for (const x of over[key] ?? []) byTarget.set(x.target ?? x.source, x);
        out[key] = [...byTarget.values()];
        break;
      }
      case "healthcheck":
        // a mapping merged key by key; `test` (a list) is replaced, never appended
        out.healthcheck = { ...base.healthcheck, ...over.healthcheck };
        break;
      case "deploy":
        out.deploy = deepMerge(base.deploy, over.deploy);
        break;
      case "build":
        // a mapping merged key by key (args and labels by name)
        out.build = base.build && over.build ? { ...deepMerge(base.build, over.build), context: over.build.context } : (over.build ?? base.build);
        break;
      default:
        (out as Record<string, unknown>)[key] = o;
    }
  }
  return out;
}
