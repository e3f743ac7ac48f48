/**
 * Published ports → rootlesskit port specs (pure planning; the host probe is injected).
 *
 * Every compose form arrives in the long syntax (model.ts PortSchema): host_ip, a published
 * port or range or nothing (ephemeral), protocol. Each becomes one rootlesskit builtin-driver
 * forward with childIp = the container's address on its first network, so no DNAT rule is
 * needed inside (research §3b).
 * rootlesskit 1.1 rejects parentPort 0 ("invalid ParentPort"), so kitten picks ephemeral ports
 * itself on the host side (bind :0, read, release) — see ./port-probe.ts.
 */
import { InvalidInputError, RuntimeFailure } from "../core/errors.ts";

export type PortProto = "tcp" | "udp";

/**
 * One forward, in the shape of ./ports.ts' PortSpec (the port driver client, which sends it to
 * rootlesskit's `POST /v1/ports` as {proto, parentIP, parentPort, childIP, childPort}).
 */
export interface PortSpec {
  protocol: PortProto;
  hostIp: string;
  hostPort: number;
  /** the container's address; absent for a container on the namespace's own stack (host mode) */
  childIp?: string;
  childPort: number;
}

/** A port some container already publishes (from kitten's state), for conflict messages. */
export interface PublishedPort {
  owner: string;
  hostIp: string;
  hostPort: number;
  proto: PortProto;
}

/** A published port in compose's long syntax (structurally the engine's compose `Port`). */
export interface PortInput {
  target: number;
  published?: string;
  host_ip?: string;
  protocol: "tcp" | "udp" | "sctp";
}

export interface PortRequest {
  proto: PortProto;
  hostIp: string;
  /** candidate host ports in order of preference; empty for an ephemeral port */
  candidates: number[];
  childPort: number;
}

/** Host-side checks; ./port-probe.ts is the real one. */
export interface PortProbe {
  /** undefined when free, else why not ("in use", "needs privileges") */
  check(hostIp: string, port: number, proto: PortProto): Promise<string | undefined>;
  /** a port the kernel hands out as free right now */
  ephemeral(hostIp: string, proto: PortProto): Promise<number>;
}

const ANY = new Set(["0.0.0.0", "::", ""]);

export function expandPorts(container: string, ports: PortInput[]): PortRequest[] {
  return ports.map((p) => {
    if (p.protocol === "sctp") {
      throw new InvalidInputError(`container "${container}": sctp port ${p.target} cannot be published rootless`, { hint: "use tcp or udp" });
    }
    const hostIp = p.host_ip && p.host_ip.length > 0 ? p.host_ip.replace(/^\[(.*)\]$/, "$1") : "0.0.0.0";
    return { proto: p.protocol, hostIp, candidates: parsePublished(container, p.published), childPort: p.target };
  });
}

function parsePublished(container: string, published: string | undefined): number[] {
  if (published === undefined || published === "" || published === "0") return [];
  const m = /^(\d+)(?:-(\d+))?$/.exec(published);
  const lo = Number(m?.[1]);
  const hi = m?.[2] === undefined ? lo : Number(m[2]);
  if (!m || lo < 1 || hi > 65535 || hi < lo) {
    throw new InvalidInputError(`container "${container}": invalid published port "${published}"`, { hint: 'use a port like "8080" or a range like "8080-8090"' });
  }
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

function ipsOverlap(a: string, b: string): boolean {
  return a === b || ANY.has(a) || ANY.has(b);
}

export function findConflict(hostIp: string, port: number, proto: PortProto, known: PublishedPort[]): PublishedPort | undefined {
  return known.find((k) => k.proto === proto && k.hostPort === port && ipsOverlap(k.hostIp, hostIp));
}

function portLabel(hostIp: string, port: number | string, proto: PortProto): string {
  const ip = hostIp.includes(":") ? `[${hostIp}]` : hostIp;
  return `${ip}:${port}/${proto}`;
}

/**
 * Chooses the host port of every request: the first candidate the host (`probe`) has free and
 * this container does not use twice, or an ephemeral port no kitten container (`known`) holds.
 * Throws a RuntimeFailure naming the port, and its owner when kitten's state knows it.
 */
export async function resolvePortSpecs(
  container: string,
  requests: PortRequest[],
  childIp: string | undefined,
  deps: { known: PublishedPort[]; probe: PortProbe },
): Promise<PortSpec[]> {
  const mine: PublishedPort[] = [];
  const specs: PortSpec[] = [];
  for (const req of requests) {
    let chosen: number | undefined;
    if (req.candidates.length === 0) {
      for (let attempt = 0; attempt < 20 && chosen === undefined; attempt++) {
        const port = await deps.probe.ephemeral(req.hostIp, req.proto);
        if (!findConflict(req.hostIp, port, req.proto, [...deps.known, ...mine])) chosen = port;
      }
      if (chosen === undefined) throw new RuntimeFailure(`container "${container}": no free ephemeral ${req.proto} port on ${req.hostIp}`);
    } else {
      let reason: string | undefined;
      for (const port of req.candidates) {
        if (findConflict(req.hostIp, port, req.proto, mine)) {
          reason ??= "is published twice by this container";
          continue;
        }
        // the host is the authority (a port in kitten's state whose namespace died is free);
        // kitten's state only names the owner of a port that is really taken
        const why = await deps.probe.check(req.hostIp, port, req.proto);
        if (why) {
          const owner = findConflict(req.hostIp, port, req.proto, deps.known);
          reason ??= owner ? `is already published by "${owner.owner}"` : why;
          continue;
        }
        chosen = port;
        break;
      }
      if (chosen === undefined) {
        const first = req.candidates[0]!;
        const last = req.candidates[req.candidates.length - 1]!;
        const label = portLabel(req.hostIp, first === last ? first : `${first}-${last}`, req.proto);
        const lowPort = first < 1024 && reason?.includes("privilege");
        throw new RuntimeFailure(`container "${container}": port ${label} ${first === last ? reason : `has no free port (first: ${reason})`}`, {
          code: "port_in_use",
          hint: lowPort
            ? "publish a port ≥ 1024, or allow low ports: sysctl net.ipv4.ip_unprivileged_port_start=80"
            : "stop whatever holds the port, or publish another host port",
        });
      }
    }
    mine.push({ owner: container, hostIp: req.hostIp, hostPort: chosen, proto: req.proto });
    specs.push({ protocol: req.proto, hostIp: req.hostIp, hostPort: chosen, ...(childIp ? { childIp } : {}), childPort: req.childPort });
  }
  return specs;
}
