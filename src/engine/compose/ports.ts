/**
 * Published ports, short and long syntax, to compose's canonical objects
 * {mode, host_ip, target, published, protocol}. Short syntax is docker's
 * `[[ip:]host:]container[/protocol]` with ranges ("8000-8002:80-82" gives one entry per port,
 * "8000-8010:80" one entry publishing from a host range) and IPv6 host addresses in brackets.
 */
import { isIP } from "node:net";
import type { Port } from "./model.ts";
import { PORT_KEYS } from "./spec-keys.ts";
import { describe, type FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";

const PROTOCOLS = new Set(["tcp", "udp", "sctp"]);

export function readPorts(r: FileReader, value: unknown, path: KeyPath): Port[] {
  return r.list(value, path).flatMap((item, i) => readPort(r, item, [...path, i]));
}

function readPort(r: FileReader, item: unknown, path: KeyPath): Port[] {
  if (typeof item === "number") {
    if (!Number.isInteger(item) || item < 1 || item > 65535) r.fail(path, `invalid port ${item}: must be 1-65535`);
    return [{ mode: "ingress", target: item, protocol: "tcp" }];
  }
  if (typeof item === "string") return shortPort(r, item, path);
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    r.fail(path, `expected a port like "8080:80", a number or a mapping, got ${describe(item)}`);
  }
  const m = r.map(item, path);
  r.checkKeys(m, path, PORT_KEYS);
  if (m.target === undefined) r.fail(path, `a port needs a "target" (the container port)`);
  const target = r.int(m.target, [...path, "target"]);
  if (target < 1 || target > 65535) r.fail([...path, "target"], `invalid port ${target}: must be 1-65535`);
  const port: Port = { mode: "ingress", target, protocol: "tcp" };
  if (m.mode !== undefined) {
    const mode = r.str(m.mode, [...path, "mode"]);
    if (mode !== "ingress" && mode !== "host") r.fail([...path, "mode"], `port mode must be ingress or host, got "${mode}"`);
    port.mode = mode;
  }
  if (m.host_ip !== undefined) {
    const ip = r.str(m.host_ip, [...path, "host_ip"]);
    if (ip !== "" && !isIP(ip)) r.fail([...path, "host_ip"], `invalid IP address "${ip}"`);
    if (ip !== "") port.host_ip = ip;
  }
  if (m.published !== undefined && m.published !== null && m.published !== "") {
    const published = r.text(m.published, [...path, "published"]);
    const range = portRange(published);
    if (!range) r.fail([...path, "published"], `invalid published port "${published}"`);
    port.published = published;
  }
  if (m.protocol !== undefined) {
    const proto = r.str(m.protocol, [...path, "protocol"]).toLowerCase();
    if (!PROTOCOLS.has(proto)) r.fail([...path, "protocol"], `invalid protocol "${proto}": use tcp, udp or sctp`);
    port.protocol = proto as Port["protocol"];
  }
  if (m.name !== undefined) port.name = r.str(m.name, [...path, "name"]);
  if (m.app_protocol !== undefined) port.app_protocol = r.str(m.app_protocol, [...path, "app_protocol"]);
  return [port];
}

/** [first, last] of "80" or "8000-8010", or undefined when invalid */
function portRange(text: string): [number, number] | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) return undefined;
  return [a, b];
}

function shortPort(r: FileReader, spec: string, path: KeyPath): Port[] {
  const bad = (why: string): never => r.fail(path, `invalid port "${spec}": ${why}`, 'use "[ip:][host:]container[/protocol]", e.g. "8080:80" or "127.0.0.1:53:53/udp"');
  let rest = spec.trim();
  let protocol: Port["protocol"] = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    const proto = rest.slice(slash + 1).toLowerCase();
    if (!PROTOCOLS.has(proto)) bad(`unknown protocol "${proto}"`);
    protocol = proto as Port["protocol"];
    rest = rest.slice(0, slash);
  }
  // from the right: container, then host port, then the host IP (which may contain colons)
  const parts = rest.split(":");
  const containerText = parts.pop()!;
  const hostText = parts.length > 0 ? parts.pop()! : "";
  let ip = parts.join(":");
  if (parts.length > 0 && ip === "") bad("empty host IP");
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip !== "" && !isIP(ip)) bad(`invalid host IP "${ip}"`);
  const container = portRange(containerText);
  if (!container) bad(`invalid container port "${containerText}"`);
  const [c0, c1] = container!;
  const base = (target: number): Port => {
    const p: Port = { mode: "ingress", target, protocol };
    if (ip !== "") p.host_ip = ip;
    return p;
  };
  if (hostText === "") {
    const out: Port[] = [];
    for (let p = c0; p <= c1; p++) out.push(base(p));
    return out;
  }
  const host = portRange(hostText);
  if (!host) bad(`invalid host port "${hostText}"`);
  const [h0, h1] = host!;
  if (c0 === c1) return [{ ...base(c0), published: h0 === h1 ? `${h0}` : `${h0}-${h1}` }];
  if (h1 - h0 !== c1 - c0) bad("the host and container port ranges differ in length");
  const out: Port[] = [];
  for (let k = 0; k <= c1 - c0; k++) out.push({ ...base(c0 + k), published: `${h0 + k}` });
  return out;
}
