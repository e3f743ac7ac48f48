/**
 * kitten0, the built-in bridge for containers that ask for a network of their own (`run
 * --network bridge`, or compose networks while no CNI attacher is wired in): created once per
 * namespace with a fixed MAC (the CNI bridge zero-MAC bug, rootless-spike.md §2), one static nft
 * masquerade rule, and per container a veth pair with an address from 10.88.0.0/16. Leases are
 * kept in `<runtime dir>/kitten0-leases.json`, which lives exactly as long as the namespace and
 * its netns files: an agent started again (it is a helper) knows who holds which address.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../../core/errors.ts";
import { writeFileAtomic } from "../../../core/atomic-file.ts";
import { must, run } from "./exec.ts";

export const BRIDGE = { name: "kitten0", mac: "02:00:0a:58:00:01", gateway: "10.88.0.1", prefix: 16, base: [10, 88] as const };

const MASQUERADE = `table ip kitten {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 10.88.0.0/16 oifname != "${BRIDGE.name}" masquerade
  }
}
`;

export class Bridge {
  private ready?: Promise<void>;
  private readonly leases: Map<string, string>;
  private readonly leaseFile: string;

  constructor(runtimeDir: string) {
    this.leaseFile = join(runtimeDir, "kitten0-leases.json");
    let saved: Record<string, string> = {};
    try {
      saved = JSON.parse(readFileSync(this.leaseFile, "utf8")) as Record<string, string>;
    } catch {}
    this.leases = new Map(Object.entries(saved));
  }

  private save(): void {
    writeFileAtomic(this.leaseFile, JSON.stringify(Object.fromEntries(this.leases)), 0o600);
  }

  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      const exists = await run(["ip", "link", "show", BRIDGE.name]);
      // made by an earlier agent of this namespace, with its masquerade rule (adding it again would double it)
      if (exists.exitCode === 0) return;
      await must(["ip", "-batch", "-"], "creating the kitten0 bridge", {
        stdin: [
          `link add ${BRIDGE.name} type bridge`,
          `link set ${BRIDGE.name} address ${BRIDGE.mac}`,
          `addr add ${BRIDGE.gateway}/${BRIDGE.prefix} dev ${BRIDGE.name}`,
          `link set ${BRIDGE.name} up`,
        ].join("\n"),
      });
      await Bun.write("/proc/sys/net/ipv4/ip_forward", "1\n");
      await must(["nft", "-f", "-"], "adding the kitten0 masquerade rule", { stdin: MASQUERADE });
    })().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private allocate(id: string): string {
    const used = new Set(this.leases.values());
    for (let n = 2; n < 65534; n++) {
      const ip = `${BRIDGE.base[0]}.${BRIDGE.base[1]}.${n >> 8}.${n & 255}`;
      if ((n & 255) === 0 || (n & 255) === 255 || used.has(ip)) continue;
      this.leases.set(id, ip);
      this.save();
      return ip;
    }
    throw new RuntimeFailure("kitten0: no free address left in 10.88.0.0/16");
  }

  async attach(id: string, netnsPath: string): Promise<string> {
    await this.ensure();
    const existing = this.leases.get(id);
    if (existing) return existing;
    const ip = this.allocate(id);
    const host = vethName(id);
    try {
      // iproute2 6.1 cannot name a netns by path: create the pair inside the container's netns
      // and move the host end to the agent's (the namespace's own) netns by pid
      await must(["nsenter", `--net=${netnsPath}`, "ip", "-batch", "-"], `container ${id}: wiring its network`, {
        stdin: [
          `link add eth0 type veth peer name ${host} netns ${process.pid}`,
          `addr add ${ip}/${BRIDGE.prefix} dev eth0`,
          "link set eth0 up",
          `route add default via ${BRIDGE.gateway}`,
        ].join("\n"),
      });
      await must(["ip", "link", "set", host, "master", BRIDGE.name, "up"], `container ${id}: joining kitten0`);
    } catch (err) {
      this.leases.delete(id);
      this.save();
      await run(["ip", "link", "del", host]);
      throw err;
    }
    return ip;
  }

  async detach(id: string): Promise<void> {
    if (this.leases.delete(id)) this.save();
    // removing the netns removes the pair too; this covers a netns that is kept
    await run(["ip", "link", "del", vethName(id)]);
  }
}

function vethName(id: string): string {
  return `vk${id.slice(0, 12)}`;
}
