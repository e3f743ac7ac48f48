/**
 * From a project to the networks kitten creates (pure): which compose networks services use
 * (compose creates only those; a service without networks joins `default`, named
 * `<project>_default`), their subnets (./subnets.ts) and validated static addresses.
 * Types are structural so this stays independent of the engine's zod model.
 */
import { InvalidInputError } from "../core/errors.ts";
import { DEFAULT_NETWORK, networkModeOf } from "./modes.ts";
import { planSubnets, validateStaticAddresses, type NetworkPlan, type NetworkRequest, type StaticAddress } from "./subnets.ts";

export interface PlanNetwork {
  name: string;
  driver?: "bridge" | "host" | "none";
  internal?: boolean;
  external?: boolean;
  ipam?: { driver?: string; config?: Array<{ subnet?: string; gateway?: string; ip_range?: string }> };
}

export interface PlanService {
  network_mode?: string;
  networks?: Record<string, { aliases?: string[]; ipv4_address?: string; priority?: number } | null>;
  deploy?: { replicas?: number };
}

export interface PlanProject {
  name: string;
  services: Record<string, PlanService>;
  networks: Record<string, PlanNetwork>;
}

export interface ProjectNetworks {
  /** bridge networks to create, in a stable order */
  networks: NetworkPlan[];
  warnings: string[];
}

/**
 * Plans every bridge network the project's services use. `used` are the subnets of other
 * projects' networks; `existing` maps keys of this project's networks that already exist to
 * their subnet, so an unchanged network keeps its address space across `up` runs.
 */
export function planProjectNetworks(project: PlanProject, used: string[] = [], existing: Record<string, string> = {}): ProjectNetworks {
  const warnings: string[] = [];
  const inUse = new Set<string>();
  const statics: StaticAddress[] = [];
  for (const [name, service] of Object.entries(project.services)) {
    const mode = networkModeOf(name, service, project.networks);
    if (mode.kind !== "bridge") continue;
    for (const att of mode.networks) {
      if (att.network !== DEFAULT_NETWORK && !project.networks[att.network]) {
        throw new InvalidInputError(`service "${name}": network "${att.network}" is not declared`, { hint: "add it under the top-level networks:" });
      }
      inUse.add(att.network);
      if (att.ipv4Address) statics.push({ service: name, network: att.network, address: att.ipv4Address, replicas: service.deploy?.replicas ?? 1 });
    }
  }
  const requests: NetworkRequest[] = [];
  for (const key of [...inUse].sort()) {
    const net = project.networks[key] ?? { name: `${project.name}_${DEFAULT_NETWORK}` };
    if (net.driver && net.driver !== "bridge") continue;
    if (net.external) warnings.push(`network "${key}": external networks cannot be shared between projects rootless; kitten creates it inside this project`);
    if (net.ipam?.driver && net.ipam.driver !== "default") warnings.push(`network "${key}": ignoring ipam driver "${net.ipam.driver}"`);
    const keep = existing[key];
    const ipam = net.ipam?.config?.length ? net.ipam.config : keep ? [{ subnet: keep }] : undefined;
    requests.push({ key, name: net.name, internal: net.internal, ipam });
  }
  const plans = planSubnets(requests, used).map((p) => (existing[p.key] && !project.networks[p.key]?.ipam?.config?.length ? { ...p, userSubnet: false } : p));
  validateStaticAddresses(plans, statics);
  return { networks: plans, warnings };
}
