/**
 * Compose networks INSIDE the project's rootless namespace, as userns-root: the library the
 * in-namespace agent calls. A network is a pre-created bridge (./bridge.ts) plus nft rules
 * (./nft.ts); a container joins it through the CNI `bridge` plugin with `host-local` IPAM
 * (./cni.ts), one interface per network (eth0, eth1, … in priority order).
 *
 * State lives in `<runtimeDir>/net/`: `networks/<key>.json`, `containers/<id>.json` (the exact
 * CNI configuration and result of every ADD, which DEL needs — CNI spec: DEL gets the same
 * configuration and the cached result) and `ipam/` (host-local's dataDir, one directory per
 * network name). The runtime dir is wiped when the namespace is recreated (`resetNetworkState`);
 * stale leases of one network are also wiped whenever its bridge has to be created again,
 * because a missing bridge means the namespace it lived in is gone (research §2: a stale lease
 * gave "duplicate allocation is not allowed").
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RuntimeFailure, errorText } from "../core/errors.ts";
import { writeFileAtomic } from "../core/atomic-file.ts";
import { BRIDGE_MTU, bridgeMac, bridgeName, deleteBridge, ensureBridge } from "./bridge.ts";
import { CNI_VERSION, cniAdd, cniDel, type CniConf, type CniResult } from "./cni.ts";
import { applyRuleset } from "./nft.ts";
import { renderHostsFile } from "./hosts.ts";
import { writeInPlace } from "./hosts-file.ts";
import { broadcastOf, formatIpv4, parseCidr, type NetworkPlan } from "./subnets.ts";

export interface NetContext {
  /** the project's runtime dir (outside rootlesskit's state dir, which it deletes on exit) */
  runtimeDir: string;
  project: string;
}

/** What createNetwork needs: a network plan (src/net/subnets.ts) without its planning detail. */
export type NetworkConfig = Omit<NetworkPlan, "userSubnet">;

export interface NetworkInfo extends NetworkConfig {
  bridge: string;
  mac: string;
}

export interface AttachRequest {
  /** network key */
  network: string;
  ipv4Address?: string;
  aliases?: string[];
  /** compose `priority`: higher is attached first (gets the lower ethN and the default route) */
  priority?: number;
  /** compose mac_address (on the main network) */
  macAddress?: string;
}

export interface Attachment {
  network: string;
  ifname: string;
  /** address without prefix length */
  ip: string;
  mac?: string;
  aliases: string[];
}

/** Who a container is, for the hosts files of everyone on its networks (./hosts.ts). */
export interface HostsIdentity {
  /** container name */
  name: string;
  service?: string;
  hostname?: string;
  extraHosts?: string[];
  /** its /etc/hosts on disk (bind-mounted into the container; rewritten in place) */
  hostsPath: string;
}

interface ContainerRecord {
  containerId: string;
  netns: string;
  identity?: HostsIdentity;
  attachments: Array<Attachment & { conf: CniConf; result: CniResult }>;
}

const dirs = (ctx: NetContext) => {
  const root = join(ctx.runtimeDir, "net");
  return { root, networks: join(root, "networks"), containers: join(root, "containers"), ipam: join(root, "ipam") };
};

const fileName = (id: string) => `${encodeURIComponent(id)}.json`;

// One agent process serves a namespace; this serialises changes to the network set and to the
// nft table. CNI ADD/DEL themselves run concurrently (host-local locks its dataDir).
let chain: Promise<unknown> = Promise.resolve();
function locked<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => {});
  return next;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function readAll<T>(dir: string): T[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((f) => {
      const v = readJson<T>(join(dir, f));
      return v ? [v] : [];
    });
}

export function listNetworks(ctx: NetContext): NetworkInfo[] {
  return readAll<NetworkInfo>(dirs(ctx).networks);
}

/** Every attached container with its addresses, for hosts files and `kitten inspect`. */
export function listAttachments(ctx: NetContext): Array<{ containerId: string; netns: string; attachments: Attachment[] }> {
  return readAll<ContainerRecord>(dirs(ctx).containers).map((r) => ({
    containerId: r.containerId,
    netns: r.netns,
    attachments: r.attachments.map(({ network, ifname, ip, mac, aliases }) => ({ network, ifname, ip, mac, aliases })),
  }));
}

/** Forgets every network, lease and attachment: call when the namespace is (re)created. */
export function resetNetworkState(ctx: NetContext): void {
  rmSync(dirs(ctx).root, { recursive: true, force: true });
}

