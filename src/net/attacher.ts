/**
 * HOST side of container networking: the runtime's network hook (engine/runtime/network-hook.ts
 * NetworkAttacher, matched structurally) implemented by sending NetRequests (./agent-ops.ts) to
 * the in-namespace agent. attach makes sure the container's networks exist — with the subnets
 * the project plan gave (./plan.ts), or a free default one for a network nobody planned (e.g.
 * `kitten run --network x`) — then wires the container and rewrites the hosts files of every
 * container on its networks.
 */
import { RuntimeFailure } from "../core/errors.ts";
import type { NetRequest } from "./net-protocol.ts";
import type { Attachment, NetworkInfo } from "./networks.ts";
import { planSubnets, type NetworkPlan } from "./subnets.ts";
import { loadNetworkPlan, otherProjectsSubnets } from "./plan-store.ts";

/** The agent client, narrowed to the one operation this needs. */
export interface NetAgent {
  call(op: "net", request: NetRequest): Promise<unknown>;
}

export interface AttachContext {
  project: string;
  containerId: string;
  netnsPath: string;
  hostsPath: string;
  runtimeDir: string;
  spec: {
    name: string;
    service?: string;
    hostname?: string;
    networks?: Record<string, { aliases?: string[]; ipv4Address?: string; priority?: number; macAddress?: string }>;
    extraHosts?: string[];
  };
  agent: NetAgent;
}

export interface AttacherDeps {
  /** the planned networks of a project (planProjectNetworks), when it has a plan */
  networks?(project: string): NetworkPlan[] | undefined;
  /** kitten's data dir: read plans stored by saveNetworkPlan (./plan-store.ts) */
  dataDir?: string;
  /** subnets of other projects' networks, to keep defaults apart (DESIGN: nothing overlaps) */
  usedSubnets?(): string[];
}

function sameNetwork(a: NetworkInfo, b: NetworkPlan): boolean {
  return a.subnet === b.subnet && a.gateway === b.gateway && a.internal === b.internal && (a.ipRange ?? "") === (b.ipRange ?? "") && a.name === b.name;
}

export function cniAttacher(deps: AttacherDeps = {}) {
  const pending = new Map<string, Promise<void>>();

  async function ensureNetwork(ctx: AttachContext, key: string): Promise<void> {
    const id = `${ctx.runtimeDir}\0${key}`;
    let p = pending.get(id);
    if (!p) {
      p = (async () => {
        const base = { runtimeDir: ctx.runtimeDir, project: ctx.project };
        const { networks, containers } = (await ctx.agent.call("net", { op: "list", ctx: base })) as {
          networks: NetworkInfo[];
          containers: Array<{ containerId: string; attachments: Attachment[] }>;
        };
        const plans = deps.networks?.(ctx.project) ?? (deps.dataDir ? loadNetworkPlan(deps.dataDir, ctx.project) : undefined);
        const planned = plans?.find((n) => n.key === key);
        const existing = networks.find((n) => n.key === key);
        if (existing && (!planned || sameNetwork(existing, planned))) return;
        if (existing) {
          // the project changed the network: recreate it if nothing uses it (compose does the same)
          const user = containers.find((c) => c.attachments.some((a) => a.network === key));
          if (user) {
            throw new RuntimeFailure(`network "${key}" changed but container "${user.containerId}" still uses it`, {
              hint: "run `kitten down` and `kitten up` to recreate the project's networks",
            });
          }
          await ctx.agent.call("net", { op: "removeNetwork", ctx: base, key });
        }
        const others = [...networks.filter((n) => n.key !== key).map((n) => n.subnet), ...(deps.usedSubnets?.() ?? (deps.dataDir ? otherProjectsSubnets(deps.dataDir, ctx.project) : []))];
        const net = planned ?? planSubnets([{ key, name: `${ctx.project}_${key}` }], others)[0]!;
        await ctx.agent.call("net", {
          op: "createNetwork",
          ctx: base,
          net: { key, name: net.name, subnet: net.subnet, gateway: net.gateway, ipRange: net.ipRange, internal: net.internal },
        });
      })();
      pending.set(id, p);
      p.catch(() => {}).finally(() => pending.delete(id));
    }
    return p;
  }

  return {
    /** returns the container's address per network key, in interface order (eth0 first) */
    async attach(ctx: AttachContext): Promise<Record<string, string>> {
      const entries = Object.entries(ctx.spec.networks ?? {});
      for (const [key] of entries) await ensureNetwork(ctx, key);
      const out = (await ctx.agent.call("net", {
        op: "attach",
        ctx: { runtimeDir: ctx.runtimeDir, project: ctx.project },
        containerId: ctx.containerId,
        netnsPath: ctx.netnsPath,
        requests: entries.map(([network, cfg]) => ({ network, aliases: cfg.aliases, ipv4Address: cfg.ipv4Address, priority: cfg.priority, macAddress: cfg.macAddress })),
        identity: { name: ctx.spec.name, service: ctx.spec.service, hostname: ctx.spec.hostname, extraHosts: ctx.spec.extraHosts, hostsPath: ctx.hostsPath },
      })) as { attachments: Attachment[] };
      const ips: Record<string, string> = {};
      for (const a of out.attachments) {
        if (!a.ip) throw new RuntimeFailure(`container "${ctx.spec.name}": no address on network "${a.network}"`);
        ips[a.network] = a.ip;
      }
      return ips;
    },

    async detach(ctx: AttachContext): Promise<void> {
      await ctx.agent.call("net", { op: "detach", ctx: { runtimeDir: ctx.runtimeDir, project: ctx.project }, containerId: ctx.containerId });
    },
  };
}

/**
 * Removes the project's networks that no container uses any more (`down`): bridge, rules and
 * leases go with them. Returns the keys removed.
 */
export async function pruneNetworks(agent: NetAgent, ctx: { runtimeDir: string; project: string }): Promise<string[]> {
  const { networks, containers } = (await agent.call("net", { op: "list", ctx })) as {
    networks: NetworkInfo[];
    containers: Array<{ attachments: Attachment[] }>;
  };
  const used = new Set(containers.flatMap((c) => c.attachments.map((a) => a.network)));
  const removed: string[] = [];
  for (const n of networks) {
    if (used.has(n.key)) continue;
    await agent.call("net", { op: "removeNetwork", ctx, key: n.key });
    removed.push(n.key);
  }
  return removed;
}
