/**
 * `kitten kube apply`: server-side apply (PATCH with application/apply-patch+yaml and
 * fieldManager=kitten; force=true only with --force-conflicts) of the exported objects, their
 * ApplySet parent kept current (KEP-3659: the parent lists the group-kinds it contains before
 * members are applied, so a crash never loses track of them), pruning of members of this ApplySet
 * that are no longer exported (--prune: only objects labelled with this set's id), dryRun=All for
 * previews, and rollout waiting by kubectl's rules. The engine reports progress; it never prints.
 */
import type { Reporter } from "../../../core/reporter.ts";
import { InvalidInputError, RuntimeFailure } from "../../../core/errors.ts";
import type { KubeObject } from "../objects.ts";
import { APPLYSET_GROUP_KINDS, APPLYSET_ID, APPLYSET_PART_OF, APPLYSET_TOOLING, MANAGER } from "../labels.ts";
import { applyOrder, groupKind, kindFromGroupKind, kindInfo, resourcePath, apiVersionOf, type KindInfo } from "../kinds.ts";
import { apiError, type KubeHttp } from "./client.ts";
import { rolloutState } from "./rollout.ts";

export const APPLY_PATCH = "application/apply-patch+yaml";

export interface ApplySetRef {
  parent: string;
  id: string;
  namespace: string;
}

export interface ApplyOptions {
  force?: boolean;
  dryRun?: boolean;
  prune?: boolean;
  wait?: boolean;
  waitTimeoutMs?: number;
  createNamespace?: boolean;
  /** "kitten/<version>" */
  tooling: string;
  reporter: Reporter;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface ApplyReport {
  applied: Array<{ kind: string; name: string; created: boolean }>;
  pruned: Array<{ kind: string; name: string }>;
  waited: Array<{ kind: string; name: string; message: string }>;
}

function infoOf(o: KubeObject): KindInfo {
  const info = kindInfo(o.kind);
  if (!info || apiVersionOf(info) !== o.apiVersion) throw new InvalidInputError(`kitten does not apply ${o.apiVersion} ${o.kind} (${o.metadata.name})`);
  return info;
}

function query(o: { dryRun?: boolean; force?: boolean }): Record<string, string> {
  return { fieldManager: MANAGER, ...(o.force ? { force: "true" } : {}), ...(o.dryRun ? { dryRun: "All" } : {}) };
}

async function ssa(http: KubeHttp, obj: KubeObject, o: { dryRun?: boolean; force?: boolean }): Promise<{ created: boolean; body: any }> {
  const info = infoOf(obj);
  const path = resourcePath(info, obj.metadata.namespace, obj.metadata.name);
  // JSON is YAML: the apply-patch content type takes either (server-side-apply.md)
  const res = await http.request("PATCH", path, { query: query(o), body: JSON.stringify(obj), contentType: APPLY_PATCH });
  if (res.status !== 200 && res.status !== 201) throw apiError(`apply ${obj.kind} ${obj.metadata.name}`, res);
  return { created: res.status === 201, body: res.body };
}

function parentSecret(set: ApplySetRef, groupKinds: string[], tooling: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: set.parent,
      namespace: set.namespace,
      labels: { [APPLYSET_ID]: set.id },
      annotations: { [APPLYSET_TOOLING]: tooling, [APPLYSET_GROUP_KINDS]: [...groupKinds].sort().join(",") },
    },
    type: "Opaque",
  };
}

/** The parent Secret as stored, or undefined; refuses a Secret of that name that is not this set's parent. */
export async function readParent(http: KubeHttp, set: ApplySetRef): Promise<{ groupKinds: string[] } | undefined> {
  const res = await http.request("GET", resourcePath(kindInfo("Secret")!, set.namespace, set.parent));
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw apiError(`read ApplySet parent Secret ${set.parent}`, res);
  const meta = res.body?.metadata ?? {};
  if (meta.labels?.[APPLYSET_ID] !== set.id) {
    throw new RuntimeFailure(`Secret ${set.namespace}/${set.parent} exists but is not the parent of this ApplySet (label ${APPLYSET_ID} is not ${set.id})`, { code: "kube_applyset", hint: "rename or remove that Secret" });
  }
  const gks = String(meta.annotations?.[APPLYSET_GROUP_KINDS] ?? "").split(",").filter(Boolean);
  return { groupKinds: gks };
}

/** Members of the ApplySet of the given group-kinds, found by the part-of label. */
export async function listMembers(http: KubeHttp, set: ApplySetRef, groupKinds: string[]): Promise<Array<{ info: KindInfo; name: string }>> {
  const out: Array<{ info: KindInfo; name: string }> = [];
  for (const gk of groupKinds) {
    const info = kindFromGroupKind(gk);
    if (!info) continue;
    const res = await http.request("GET", resourcePath(info, set.namespace), { query: { labelSelector: `${APPLYSET_PART_OF}=${set.id}` } });
    if (res.status === 404) continue;
    if (res.status !== 200) throw apiError(`list ${info.resource}`, res);
    for (const item of (res.body?.items ?? []) as Array<{ metadata: { name: string; labels?: Record<string, string> } }>) {
      // the server filtered by label; check again so a server that ignores the selector never prunes strangers
      if (item.metadata.labels?.[APPLYSET_PART_OF] === set.id) out.push({ info, name: item.metadata.name });
    }
  }
  return out;
}

export async function deleteObject(http: KubeHttp, info: KindInfo, namespace: string, name: string, dryRun?: boolean): Promise<void> {
  const res = await http.request("DELETE", resourcePath(info, namespace, name), { query: { propagationPolicy: "Background", ...(dryRun ? { dryRun: "All" } : {}) } });
  if (res.status !== 200 && res.status !== 202 && res.status !== 404) throw apiError(`delete ${info.kind} ${name}`, res);
}