export function createNetwork(ctx: NetContext, net: NetworkConfig): Promise<NetworkInfo> {
  return locked(async () => {
    const d = dirs(ctx);
    mkdirSync(d.networks, { recursive: true, mode: 0o700 });
    const info: NetworkInfo = { ...net, bridge: bridgeName(ctx.project, net.key), mac: bridgeMac(ctx.project, net.key) };
    const path = join(d.networks, fileName(net.key));
    const old = readJson<NetworkInfo>(path);
    if (old && (old.subnet !== net.subnet || old.gateway !== net.gateway || old.internal !== net.internal || old.ipRange !== net.ipRange)) {
      throw new RuntimeFailure(`network "${net.key}" exists with subnet ${old.subnet}`, { hint: "remove the network before changing its configuration" });
    }
    const created = await ensureBridge({ name: info.bridge, mac: info.mac, subnet: info.subnet, gateway: info.gateway });
    if (created) forgetStale(ctx, net);
    else if (old) return info; // unchanged and in place: nothing to do
    writeFileAtomic(path, JSON.stringify(info, null, 2));
    // the namespace routes between bridges and out through tap0 (the bridge plugin's isGateway
    // sets this too, but only on the first ADD)
    writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
    try {
      await applyRuleset(listNetworks(ctx));
    } catch (err) {
      rmSync(path, { force: true });
      if (created) await deleteBridge(info.bridge);
      throw err;
    }
    return info;
  });
}

/**
 * A bridge that has to be created while kitten has records of the network means the namespace
 * it lived in died (a crash, a reboot): its leases and the attachments to it are stale.
 */
function forgetStale(ctx: NetContext, net: NetworkConfig): void {
  const d = dirs(ctx);
  rmSync(join(d.ipam, net.name), { recursive: true, force: true });
  for (const r of readAll<ContainerRecord>(d.containers)) {
    if (r.attachments.some((a) => a.network === net.key)) rmSync(join(d.containers, fileName(r.containerId)), { force: true });
  }
}

/** Removes bridge, leases and rules of a network; refuses while a container is attached. */
export function removeNetwork(ctx: NetContext, key: string): Promise<void> {
  return locked(async () => {
    const d = dirs(ctx);
    const path = join(d.networks, fileName(key));
    const info = readJson<NetworkInfo>(path);
    if (!info) return;
    const user = listAttachments(ctx).find((c) => c.attachments.some((a) => a.network === key));
    if (user) {
      throw new RuntimeFailure(`network "${key}" is still used by container "${user.containerId}"`, { hint: "remove the container first" });
    }
    await deleteBridge(info.bridge);
    rmSync(join(d.ipam, info.name), { recursive: true, force: true });
    rmSync(path, { force: true });
    await applyRuleset(listNetworks(ctx));
  });
}

/** The bridge plugin configuration of one attachment; kept in the record for DEL. */
export function bridgeConf(ctx: NetContext, net: NetworkInfo, options: { defaultRoute: boolean; ipv4Address?: string; macAddress?: string }): CniConf {
  const subnet = parseCidr(net.subnet)!;
  const range: Record<string, string> = { subnet: net.subnet, gateway: net.gateway };
  // ip_range narrows dynamic allocation only; a static address may sit anywhere in the subnet
  // (docker's rule), so its ADD gets the whole subnet as the range
  if (net.ipRange && !options.ipv4Address) {
    const r = parseCidr(net.ipRange)!;
    range.rangeStart = formatIpv4(Math.max(r.base, subnet.base + 1));
    range.rangeEnd = formatIpv4(Math.min(broadcastOf(r), broadcastOf(subnet) - 1));
  }
  const conf: CniConf = {
    cniVersion: CNI_VERSION,
    name: net.name,
    type: "bridge",
    bridge: net.bridge,
    isGateway: true,
    ipMasq: false,
    hairpinMode: true,
    mtu: BRIDGE_MTU,
    capabilities: { ips: true },
    ipam: {
      type: "host-local",
      ranges: [[range]],
      // internal networks, and every network but the first outbound one, get no default route
      routes: options.defaultRoute ? [{ dst: "0.0.0.0/0" }] : [],
      dataDir: dirs(ctx).ipam,
    },
  };
  if (options.ipv4Address) conf.runtimeConfig = { ips: [`${options.ipv4Address}/${subnet.prefix}`] };
  if (options.macAddress) {
    // the bridge plugin sets the container side's address when asked through its `mac` capability
    conf.capabilities = { ...conf.capabilities, mac: true };
    conf.runtimeConfig = { ...conf.runtimeConfig, mac: options.macAddress };
  }
  return conf;
}

const LOOPBACK: CniConf = { cniVersion: CNI_VERSION, name: "loopback", type: "loopback" };

/** Highest priority first, then by network key (compose-spec `priority`). */
export function orderAttachments<T extends { network: string; priority?: number }>(requests: T[]): T[] {
  return [...requests].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.network.localeCompare(b.network));
}

