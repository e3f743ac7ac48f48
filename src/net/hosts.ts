/**
 * Name resolution inside containers through per-container /etc/hosts files, kept current as
 * containers come and go (what nerdctl does with its hosts-store). This module is pure: it
 * computes the file of one container from the set of running containers. ./hosts-file.ts
 * writes them.
 *
 * A container sees, on each network it shares with another container, that container's
 * service name, container name, hostname and its aliases on that network — the names docker's
 * embedded DNS answers. Every replica of a service is listed, so `getent ahosts api` returns
 * all of them. extra_hosts come last, like docker's `--add-host` lines.
 */
import { SLIRP_DNS, SLIRP_HOST_GATEWAY } from "./subnets.ts";

export interface HostsPeer {
  /** container name, e.g. "shop-api-1" */
  name: string;
  service?: string;
  hostname?: string;
  /** network key → address and aliases there, in the container's attachment order */
  networks: Record<string, { ip: string; aliases?: string[] }>;
  /** compose extra_hosts: "name:ip" or "name=ip"; "host-gateway" means the host */
  extraHosts?: string[];
}

export const HOSTS_HEADER = "# managed by kitten: rewritten when containers on the same networks come or go";

function unique(names: Array<string | undefined>): string[] {
  const out: string[] = [];
  for (const n of names) if (n && !out.includes(n)) out.push(n);
  return out;
}

/** Parses one extra_hosts entry; the address may be IPv6, so split at the first separator. */
export function parseExtraHost(entry: string): { name: string; ip: string } | undefined {
  const eq = entry.indexOf("=");
  const sep = eq >= 0 ? eq : entry.indexOf(":");
  if (sep <= 0) return undefined;
  const name = entry.slice(0, sep).trim();
  let ip = entry.slice(sep + 1).trim().replace(/^\[(.*)\]$/, "$1");
  if (!name || !ip) return undefined;
  // docker's special value; the host's loopback is 10.0.2.2 from inside the rootless namespace
  if (ip === "host-gateway") ip = SLIRP_HOST_GATEWAY;
  return { name, ip };
}

/** The complete /etc/hosts of `self` given every running container (self included or not). */
export function renderHostsFile(self: HostsPeer, all: HostsPeer[]): string {
  const lines = [HOSTS_HEADER, "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  const ownNets = Object.keys(self.networks);
  const first = ownNets[0];
  if (first !== undefined) {
    const own = self.networks[first]!;
    lines.push(`${own.ip}\t${unique([self.hostname, self.name, self.service, ...(own.aliases ?? [])]).join(" ")}`);
    for (const key of ownNets.slice(1)) {
      const n = self.networks[key]!;
      if (n.aliases?.length) lines.push(`${n.ip}\t${unique(n.aliases).join(" ")}`);
    }
  } else if (self.hostname) {
    // network mode none/host: the hostname still resolves, to the loopback (docker does the same)
    lines.push(`127.0.1.1\t${unique([self.hostname, self.name]).join(" ")}`);
  }
  const peers = all.filter((p) => p.name !== self.name).sort((a, b) => a.name.localeCompare(b.name));
  for (const peer of peers) {
    // each shared network in self's order: names on the first one, aliases on each
    const shared = ownNets.filter((k) => peer.networks[k] !== undefined);
    for (const [i, key] of shared.entries()) {
      const n = peer.networks[key]!;
      const names = i === 0 ? [peer.service, peer.name, peer.hostname, ...(n.aliases ?? [])] : (n.aliases ?? []);
      const list = unique(names);
      if (list.length > 0 && n.ip) lines.push(`${n.ip}\t${list.join(" ")}`);
    }
  }
  for (const entry of self.extraHosts ?? []) {
    const h = parseExtraHost(entry);
    if (h) lines.push(`${h.ip}\t${h.name}`);
  }
  return lines.join("\n") + "\n";
}

/** The hosts file of every container in `all`, by container name. */
export function renderAllHostsFiles(all: HostsPeer[]): Map<string, string> {
  return new Map(all.map((p) => [p.name, renderHostsFile(p, all)]));
}

/** /etc/resolv.conf of a bridge container: outside names go to slirp4netns' DNS forwarder. */
export function renderResolvConf(options: { search?: string[]; nameservers?: string[] } = {}): string {
  const lines = (options.nameservers?.length ? options.nameservers : [SLIRP_DNS]).map((n) => `nameserver ${n}`);
  if (options.search?.length) lines.push(`search ${options.search.join(" ")}`);
  return lines.join("\n") + "\n";
}

/**
 * A running container as a hosts-file peer, from what the runtime knows: its spec (name,
 * service, hostname, aliases per network, extra_hosts) and its addresses per network key in
 * attachment order (ContainerState.ips).
 */
export function hostsPeerOf(
  spec: { name: string; service?: string; hostname?: string; networks?: Record<string, { aliases?: string[] }>; extraHosts?: string[] },
  ips: Record<string, string>,
): HostsPeer {
  const networks: HostsPeer["networks"] = {};
  for (const [key, ip] of Object.entries(ips)) networks[key] = { ip, aliases: spec.networks?.[key]?.aliases };
  return { name: spec.name, service: spec.service, hostname: spec.hostname, networks, extraHosts: spec.extraHosts };
}
