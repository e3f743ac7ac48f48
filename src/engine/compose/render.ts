/**
 * The canonical rendering of a Project, as `docker compose config` prints it: project keys in
 * the order name, services, networks, volumes; every mapping's keys sorted (Go sorts map keys,
 * and compose-go's struct fields are alphabetical too), so the output is stable byte for byte.
 */
import { stringify } from "yaml";
import type { Project } from "./model.ts";

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** A plain object with the canonical key order. */
export function toCanonical(project: Project): Record<string, unknown> {
  return {
    name: project.name,
    services: sortKeys(project.services),
    networks: sortKeys(project.networks),
    volumes: sortKeys(project.volumes),
    ...(project.secrets ? { secrets: sortKeys(project.secrets) } : {}),
    ...(project.configs ? { configs: sortKeys(project.configs) } : {}),
  };
}

export function toCanonicalJson(project: Project): string {
  return `${JSON.stringify(toCanonical(project), null, 2)}\n`;
}

export function toComposeYaml(project: Project): string {
  // YAML 1.1 quoting keeps strings such as "yes" or "8080:80" strings for every YAML reader
  return stringify(toCanonical(project), { lineWidth: 0, aliasDuplicateObjects: false, version: "1.1" });
}
