/** CIDR subnets, IPv4 and IPv6, for ipam validation: `parseCidr("10.0.0.0/24").contains("10.0.0.5")`. */
import { isIP } from "node:net";

export interface Cidr {
  version: 4 | 6;
  contains(ip: string): boolean;
}

function ipToBigInt(ip: string): bigint | undefined {
  const v = isIP(ip);
  if (v === 4) return ip.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  if (v !== 6) return undefined;
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipToBigInt(v4[1]!)!;
    text = `${text.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const version = isIP(m[1]!);
  if (version !== 4 && version !== 6) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = Number(m[2]);
  if (prefix > bits) return undefined;
  const base = ipToBigInt(m[1]!)!;
  const shift = BigInt(bits - prefix);
  return {
    version,
    contains(ip: string) {
      if (isIP(ip) !== version) return false;
      return ipToBigInt(ip)! >> shift === base >> shift;
    },
  };
}
