/**
 * IPv4 address planning for compose networks (pure, runs anywhere).
 *
 * Every bridge network gets one IPv4 subnet: the `ipam.config` one when the user gave it
 * (subnet, gateway, ip_range — compose-spec "ipam"), otherwise the first free /24 from
 * 10.89.0.0 on (podman's default pool starts there) that overlaps nothing else kitten runs — networks of
 * this project and of other projects, passed in as `used` — and nothing the user configured.
 * 10.0.2.0/24 is always taken: it is slirp4netns' network on the rootless namespace's tap0.
 */
import { InvalidInputError } from "../core/errors.ts";

/** slirp4netns' network on tap0 inside every rootless namespace (rootlesskit default). */
export const SLIRP_SUBNET = "10.0.2.0/24";
/** slirp4netns' gateway: the host's loopback as seen from inside, unless --disable-host-loopback. */
export const SLIRP_HOST_GATEWAY = "10.0.2.2";
/** slirp4netns' DNS forwarder. */
export const SLIRP_DNS = "10.0.2.3";

/** default subnets: /24s from 10.89.0.0 (podman's first) up to 10.127.255.0 */
const POOL = { start: ip4("10.89.0.0"), end: ip4("10.128.0.0"), size: 24 };

export interface Cidr {
  /** network address as an unsigned 32-bit integer */
  base: number;
  prefix: number;
}

/** What the project asks for: one compose network (bridge driver). */
export interface NetworkRequest {
  key: string;
  name: string;
  internal?: boolean;
  ipam?: Array<{ subnet?: string; gateway?: string; ip_range?: string }>;
}

