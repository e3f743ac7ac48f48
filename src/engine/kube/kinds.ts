/**
 * The kinds kitten writes, applies and plays, with their API group, version and REST resource —
 * a fixed table instead of discovery, since kitten only ever sends these (apply never has to
 * guess a plural). `order` is the apply order: what pods mount or reference comes first, as
 * Helm installs (namespaces, config, storage, RBAC, services, then workloads).
 */
import type { KubeObject } from "./objects.ts";

export interface KindInfo {
  kind: string;
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
  order: number;
}

const KINDS: KindInfo[] = [
  { kind: "Namespace", group: "", version: "v1", resource: "namespaces", namespaced: false, order: 0 },
  { kind: "NetworkPolicy", group: "networking.k8s.io", version: "v1", resource: "networkpolicies", namespaced: true, order: 1 },
  { kind: "ServiceAccount", group: "", version: "v1", resource: "serviceaccounts", namespaced: true, order: 2 },
  { kind: "Secret", group: "", version: "v1", resource: "secrets", namespaced: true, order: 3 },
  { kind: "ConfigMap", group: "", version: "v1", resource: "configmaps", namespaced: true, order: 4 },
  { kind: "PersistentVolumeClaim", group: "", version: "v1", resource: "persistentvolumeclaims", namespaced: true, order: 5 },
  { kind: "Role", group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", namespaced: true, order: 6 },
  { kind: "RoleBinding", group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", namespaced: true, order: 7 },
  { kind: "Service", group: "", version: "v1", resource: "services", namespaced: true, order: 8 },
  { kind: "Pod", group: "", version: "v1", resource: "pods", namespaced: true, order: 9 },
  { kind: "Deployment", group: "apps", version: "v1", resource: "deployments", namespaced: true, order: 9 },
  { kind: "StatefulSet", group: "apps", version: "v1", resource: "statefulsets", namespaced: true, order: 9 },
  { kind: "DaemonSet", group: "apps", version: "v1", resource: "daemonsets", namespaced: true, order: 9 },
  { kind: "Job", group: "batch", version: "v1", resource: "jobs", namespaced: true, order: 9 },
];

export function kindInfo(kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kind);
}

/** "Deployment.apps", "Service" — the group-kind form ApplySet annotations use. */
export function groupKind(info: Pick<KindInfo, "kind" | "group">): string {
  return info.group ? `${info.kind}.${info.group}` : info.kind;
}

export function kindFromGroupKind(gk: string): KindInfo | undefined {
  const dot = gk.indexOf(".");
  const kind = dot < 0 ? gk : gk.slice(0, dot);
  const group = dot < 0 ? "" : gk.slice(dot + 1);
  return KINDS.find((k) => k.kind === kind && k.group === group);
}

export function apiVersionOf(info: KindInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** The REST path of an object, or of the collection when `name` is undefined. */
export function resourcePath(info: KindInfo, namespace: string | undefined, name?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
  return `${base}${ns}/${info.resource}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;
}

/** Objects in apply order, stable within a kind (by name). */
export function applyOrder<T extends KubeObject>(objects: T[]): T[] {
  const rank = (o: KubeObject) => kindInfo(o.kind)?.order ?? 50;
  return [...objects].sort((a, b) => rank(a) - rank(b) || a.kind.localeCompare(b.kind) || a.metadata.name.localeCompare(b.metadata.name));
}
