/** Top-level networks and volumes of a compose file, read into partial drafts to merge. */
import { isIP } from "node:net";
import type { Network, Volume } from "./model.ts";
import { IPAM_CONFIG_KEYS, IPAM_KEYS, NETWORK_SPEC_KEYS, NETWORK_SUPPORTED, VOLUME_SPEC_KEYS, VOLUME_SUPPORTED } from "./spec-keys.ts";
import type { FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";
import { readEnvironment } from "./service.ts";
import { parseCidr } from "./cidr.ts";

export type NetworkDraft = Partial<Network> & { ignored?: string[] };
export type VolumeDraft = Partial<Volume> & { ignored?: string[] };

function labels(r: FileReader, v: unknown, path: KeyPath): Record<string, string> {
  return Object.fromEntries(Object.entries(readEnvironment(r, v, path)).map(([k, x]) => [k, x ?? ""]));
}

/** networks.<key>.external → "network", volumes.<key>.external → "volume" */
const kind = (path: KeyPath): "network" | "volume" => (path[0] === "volumes" ? "volume" : "network");

/** `external: true`, or the legacy `external: {name: x}` */
function external(r: FileReader, v: unknown, path: KeyPath, d: { external?: boolean; name?: string }): void {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const m = r.map(v, path);
    r.checkKeys(m, path, new Set(["name"]));
    d.external = true;
    if (m.name !== undefined) d.name = r.name(kind(path), r.str(m.name, [...path, "name"]), [...path, "name"]);
    return;
  }
  d.external = r.bool(v, path);
}

export function readNetwork(r: FileReader, raw: unknown, path: KeyPath): NetworkDraft {
  const m = r.optMap(raw, path);
  const d: NetworkDraft = {};
  const ignored = r.checkKeys(m, path, NETWORK_SUPPORTED, NETWORK_SPEC_KEYS);
  // an explicit name is a CNI network name: host-local keeps a directory by that name (#14)
  if (m.name !== undefined) d.name = r.name("network", r.str(m.name, [...path, "name"]), [...path, "name"]);
  if (m.driver !== undefined) {
    const driver = r.str(m.driver, [...path, "driver"]);
    if (driver !== "bridge" && driver !== "host" && driver !== "none") {
      r.fail([...path, "driver"], `network driver "${driver}" is not supported`, "use bridge, host or none");
    }
    d.driver = driver;
  }
  if (m.internal !== undefined) d.internal = r.bool(m.internal, [...path, "internal"]);
  if (m.external !== undefined) external(r, m.external, [...path, "external"], d);
  if (m.labels !== undefined) d.labels = labels(r, m.labels, [...path, "labels"]);
  if (m.ipam !== undefined) {
    const ip = [...path, "ipam"];
    const ipam = r.optMap(m.ipam, ip);
    ignored.push(...r.checkKeys(ipam, ip, new Set(["driver", "config"]), IPAM_KEYS).map((k) => `ipam.${k}`));
    d.ipam = {};
    if (ipam.driver !== undefined) d.ipam.driver = r.str(ipam.driver, [...ip, "driver"]);
    if (ipam.config !== undefined) {
      d.ipam.config = r.list(ipam.config, [...ip, "config"]).map((item, i) => {
        const cp = [...ip, "config", i];
        const c = r.optMap(item, cp);
        ignored.push(...r.checkKeys(c, cp, new Set(["subnet", "gateway", "ip_range"]), IPAM_CONFIG_KEYS).map((k) => `ipam.config.${k}`));
        const out: { subnet?: string; gateway?: string; ip_range?: string } = {};
        for (const key of ["subnet", "ip_range"] as const) {
          if (c[key] === undefined) continue;
          const text = r.str(c[key], [...cp, key]);
          if (!parseCidr(text)) r.fail([...cp, key], `invalid ${key === "subnet" ? "subnet" : "IP range"} "${text}"`, 'use CIDR notation, e.g. "10.0.0.0/24"');
          out[key] = text;
        }
        if (c.gateway !== undefined) {
          const gw = r.str(c.gateway, [...cp, "gateway"]);
          if (!isIP(gw)) r.fail([...cp, "gateway"], `invalid gateway address "${gw}"`);
          const subnet = out.subnet ? parseCidr(out.subnet) : undefined;
          if (subnet && !subnet.contains(gw)) r.fail([...cp, "gateway"], `gateway ${gw} is outside the subnet ${out.subnet}`);
          out.gateway = gw;
        }
        return out;
      });
    }
  }
  if (d.external) {
    // compose: an external network is created elsewhere, so it cannot be configured here
    const conflicting = (["driver", "ipam", "internal"] as const).filter((k) => d[k] !== undefined);
    if (conflicting.length > 0) r.fail([...path, conflicting[0]!], `network "${String(path.at(-1))}" is external and cannot set ${conflicting.join(", ")}`, "remove external: true, or the settings");
  }
  if (ignored.length > 0) d.ignored = ignored;
  return d;
}

export function readVolume(r: FileReader, raw: unknown, path: KeyPath): VolumeDraft {
  const m = r.optMap(raw, path);
  const d: VolumeDraft = {};
  const ignored = r.checkKeys(m, path, VOLUME_SUPPORTED, VOLUME_SPEC_KEYS);
  // an explicit name is the volume's directory name
  if (m.name !== undefined) d.name = r.name("volume", r.str(m.name, [...path, "name"]), [...path, "name"]);
  if (m.driver !== undefined) d.driver = r.str(m.driver, [...path, "driver"]);
  if (m.external !== undefined) external(r, m.external, [...path, "external"], d);
  if (m.labels !== undefined) d.labels = labels(r, m.labels, [...path, "labels"]);
  if (ignored.length > 0) d.ignored = ignored;
  return d;
}
