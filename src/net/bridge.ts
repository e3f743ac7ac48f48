/**
 * One Linux bridge per compose network, created by kitten itself INSIDE the rootless namespace
 * before any CNI ADD. The CNI bridge plugin could create it, but after a failed ADD whose veth
 * disappears it leaves the bridge MAC at 00:00:00:00:00:00 and every later ADD fails with
 * "could not set bridge's mac: invalid argument" (containernetworking/plugins#620,
 * nerdctl#4283, reproduced in research/rootless-spike.md §2). A fixed MAC derived from the
 * network avoids it.
 */
import { createHash } from "node:crypto";
import { execTool, mustExec } from "./exec.ts";
import { parseCidr } from "./subnets.ts";

/** rootlesskit's slirp MTU (--mtu=65520): bridge and veths use the same, for throughput. */
export const BRIDGE_MTU = 65520;

function digest(project: string, key: string): Buffer {
  return createHash("sha256").update(`${project}\0${key}`).digest();
}

/** "kt" + 10 hex digits: stable per network and within IFNAMSIZ (15 characters). */
export function bridgeName(project: string, key: string): string {
  return `kt${digest(project, key).toString("hex").slice(0, 10)}`;
}

/** A locally administered unicast MAC (02:…) derived from the network. */
export function bridgeMac(project: string, key: string): string {
  const d = digest(project, key);
  return ["02", ...[...d.subarray(10, 15)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

export async function linkExists(name: string): Promise<boolean> {
  return (await execTool(["ip", "link", "show", "dev", name])).code === 0;
}

export interface BridgeSpec {
  name: string;
  mac: string;
  subnet: string;
  gateway: string;
}

/** Creates the bridge (fixed MAC, gateway address, up); returns false when it already existed. */
export async function ensureBridge(b: BridgeSpec): Promise<boolean> {
  if (await linkExists(b.name)) return false;
  const prefix = parseCidr(b.subnet)!.prefix;
  await mustExec(["ip", "-batch", "-"], {
    stdin: [
      `link add ${b.name} type bridge`,
      `link set ${b.name} address ${b.mac} mtu ${BRIDGE_MTU}`,
      `addr add ${b.gateway}/${prefix} dev ${b.name}`,
      `link set ${b.name} up`,
      "",
    ].join("\n"),
  });
  return true;
}

/** Deletes the bridge; its veths are gone with their netns or were removed by CNI DEL. */
export async function deleteBridge(name: string): Promise<void> {
  if (await linkExists(name)) await mustExec(["ip", "link", "del", "dev", name]);
}