/** What the network library creates: `createNetwork` input. */
export interface NetworkPlan {
  key: string;
  name: string;
  subnet: string;
  gateway: string;
  ipRange?: string;
  internal: boolean;
  /** true when the subnet came from ipam.config (static addresses are only allowed then) */
  userSubnet: boolean;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function ip4(text: string): number {
  const n = parseIpv4(text);
  if (n === undefined) throw new Error(`bad ipv4 literal ${text}`);
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Parses "a.b.c.d/n"; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const base = parseIpv4(m[1]!);
  const prefix = Number(m[2]);
  if (base === undefined || prefix > 32) return undefined;
  if (base % blockSize(prefix) !== 0) return undefined;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + blockSize(c.prefix);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}

export function broadcastOf(c: Cidr): number {
  return c.base + blockSize(c.prefix) - 1;
}

interface Taken {
  cidr: Cidr;
  what: string;
}

/**
 * Plans the subnet of every network. `used` lists subnets kitten already runs elsewhere (other
 * projects, or this project's networks that already exist: pass those as requests with their
 * subnet in ipam to keep them). Throws InvalidInputError naming the network for bad ipam config.
 */
export function planSubnets(requests: NetworkRequest[], used: string[] = []): NetworkPlan[] {
  const taken: Taken[] = [{ cidr: parseCidr(SLIRP_SUBNET)!, what: "the rootless namespace's slirp network" }];
  for (const u of used) {
    const c = parseCidr(u);
    if (c) taken.push({ cidr: c, what: `another kitten network (${u})` });
  }
  const plans = new Map<string, NetworkPlan>();
  // user-configured subnets first, so allocated defaults avoid all of them
  for (const req of requests) {
    const config = ipv4Config(req);
    if (!config?.subnet) continue;
    const where = `network "${req.key}"`;
    const cidr = parseCidr(config.subnet);
    if (!cidr) throw new InvalidInputError(`${where}: invalid subnet "${config.subnet}"`, { hint: 'write it as a network address with a prefix, e.g. "10.90.0.0/24"' });
    if (cidr.prefix > 30) throw new InvalidInputError(`${where}: subnet ${config.subnet} is too small`, { hint: "use a prefix of /30 or shorter" });
    const clash = taken.find((t) => cidrsOverlap(t.cidr, cidr));
    if (clash) throw new InvalidInputError(`${where}: subnet ${config.subnet} overlaps ${clash.what}`, { hint: "choose another ipam subnet" });
    taken.push({ cidr, what: `network "${req.key}" (${config.subnet})` });
    const gateway = config.gateway ? checkGateway(where, cidr, config.gateway) : formatIpv4(cidr.base + 1);
    const ipRange = config.ip_range ? checkRange(where, cidr, config.ip_range) : undefined;
    plans.set(req.key, { key: req.key, name: req.name, subnet: formatCidr(cidr), gateway, ipRange, internal: !!req.internal, userSubnet: true });
  }
  for (const req of requests) {
    if (plans.has(req.key)) continue;
    const config = ipv4Config(req);
    const where = `network "${req.key}"`;
    if (config?.gateway || config?.ip_range) {
      throw new InvalidInputError(`${where}: ipam gateway and ip_range need a subnet`, { hint: "add ipam.config[].subnet" });
    }
    const cidr = allocate(taken);
    if (!cidr) throw new InvalidInputError(`${where}: no free /24 left between ${formatIpv4(POOL.start)} and ${formatIpv4(POOL.end - 1)}`, { hint: "set ipam.config[].subnet explicitly" });
    taken.push({ cidr, what: `network "${req.key}"` });
    plans.set(req.key, { key: req.key, name: req.name, subnet: formatCidr(cidr), gateway: formatIpv4(cidr.base + 1), internal: !!req.internal, userSubnet: false });
  }
  return requests.map((r) => plans.get(r.key)!);
}

function ipv4Config(req: NetworkRequest) {
  const configs = (req.ipam ?? []).filter((c) => !(c.subnet ?? c.gateway ?? "").includes(":"));
  const v6 = (req.ipam ?? []).length - configs.length;
  if (v6 > 0) throw new InvalidInputError(`network "${req.key}": ipv6 subnets are not supported`, { hint: "remove the ipv6 entry from ipam.config" });
  if (configs.length > 1) throw new InvalidInputError(`network "${req.key}": only one ipam subnet is supported`, { hint: "keep one entry in ipam.config" });
  return configs[0];
}

function checkGateway(where: string, cidr: Cidr, gateway: string): string {
  const gw = parseIpv4(gateway);
  if (gw === undefined) throw new InvalidInputError(`${where}: invalid gateway "${gateway}"`);
  if (!cidrContains(cidr, gw) || gw === cidr.base || gw === broadcastOf(cidr)) {
    throw new InvalidInputError(`${where}: gateway ${gateway} is not a host address of ${formatCidr(cidr)}`);
  }
  return formatIpv4(gw);
}

function checkRange(where: string, cidr: Cidr, range: string): string {
  const r = parseCidr(range);
  if (!r) throw new InvalidInputError(`${where}: invalid ip_range "${range}"`);
  if (r.prefix < cidr.prefix || !cidrContains(cidr, r.base)) {
    throw new InvalidInputError(`${where}: ip_range ${range} is not inside subnet ${formatCidr(cidr)}`);
  }
  return formatCidr(r);
}

function allocate(taken: Taken[]): Cidr | undefined {
  const step = blockSize(POOL.size);
  for (let base = POOL.start; base < POOL.end; base += step) {
    const c = { base, prefix: POOL.size };
    if (!taken.some((t) => cidrsOverlap(t.cidr, c))) return c;
  }
  return undefined;
}

/** One requested static address: `ipv4_address` (Kitten: `ip`) of a service on a network. */
export interface StaticAddress {
  service: string;
  network: string;
  address: string;
  replicas: number;
}

/**
 * Validates static addresses against the planned networks: a configured subnet (docker's rule:
 * "user specified IP address is supported only when connecting to networks with user
 * configured subnets"), inside it, not its network, broadcast or gateway address, used once,
 * and only on a service with one replica.
 */
export function validateStaticAddresses(plans: NetworkPlan[], addresses: StaticAddress[]): void {
  const seen = new Map<string, string>();
  for (const a of addresses) {
    const where = `service "${a.service}"`;
    const plan = plans.find((p) => p.key === a.network);
    if (!plan) throw new InvalidInputError(`${where}: ipv4_address on unknown network "${a.network}"`);
    const ip = parseIpv4(a.address);
    if (ip === undefined) throw new InvalidInputError(`${where}: invalid ipv4_address "${a.address}"`);
    if (!plan.userSubnet) {
      throw new InvalidInputError(`${where}: ipv4_address ${a.address} needs network "${a.network}" to have a configured subnet`, {
        hint: `add ipam: { config: [{ subnet: ... }] } to network "${a.network}"`,
      });
    }
    const cidr = parseCidr(plan.subnet)!;
    if (!cidrContains(cidr, ip)) throw new InvalidInputError(`${where}: ipv4_address ${a.address} is outside subnet ${plan.subnet} of network "${a.network}"`);
    if (ip === cidr.base || ip === broadcastOf(cidr)) throw new InvalidInputError(`${where}: ipv4_address ${a.address} is not a host address of ${plan.subnet}`);
    if (a.address === plan.gateway) throw new InvalidInputError(`${where}: ipv4_address ${a.address} is the gateway of network "${a.network}"`);
    if (a.replicas > 1) throw new InvalidInputError(`${where}: ipv4_address ${a.address} cannot be shared by ${a.replicas} replicas`, { hint: "remove ipv4_address or scale to 1" });
    const key = `${a.network}/${formatIpv4(ip)}`;
    const other = seen.get(key);
    if (other) throw new InvalidInputError(`${where}: ipv4_address ${a.address} is already used by service "${other}" on network "${a.network}"`);
    seen.set(key, a.service);
  }
}
