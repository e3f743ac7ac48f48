/**
 * The service keys of compose's runtime surface (issue #12's additions to the model) as pod and
 * container fields: secrets and configs as Secret/ConfigMap files, dns* as dnsConfig, sysctls,
 * shm_size, privileged, pid/ipc host namespaces, platform as a node selector, pull_policy as
 * imagePullPolicy, post_start/pre_stop as lifecycle hooks, annotations, group_add — and the ones
 * with no pod field (devices, volumes_from, mac_address, domainname, develop) named as dropped.
 */
import type { FileRef, Hook, Project, Service } from "../../compose/model.ts";
import type { Container, PodSpec, Volume, VolumeMount } from "../objects.ts";
import { dataKey, dnsLabel } from "../names.ts";
import type { Findings } from "../findings.ts";
import type { Emitter } from "./emitter.ts";
import type { ExportInputs } from "./types.ts";
import { cpuQuantity, memoryQuantity } from "./container.ts";

export const RUNTIME_KEYS = [
  "secrets", "configs", "dns", "dns_search", "dns_opt", "sysctls", "shm_size", "mem_limit", "mem_reservation", "cpus", "pids_limit",
  "privileged", "devices", "pid", "ipc", "platform", "pull_policy", "post_start", "pre_stop", "volumes_from", "group_add",
  "domainname", "mac_address", "annotations", "develop",
];

/** compose pull_policy → imagePullPolicy (compose-spec services.md#pull_policy) */
export function pullPolicy(name: string, s: Service, findings: Findings): Container["imagePullPolicy"] {
  const p = s.pull_policy;
  if (p === undefined || p === "missing" || p === "if_not_present") return "IfNotPresent";
  if (p === "always") return "Always";
  if (p === "never") return "Never";
  if (p === "build") {
    findings.approximated(`service ${name}`, "pull_policy", "build: the cluster pulls the pushed image when missing");
    return "IfNotPresent";
  }
  findings.approximated(`service ${name}`, "pull_policy", `${p}: Kubernetes has no pull schedule; the image is pulled at every pod start (Always)`);
  return "Always";
}

/** One ConfigMap or Secret per top-level secret/config a service uses, and the files mounted from it. */
function fileRefs(kind: "secret" | "config", name: string, refs: FileRef[], project: Project, inputs: ExportInputs, emit: Emitter, findings: Findings): { volumes: Volume[]; mounts: VolumeMount[] } {
  const volumes: Volume[] = [];
  const mounts: VolumeMount[] = [];
  const defs = (kind === "secret" ? project.secrets : project.configs) ?? {};
  refs.forEach((ref, i) => {
    const def = defs[ref.source];
    const content = inputs.fileSources[`${kind}:${ref.source}`];
    const key = `${kind}s[${i}]`;
    if (!def || content === undefined) {
      findings.dropped(`service ${name}`, key, `${kind} ${ref.source}: its value could not be read (${def?.environment ? `variable ${def.environment} is unset` : "no source"})`);
      return;
    }
    const objName = dnsLabel(def.name);
    const item = dataKey(ref.source);
    const text = decode(content);
    if (kind === "secret") {
      emit.object({ apiVersion: "v1", kind: "Secret", metadata: { name: objName }, type: "Opaque", data: { [item]: Buffer.from(content).toString("base64") } }, undefined);
    } else {
      emit.object({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: objName }, ...(text === undefined ? { binaryData: { [item]: Buffer.from(content).toString("base64") } } : { data: { [item]: text } }) }, undefined);
    }
    const vname = dnsLabel(kind, ref.source).slice(0, 63);
    const mode = ref.mode ?? 0o444;
    const items = [{ key: item, path: item, mode }];
    if (!volumes.some((v) => v.name === vname)) volumes.push(kind === "secret" ? { name: vname, secret: { secretName: objName, items } } : { name: vname, configMap: { name: objName, items } });
    mounts.push({ name: vname, mountPath: ref.target ?? (kind === "secret" ? `/run/secrets/${ref.source}` : `/${ref.source}`), subPath: item, readOnly: true });
    if (ref.uid !== undefined || ref.gid !== undefined) findings.approximated(`service ${name}`, `${key}.uid`, "files of a volume belong to root (or the pod's fsGroup); uid/gid are not per file");
  });
  return { volumes, mounts };
}

function decode(b: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
}

function hook(name: string, key: string, hooks: Hook[] | undefined, findings: Findings): { exec: { command: string[] } } | undefined {
  if (!hooks?.length) return undefined;
  if (hooks.length > 1) findings.approximated(`service ${name}`, key, `${hooks.length} hooks run as one, in order (sh -c)`);
  for (const h of hooks) if (h.user || h.privileged || h.working_dir || h.environment) findings.dropped(`service ${name}`, key, "a hook's user, privileged, working_dir and environment have no lifecycle field");
  if (hooks.length === 1) return { exec: { command: hooks[0]!.command } };
  const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
  return { exec: { command: ["sh", "-c", hooks.map((h) => h.command.map(quote).join(" ")).join(" && ")] } };
}

