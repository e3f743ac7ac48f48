/**
 * Network modes of a service (pure). compose `network_mode` and the Kitten format's network
 * `driver: bridge|host|none` both map onto:
 * - bridge: one interface per compose network (the default; no networks listed → `default`)
 * - host: the rootless namespace's own stack (the runtime spec has no network namespace entry,
 *   so the container joins the namespace runc runs in; ports need no forwarding inside)
 * - none: a netns of its own with lo only
 * - container:<name> / service:<name>: join another container's netns file
 */
import { InvalidInputError, RuntimeFailure } from "../core/errors.ts";

export type NetworkMode =
  | { kind: "bridge"; networks: Array<{ network: string; aliases?: string[]; ipv4Address?: string; priority?: number }> }
  | { kind: "host" }
  | { kind: "none" }
  | { kind: "container"; container: string }
  | { kind: "service"; service: string };

/** The parts of a compose service and project this needs (structurally the engine's model). */
export interface ModeService {
  network_mode?: string;
  networks?: Record<string, { aliases?: string[]; ipv4_address?: string; priority?: number } | null>;
}

export const DEFAULT_NETWORK = "default";

export function networkModeOf(
  serviceName: string,
  service: ModeService,
  networks: Record<string, { driver?: "bridge" | "host" | "none" }>,
): NetworkMode {
  const where = `service "${serviceName}"`;
  const mode = service.network_mode;
  if (mode !== undefined && service.networks && Object.keys(service.networks).length > 0) {
    throw new InvalidInputError(`${where}: network_mode and networks cannot be combined`, { hint: "keep one of them" });
  }
  if (mode !== undefined) {
    if (mode === "host" || mode === "none") return { kind: mode };
    if (mode === "bridge" || mode === "default") return { kind: "bridge", networks: [{ network: DEFAULT_NETWORK }] };
    const m = /^(container|service):(.+)$/.exec(mode);
    if (m) return m[1] === "container" ? { kind: "container", container: m[2]! } : { kind: "service", service: m[2]! };
    throw new InvalidInputError(`${where}: unknown network_mode "${mode}"`, { hint: "use bridge, host, none, service:<name> or container:<name>" });
  }
  const entries = Object.entries(service.networks ?? {});
  if (entries.length === 0) return { kind: "bridge", networks: [{ network: DEFAULT_NETWORK }] };
  // the Kitten format's `driver: host|none` network: the service takes that mode
  const special = entries.map(([key]) => networks[key]?.driver).find((d) => d === "host" || d === "none");
  if (special) {
    if (entries.length > 1) throw new InvalidInputError(`${where}: a ${special} network cannot be combined with other networks`);
    return { kind: special };
  }
  return {
    kind: "bridge",
    networks: entries.map(([network, cfg]) => ({ network, aliases: cfg?.aliases, ipv4Address: cfg?.ipv4_address, priority: cfg?.priority })),
  };
}

/** What a container's runtime spec needs for its network namespace. */
export type NetnsChoice =
  | { kind: "own"; attach: boolean } // a new netns file; attach = bridge networks (false: lo only)
  | { kind: "namespace" } // host mode: no netns entry at all
  | { kind: "join"; netnsPath: string; of: string };

/**
 * Resolves a mode against running containers. For service:<name> the first running replica of
 * that service (lowest replica number) is joined, like docker compose does.
 */
export function resolveNetns(
  mode: NetworkMode,
  lookup: {
    netnsOfContainer(name: string): string | undefined;
    containersOfService(service: string): Array<{ name: string; replica?: number }>;
  },
): NetnsChoice {
  switch (mode.kind) {
    case "bridge":
      return { kind: "own", attach: true };
    case "none":
      return { kind: "own", attach: false };
    case "host":
      return { kind: "namespace" };
    case "container": {
      const path = lookup.netnsOfContainer(mode.container);
      if (!path) throw new RuntimeFailure(`network_mode container:${mode.container}: container "${mode.container}" is not running`, { hint: `start "${mode.container}" first` });
      return { kind: "join", netnsPath: path, of: mode.container };
    }
    case "service": {
      const target = [...lookup.containersOfService(mode.service)].sort((a, b) => (a.replica ?? 0) - (b.replica ?? 0))[0];
      const path = target && lookup.netnsOfContainer(target.name);
      if (!target || !path) throw new RuntimeFailure(`network_mode service:${mode.service}: no running container of service "${mode.service}"`, { hint: `add depends_on: [${mode.service}]` });
      return { kind: "join", netnsPath: path, of: target.name };
    }
  }
}

/**
 * The network fields of a runtime ContainerSpec for a service: `networkMode` and `networks`
 * (key → aliases, static address, priority), with the Kitten format's `driver: host|none`
 * networks mapped onto the modes. service:<name> becomes container:<its first replica>, the
 * way docker compose resolves it (`containerName` gives that name).
 */
export function specNetworking(
  serviceName: string,
  service: ModeService,
  networks: Record<string, { driver?: "bridge" | "host" | "none" }>,
  containerName: (service: string) => string,
): { networkMode?: "bridge" | "host" | "none" | `container:${string}`; networks?: Record<string, { aliases?: string[]; ipv4Address?: string; priority?: number }> } {
  const mode = networkModeOf(serviceName, service, networks);
  switch (mode.kind) {
    case "host":
    case "none":
      return { networkMode: mode.kind };
    case "container":
      return { networkMode: `container:${mode.container}` };
    case "service":
      return { networkMode: `container:${containerName(mode.service)}` };
    case "bridge":
      return {
        networks: Object.fromEntries(
          mode.networks.map((n) => [
            n.network,
            { ...(n.aliases ? { aliases: n.aliases } : {}), ...(n.ipv4Address ? { ipv4Address: n.ipv4Address } : {}), ...(n.priority !== undefined ? { priority: n.priority } : {}) },
          ]),
        ),
      };
  }
}
