/**
 * Compose networks as NetworkPolicies, opt-in (--network-policies): kompose generated them by
 * default until users asked it to stop (kompose#1616). Pods carry `network.kitten.dev/<net>=true`
 * for each network of their service; each network's policy lets its pods receive from pods of
 * the same network (policies add up, so a pod on two networks hears both). Published ports are
 * open to everyone. A service whose networks are all `internal` may only send to pods of its
 * networks and to DNS — compose's "no external connectivity".
 */
import type { Project } from "../../compose/model.ts";
import type { NetworkPolicy } from "../objects.ts";
import { dnsLabel } from "../names.ts";
import { NETWORK_LABEL_PREFIX, selectorLabels } from "../labels.ts";
import type { Emitter } from "./emitter.ts";
import type { ContainerPortSpec } from "./ports.ts";

export function networkLabel(network: string): string {
  return `${NETWORK_LABEL_PREFIX}${dnsLabel(network)}`;
}

/** The compose networks a service's pod is on (network_mode: service:X shares X's). */
export function podNetworks(project: Project, service: string): string[] {
  return Object.keys(project.services[service]?.networks ?? {}).sort();
}

export function networkPolicies(project: Project, roots: string[], published: Record<string, ContainerPortSpec[]>, emit: Emitter): void {
  const used = new Set(roots.flatMap((r) => podNetworks(project, r)));
  for (const net of [...used].sort()) {
    const label = networkLabel(net);
    const policy: NetworkPolicy = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: dnsLabel(project.name, "net", net) },
      spec: { podSelector: { matchLabels: { [label]: "true" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { [label]: "true" } } }] }] },
    };
    emit.object(policy, undefined);
  }
  for (const root of roots) {
    const ports = published[root] ?? [];
    if (ports.length > 0) {
      emit.object(
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name: dnsLabel(root, "published") },
          spec: { podSelector: { matchLabels: selectorLabels(project.name, root) }, policyTypes: ["Ingress"], ingress: [{ ports: ports.map((p) => ({ port: p.containerPort, protocol: p.protocol })) }] },
        } satisfies NetworkPolicy,
        root,
      );
    }
    const nets = podNetworks(project, root);
    if (nets.length === 0 || !nets.every((n) => project.networks[n]?.internal)) continue;
    emit.object(
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: dnsLabel(root, "internal") },
        spec: {
          podSelector: { matchLabels: selectorLabels(project.name, root) },
          policyTypes: ["Egress"],
          egress: [
            ...nets.map((n) => ({ to: [{ podSelector: { matchLabels: { [networkLabel(n)]: "true" } } }] })),
            { to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] },
          ],
        },
      } satisfies NetworkPolicy,
      root,
    );
  }
}