/** Applies the runtime keys of service `name` to its container and pod. */
export function runtimeKeys(project: Project, name: string, s: Service, c: Container, pod: PodSpec, inputs: ExportInputs, emit: Emitter, findings: Findings): { volumes: Volume[] } {
  const subject = `service ${name}`;
  const volumes: Volume[] = [];
  for (const kind of ["secret", "config"] as const) {
    const refs = kind === "secret" ? s.secrets : s.configs;
    if (!refs?.length) continue;
    const r = fileRefs(kind, name, refs, project, inputs, emit, findings);
    volumes.push(...r.volumes);
    c.volumeMounts = [...(c.volumeMounts ?? []), ...r.mounts];
  }
  if (s.dns?.length || s.dns_search?.length || s.dns_opt?.length) {
    pod.dnsConfig = {
      ...(s.dns?.length ? { nameservers: s.dns } : {}),
      ...(s.dns_search?.length ? { searches: s.dns_search } : {}),
      ...(s.dns_opt?.length ? { options: s.dns_opt.map((o) => (o.includes(":") ? { name: o.split(":")[0], value: o.split(":").slice(1).join(":") } : { name: o })) } : {}),
    };
    if (s.dns?.length) findings.approximated(subject, "dns", "added to the cluster's DNS (dnsConfig), not instead of it: Service names keep resolving");
  }
  if (s.sysctls && Object.keys(s.sysctls).length) {
    pod.securityContext = { ...pod.securityContext, sysctls: Object.entries(s.sysctls).map(([k, v]) => ({ name: k, value: v })) };
    findings.approximated(subject, "sysctls", "pod sysctls: only the kubelet's safe set is allowed unless the node allows more (--allowed-unsafe-sysctls)");
  }
  if (s.shm_size) {
    volumes.push({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: memoryQuantity(s.shm_size) } });
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: "dshm", mountPath: "/dev/shm" }];
    findings.approximated(subject, "shm_size", "an in-memory emptyDir at /dev/shm (counted in the container's memory)");
  }
  const limits: Record<string, string> = { ...(c.resources?.limits ?? {}) };
  const requests: Record<string, string> = { ...(c.resources?.requests ?? {}) };
  if (s.mem_limit && !limits.memory) limits.memory = memoryQuantity(s.mem_limit);
  if (s.cpus && !limits.cpu) limits.cpu = cpuQuantity(s.cpus);
  if (s.mem_reservation && !requests.memory) requests.memory = memoryQuantity(s.mem_reservation);
  if (Object.keys(limits).length || Object.keys(requests).length) c.resources = { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
  if (s.pids_limit !== undefined) findings.dropped(subject, "pids_limit", "no per-container pids limit in a pod spec (it is a kubelet setting)");
  if (s.privileged) c.securityContext = { ...c.securityContext, privileged: true };
  if (s.devices?.length) findings.dropped(subject, "devices", "devices reach pods through device plugins, not a pod field");
  if (s.pid === "host") pod.hostPID = true;
  else if (s.pid?.startsWith("service:")) findings.approximated(subject, "pid", `${s.pid}: only containers of one pod share a pid namespace (shareProcessNamespace)`);
  else if (s.pid) findings.dropped(subject, "pid", `${s.pid} has no pod field`);
  if (s.ipc === "host") pod.hostIPC = true;
  else if (s.ipc && s.ipc !== "private" && s.ipc !== "shareable") findings.dropped(subject, "ipc", `${s.ipc}: only the containers of one pod share IPC`);
  if (s.platform) {
    const [os, arch] = s.platform.split("/");
    pod.nodeSelector = { ...pod.nodeSelector, ...(os ? { "kubernetes.io/os": os } : {}), ...(arch ? { "kubernetes.io/arch": arch } : {}) };
    if (s.platform.split("/").length > 2) findings.approximated(subject, "platform", `${s.platform}: the variant is not a node label`);
  }
  const postStart = hook(name, "post_start", s.post_start, findings);
  const preStop = hook(name, "pre_stop", s.pre_stop, findings);
  if (postStart || preStop) c.lifecycle = { ...(postStart ? { postStart } : {}), ...(preStop ? { preStop } : {}) };
  if (s.volumes_from?.length) findings.dropped(subject, "volumes_from", "pods share volumes by mounting the same claim, not another container's mounts");
  if (s.group_add?.length) {
    const numeric = s.group_add.filter((g) => /^\d+$/.test(g)).map(Number);
    if (numeric.length) pod.securityContext = { ...pod.securityContext, supplementalGroups: numeric };
    if (numeric.length < s.group_add.length) findings.dropped(subject, "group_add", "group names: Kubernetes takes numeric groups only");
  }
  if (s.domainname) findings.dropped(subject, "domainname", "a pod's domain comes from its subdomain and Service, not a setting");
  if (s.mac_address) findings.dropped(subject, "mac_address", "pod interfaces are made by the network plugin");
  if (s.develop) findings.dropped(subject, "develop", "development-time sync (kitten watch) has no cluster form");
  return { volumes };
}
