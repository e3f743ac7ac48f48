/**
 * A service's container ports: published `ports` (with the host port kept as `hostPort`, so a
 * local `kube play` publishes the same port), `expose`, and the image's EXPOSE when the image
 * is in kitten's store — merged per port and protocol.
 */
import type { Service } from "../../compose/model.ts";
import type { OciImageConfig } from "../../image/types.ts";
import type { Findings } from "../findings.ts";

export interface ContainerPortSpec {
  containerPort: number;
  protocol: "TCP" | "UDP" | "SCTP";
  hostPort?: number;
  hostIP?: string;
}

const PROTO = { tcp: "TCP", udp: "UDP", sctp: "SCTP" } as const;

function parseExpose(entry: string): { from: number; to: number; protocol: ContainerPortSpec["protocol"] } {
  const [range, proto] = entry.split("/");
  const [a, b] = range!.split("-");
  return { from: Number(a), to: Number(b ?? a), protocol: PROTO[(proto ?? "tcp") as keyof typeof PROTO] ?? "TCP" };
}

export function containerPorts(name: string, s: Service, image: OciImageConfig | undefined, findings: Findings): ContainerPortSpec[] {
  const out = new Map<string, ContainerPortSpec>();
  const add = (p: ContainerPortSpec) => {
    const key = `${p.containerPort}/${p.protocol}`;
    const have = out.get(key);
    if (!have) out.set(key, p);
    else if (p.hostPort !== undefined && have.hostPort === undefined) out.set(key, { ...have, hostPort: p.hostPort, ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    else if (p.hostPort !== undefined && have.hostPort !== p.hostPort) {
      findings.approximated(`service ${name}`, "ports", `port ${p.containerPort} is published twice (${have.hostPort} and ${p.hostPort}): only host port ${have.hostPort} is kept as hostPort`);
    }
  };
  for (const p of s.ports) {
    const spec: ContainerPortSpec = { containerPort: p.target, protocol: PROTO[p.protocol] };
    if (p.published !== undefined) {
      if (/^\d+$/.test(p.published)) spec.hostPort = Number(p.published);
      else findings.approximated(`service ${name}`, "ports", `host port range ${p.published} for ${p.target}: the Service publishes it, no hostPort`);
    }
    if (p.host_ip && p.host_ip !== "0.0.0.0" && p.host_ip !== "::" && spec.hostPort !== undefined) spec.hostIP = p.host_ip;
    if (p.mode === "host") findings.approximated(`service ${name}`, "ports.mode", "host mode: the port is published through the Service (and hostPort)");
    if (p.app_protocol) findings.dropped(`service ${name}`, "ports.app_protocol", `app_protocol ${p.app_protocol} has no container port field (a Service port's appProtocol could carry it)`);
    if (p.name) findings.dropped(`service ${name}`, "ports.name", `port name ${p.name}: container port names are limited to 15 characters and optional`);
    add(spec);
  }
  for (const e of s.expose ?? []) {
    const { from, to, protocol } = parseExpose(e);
    for (let port = from; port <= to; port++) add({ containerPort: port, protocol });
  }
  for (const key of Object.keys(image?.ExposedPorts ?? {})) {
    const { from, to, protocol } = parseExpose(key);
    if (!Number.isInteger(from)) continue;
    for (let port = from; port <= to; port++) add({ containerPort: port, protocol });
  }
  return [...out.values()].sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol));
}
