/**
 * `kitten port`: a container's published ports, as docker prints them (`80/tcp -> 0.0.0.0:32768`),
 * optionally for one private port (`80`, `80/udp`). Pure over the runtime's ContainerState.
 */
import { InvalidInputError, RuntimeFailure } from "../core/errors.ts";

export interface PublishedMapping {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

/** Parses `80` or `80/udp` (docker's PRIVATE_PORT[/PROTO]). */
export function parsePrivatePort(text: string): { port: number; protocol: "tcp" | "udp" } {
  const m = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(text);
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535) throw new InvalidInputError(`invalid port "${text}"`, { hint: 'write it as 80 or 80/udp' });
  return { port, protocol: (m[2] as "tcp" | "udp" | undefined) ?? "tcp" };
}

/** The mappings of `container`, sorted, filtered to one private port when asked. */
export function selectMappings(container: string, ports: PublishedMapping[], privatePort?: string): PublishedMapping[] {
  const sorted = [...ports].sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol) || a.hostPort - b.hostPort);
  if (privatePort === undefined) return sorted;
  const want = parsePrivatePort(privatePort);
  const found = sorted.filter((p) => p.containerPort === want.port && p.protocol === want.protocol);
  if (found.length === 0) {
    throw new RuntimeFailure(`container "${container}": no public port ${want.port}/${want.protocol} published`, { code: "no_port", hint: `\`kitten port ${container}\` lists its published ports` });
  }
  return found;
}

const hostAddr = (p: PublishedMapping) => `${p.hostIp.includes(":") ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}`;

/** docker port's text: `80/tcp -> 0.0.0.0:32768` per mapping, or just the address for one port. */
export function renderMappings(mappings: PublishedMapping[], onePort: boolean): string {
  return mappings.map((p) => (onePort ? hostAddr(p) : `${p.containerPort}/${p.protocol} -> ${hostAddr(p)}`)).join("\n") + (mappings.length ? "\n" : "");
}
