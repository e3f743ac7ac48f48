/**
 * Services: one per service another reaches by name (ClusterIP with every known container port,
 * or headless without ports when none is known — DNS still resolves the name to the Ready pods),
 * one more per network alias (a compose alias is just another DNS name), and one
 * `<name>-published` of type NodePort or LoadBalancer (--expose-as) for published ports.
 */
import type { ServicePort, Service as KubeService } from "../objects.ts";
import { dnsLabel } from "../names.ts";
import { selectorLabels } from "../labels.ts";
import type { Findings } from "../findings.ts";
import type { Emitter } from "./emitter.ts";
import type { ContainerPortSpec } from "./ports.ts";
import type { ExportOptions } from "./types.ts";

function portName(p: ContainerPortSpec): string {
  return `${p.protocol.toLowerCase()}-${p.containerPort}`;
}

export function clusterService(project: string, service: string, svcName: string, ports: ContainerPortSpec[], headless: boolean, emit: Emitter): { name: string; port?: number } {
  const spec: KubeService["spec"] = {
    selector: selectorLabels(project, service),
    ...(headless || ports.length === 0 ? { clusterIP: "None" } : { type: "ClusterIP" }),
    ...(ports.length > 0 ? { ports: ports.map((p): ServicePort => ({ name: portName(p), port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol })) } : {}),
  };
  const name = emit.object({ apiVersion: "v1", kind: "Service", metadata: { name: svcName }, spec } satisfies KubeService, service);
  return { name, ...(ports.length > 0 ? { port: ports[0]!.containerPort } : {}) };
}

export function publishedService(project: string, service: string, ports: ContainerPortSpec[], o: ExportOptions, emit: Emitter, findings: Findings): void {
  const published = ports.filter((p) => p.hostPort !== undefined);
  if (published.length === 0) return;
  const spec: KubeService["spec"] = {
    type: o.exposeAs,
    selector: selectorLabels(project, service),
    ports: published.map((p): ServicePort => {
      const sp: ServicePort = { name: portName(p), port: o.exposeAs === "LoadBalancer" ? p.hostPort! : p.containerPort, targetPort: p.containerPort, protocol: p.protocol };
      if (o.exposeAs === "NodePort" && p.hostPort! >= 30000 && p.hostPort! <= 32767) sp.nodePort = p.hostPort;
      return sp;
    }),
  };
  emit.object({ apiVersion: "v1", kind: "Service", metadata: { name: dnsLabel(service.slice(0, 50), "published") }, spec } satisfies KubeService, service);
  for (const p of published) {
    if (o.exposeAs === "NodePort" && !(p.hostPort! >= 30000 && p.hostPort! <= 32767)) {
      findings.approximated(`service ${service}`, "ports", `${p.hostPort}:${p.containerPort}: a NodePort the cluster picks (30000-32767); hostPort ${p.hostPort} is kept on the container`);
    }
  }
}
