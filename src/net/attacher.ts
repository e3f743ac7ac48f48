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
    networks?: Record<string, { aliases?: string[]; ipv4Address?: string; priority?: number }>;
    extraHosts?: string[];
  };
  agent: NetAgent;
}

export interface AttacherDeps {
  /** the planned networks of a project (planProjectNetworks), when it has a plan */
  networks?(project: string): NetworkPlan[] | undefined;
  /** subnets of other projects' networks, to keep defaults apart (DESIGN: nothing overlaps) */
  usedSubnets?(): string[];
}

export function cniAttacher(deps: AttacherDeps = {}) {
  const pending = new Map<string, Promise<void>>();

  async function ensureNetwork(ctx: AttachContext, key: string): Promise<void> {
    const id = `${ctx.runtimeDir}\0${key}`;
    let p = pending.get(id);
    if (!p) {
      p = (async () => {
        const base = { runtimeDir: ctx.runtimeDir, project: ctx.project };
        const { networks } = (await ctx.agent.call("net", { op: "list", ctx: base })) as { networks: NetworkInfo[] };
        const planned = deps.networks?.(ctx.project)?.find((n) => n.key === key);
        const existing = networks.find((n) => n.key === key);
        if (existing && (!planned || existing.subnet === planned.subnet)) return;
        const net =
          planned ??
          planSubnets([{ key, name: `${ctx.project}_${key}` }], [...networks.map((n) => n.subnet), ...(deps.usedSubnets?.() ?? [])])[0]!;
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
        requests: entries.map(([network, cfg]) => ({ network, aliases: cfg.aliases, ipv4Address: cfg.ipv4Address, priority: cfg.priority })),
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