export async function applyObjects(http: KubeHttp, objects: KubeObject[], set: ApplySetRef, o: ApplyOptions): Promise<ApplyReport> {
  const report: ApplyReport = { applied: [], pruned: [], waited: [] };
  const ordered = applyOrder(objects);
  for (const obj of ordered) infoOf(obj);
  if (o.createNamespace && set.namespace !== "default") {
    await ssa(http, { apiVersion: "v1", kind: "Namespace", metadata: { name: set.namespace } }, o);
  }
  const groupKinds = [...new Set(ordered.map((x) => groupKind(kindInfo(x.kind)!)))];
  const previous = await readParent(http, set);
  const union = [...new Set([...(previous?.groupKinds ?? []), ...groupKinds])];
  // the parent first, listing every kind the set may contain (KEP-3659's crash safety)
  await ssa(http, parentSecret(set, union, o.tooling), { dryRun: o.dryRun, force: true });
  for (const obj of ordered) {
    const r = await ssa(http, obj, o);
    report.applied.push({ kind: obj.kind, name: obj.metadata.name, created: r.created });
    o.reporter.emit({ type: "info", message: `${obj.kind.toLowerCase()}/${obj.metadata.name} ${r.created ? "created" : "applied"}${o.dryRun ? " (server dry run)" : ""}` });
  }
  if (o.prune) {
    const keep = new Set(ordered.map((x) => `${x.kind}/${x.metadata.name}`));
    for (const m of await listMembers(http, set, union)) {
      if (keep.has(`${m.info.kind}/${m.name}`)) continue;
      await deleteObject(http, m.info, set.namespace, m.name, o.dryRun);
      report.pruned.push({ kind: m.info.kind, name: m.name });
      o.reporter.emit({ type: "info", message: `${m.info.kind.toLowerCase()}/${m.name} pruned${o.dryRun ? " (server dry run)" : ""}` });
    }
    await ssa(http, parentSecret(set, groupKinds, o.tooling), { dryRun: o.dryRun, force: true });
  }
  if (o.wait && !o.dryRun) report.waited = await waitForRollout(http, ordered, set.namespace, o);
  return report;
}

export async function waitForRollout(http: KubeHttp, objects: KubeObject[], namespace: string, o: Pick<ApplyOptions, "waitTimeoutMs" | "reporter" | "sleep" | "now">): Promise<ApplyReport["waited"]> {
  const sleep = o.sleep ?? Bun.sleep;
  const now = o.now ?? Date.now;
  const deadline = now() + (o.waitTimeoutMs ?? 300_000);
  const done: ApplyReport["waited"] = [];
  const pending = objects.filter((x) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(x.kind));
  const last = new Map<string, string>();
  while (pending.length > 0) {
    for (let i = pending.length - 1; i >= 0; i--) {
      const obj = pending[i]!;
      const res = await http.request("GET", resourcePath(kindInfo(obj.kind)!, namespace, obj.metadata.name));
      if (res.status !== 200) throw apiError(`read ${obj.kind} ${obj.metadata.name}`, res);
      const state = rolloutState(res.body)!;
      if (state.failed) throw new RuntimeFailure(state.message, { code: "kube_rollout", hint: `kubectl describe ${obj.kind.toLowerCase()} ${obj.metadata.name} -n ${namespace}` });
      if (state.done) {
        done.push({ kind: obj.kind, name: obj.metadata.name, message: state.message });
        o.reporter.emit({ type: "info", message: state.message });
        pending.splice(i, 1);
      } else if (last.get(obj.metadata.name) !== state.message) {
        last.set(obj.metadata.name, state.message);
        o.reporter.emit({ type: "info", message: state.message });
      }
    }
    if (pending.length === 0) break;
    if (now() > deadline) {
      throw new RuntimeFailure(`timed out waiting for ${pending.map((p) => `${p.kind.toLowerCase()}/${p.metadata.name}`).join(", ")}`, { code: "kube_rollout", hint: "raise --timeout, or look at the pods: kubectl get pods" });
    }
    await sleep(1000);
  }
  return done;
}

/** `kitten kube delete`: every member of the ApplySet (claims only with `volumes`), then the parent. */
export async function deleteApplySet(http: KubeHttp, set: ApplySetRef, o: { volumes?: boolean; dryRun?: boolean; reporter: Reporter }): Promise<{ deleted: Array<{ kind: string; name: string }>; kept: Array<{ kind: string; name: string }> }> {
  const parent = await readParent(http, set);
  if (!parent) throw new InvalidInputError(`nothing to delete: no ApplySet ${set.parent} in namespace ${set.namespace}`, { code: "kube_not_applied", hint: "was it applied with kitten kube apply, to this context and namespace?" });
  const deleted: Array<{ kind: string; name: string }> = [];
  const kept: Array<{ kind: string; name: string }> = [];
  const members = await listMembers(http, set, parent.groupKinds);
  // workloads first, so nothing restarts against removed config (reverse of the apply order)
  members.sort((a, b) => b.info.order - a.info.order);
  for (const m of members) {
    if (m.info.kind === "PersistentVolumeClaim" && !o.volumes) {
      kept.push({ kind: m.info.kind, name: m.name });
      continue;
    }
    await deleteObject(http, m.info, set.namespace, m.name, o.dryRun);
    deleted.push({ kind: m.info.kind, name: m.name });
    o.reporter.emit({ type: "info", message: `${m.info.kind.toLowerCase()}/${m.name} deleted${o.dryRun ? " (server dry run)" : ""}` });
  }
  if (kept.length === 0) await deleteObject(http, kindInfo("Secret")!, set.namespace, set.parent, o.dryRun);
  return { deleted, kept };
}