/**
 * Brings up lo and one interface per network in the container's netns. On failure everything
 * added so far is deleted again (libcni's behaviour: a failed ADD leaks veth and lease otherwise).
 * An empty list gives a netns with lo only (network mode `none`).
 */
export async function attach(
  ctx: NetContext,
  containerId: string,
  netnsPath: string,
  requests: AttachRequest[],
  identity?: HostsIdentity,
): Promise<Attachment[]> {
  const d = dirs(ctx);
  const recordPath = join(d.containers, fileName(containerId));
  if (existsSync(recordPath)) await detach(ctx, containerId);
  const ordered = orderAttachments(requests);
  const nets = ordered.map((r) => {
    const info = readJson<NetworkInfo>(join(d.networks, fileName(r.network)));
    if (!info) throw new RuntimeFailure(`container "${containerId}": network "${r.network}" does not exist`, { hint: "create the network before attaching" });
    return info;
  });
  await cniAdd(LOOPBACK, { containerId, netns: netnsPath, ifname: "lo" });
  const gatewayIndex = nets.findIndex((n) => !n.internal);
  const record: ContainerRecord = { containerId, netns: netnsPath, identity, attachments: [] };
  try {
    for (const [i, req] of ordered.entries()) {
      const net = nets[i]!;
      const ifname = `eth${i}`;
      const conf = bridgeConf(ctx, net, { defaultRoute: i === gatewayIndex, ipv4Address: req.ipv4Address, macAddress: req.macAddress });
      const inv = { containerId, netns: netnsPath, ifname };
      let result: CniResult;
      try {
        result = await cniAdd(conf, inv);
      } catch (err) {
        await cniDel(conf, inv).catch(() => {});
        // host-local: "requested IP address … is not available in range set …"
        if (req.ipv4Address && /not available|duplicate allocation/.test(errorText(err))) {
          throw new RuntimeFailure(`container "${containerId}": address ${req.ipv4Address} on network "${req.network}" is already in use`, {
            hint: "give each container its own ipv4_address",
            cause: err,
          });
        }
        throw err;
      }
      const ipEntry = result.ips?.[0];
      const mac = result.interfaces?.find((x) => x.sandbox && x.name === ifname)?.mac;
      record.attachments.push({ network: req.network, ifname, ip: ipEntry?.address.split("/")[0] ?? "", mac, aliases: req.aliases ?? [], conf, result });
    }
  } catch (err) {
    await delAll(record).catch(() => {});
    throw err;
  }
  mkdirSync(d.containers, { recursive: true, mode: 0o700 });
  writeFileAtomic(recordPath, JSON.stringify(record));
  await syncHosts(ctx);
  return record.attachments.map(({ network, ifname, ip, mac, aliases }) => ({ network, ifname, ip, mac, aliases }));
}

/** Releases every interface and lease of the container; a no-op when it has none. */
export async function detach(ctx: NetContext, containerId: string): Promise<void> {
  const recordPath = join(dirs(ctx).containers, fileName(containerId));
  const record = readJson<ContainerRecord>(recordPath);
  if (!record) return;
  try {
    await delAll(record);
  } finally {
    rmSync(recordPath, { force: true });
    await syncHosts(ctx);
  }
}

/**
 * Rewrites the hosts file of every attached container that has an identity, from the current
 * set of attachments: call after anything changes (attach and detach do it themselves).
 */
export function syncHosts(ctx: NetContext): Promise<void> {
  return locked(async () => {
    const records = readAll<ContainerRecord>(dirs(ctx).containers).filter((r) => r.identity);
    const peers = records.map((r) => ({
      name: r.identity!.name,
      service: r.identity!.service,
      hostname: r.identity!.hostname,
      extraHosts: r.identity!.extraHosts,
      networks: Object.fromEntries(r.attachments.map((a) => [a.network, { ip: a.ip, aliases: a.aliases }])),
    }));
    for (const r of records) {
      // a container whose files are already gone gets no new directory
      if (!existsSync(dirname(r.identity!.hostsPath))) continue;
      writeInPlace(r.identity!.hostsPath, renderHostsFile(peers.find((p) => p.name === r.identity!.name)!, peers));
    }
  });
}

async function delAll(record: ContainerRecord): Promise<void> {
  // with the netns already gone, DEL still frees the host-local lease (the bridge plugin
  // releases IPAM first and ignores a missing netns)
  const netns = existsSync(record.netns) ? record.netns : "";
  const errors: string[] = [];
  for (const a of [...record.attachments].reverse()) {
    try {
      await cniDel(a.conf, { containerId: record.containerId, netns, ifname: a.ifname }, a.result);
    } catch (err) {
      errors.push(errorText(err));
    }
  }
  if (errors.length > 0) throw new RuntimeFailure(errors.join("; "));
}
