/**
 * A service's mounts as pod volumes: named volumes → PersistentVolumeClaims, anonymous volumes →
 * emptyDir, tmpfs → emptyDir in memory, and bind mounts → ConfigMaps holding the file (or a flat
 * directory of files), since a host path is node-local and kitten cannot ship files to a cluster
 * any other way (kompose does the same since 4cd0b268). What cannot be carried is named.
 */
import { basename } from "node:path";
import type { Project, Service } from "../../compose/model.ts";
import { parseBytes } from "../../compose/units.ts";
import type { ConfigMap, PersistentVolumeClaim, Volume, VolumeMount } from "../objects.ts";
import { dataKey, dnsLabel } from "../names.ts";
import type { Findings } from "../findings.ts";
import type { ExportInputs, ExportOptions } from "./types.ts";
import type { Emitter } from "./emitter.ts";

/** ConfigMaps hold at most 1 MiB (etcd's object limit). */
const CONFIGMAP_MAX = 1024 * 1024;

export interface PodStorage {
  volumes: Volume[];
  mounts: VolumeMount[];
  /** named volumes this pod uses (for StatefulSets, Recreate strategy) */
  claims: string[];
}

/** PVC name of a named volume (its full name, `<project>_<key>` unless set): one claim per volume. */
export function claimName(project: Project, key: string): string {
  return dnsLabel(project.volumes[key]?.name ?? key);
}

export function volumeClaims(project: Project, o: ExportOptions, emit: Emitter, findings: Findings, used: Set<string>): void {
  for (const [key, v] of Object.entries(project.volumes)) {
    if (!used.has(key)) continue;
    const subject = `volume ${key}`;
    if (v.driver && v.driver !== "local") findings.dropped(subject, "driver", `driver ${v.driver}: the cluster's storage class decides (--storage-class)`);
    if (v.external) {
      findings.approximated(subject, "external", `no PersistentVolumeClaim is created: claim "${claimName(project, key)}" must exist in the namespace`);
      continue;
    }
    const pvc: PersistentVolumeClaim = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: claimName(project, key), ...(v.labels ? { annotations: { ...v.labels } } : {}) },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: o.volumeSize } }, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
    };
    if (v.labels) findings.approximated(subject, "labels", "kept as annotations of the claim (label values are restricted)");
    emit.object(pvc, undefined);
  }
}

export function podStorage(project: Project, name: string, s: Service, inputs: ExportInputs, emit: Emitter, findings: Findings): PodStorage {
  const subject = `service ${name}`;
  const out: PodStorage = { volumes: [], mounts: [], claims: [] };
  const volumeNames = new Set<string>();
  const addVolume = (v: Volume) => {
    if (!volumeNames.has(v.name)) out.volumes.push(v);
    volumeNames.add(v.name);
  };
  (s.volumes ?? []).forEach((m, i) => {
    const mount: VolumeMount = { name: "", mountPath: m.target, ...(m.read_only ? { readOnly: true } : {}) };
    if (m.type === "volume" && m.source) {
      const claim = claimName(project, m.source);
      mount.name = dnsLabel("vol", m.source);
      addVolume({ name: mount.name, persistentVolumeClaim: { claimName: claim } });
      out.claims.push(m.source);
      if (m.volume?.subpath) mount.subPath = m.volume.subpath;
      if (!m.volume?.nocopy) findings.approximated(subject, `volumes[${i}]`, `volume ${m.source}: a new claim starts empty (Docker copies the image's files at ${m.target} into a new volume)`);
    } else if (m.type === "volume") {
      mount.name = `anon-${i}`;
      addVolume({ name: mount.name, emptyDir: {} });
      findings.approximated(subject, `volumes[${i}]`, `anonymous volume at ${m.target}: an emptyDir, gone with the pod`);
    } else if (m.type === "tmpfs") {
      mount.name = `tmpfs-${i}`;
      addVolume({ name: mount.name, emptyDir: { medium: "Memory", ...(m.tmpfs?.size ? { sizeLimit: String(m.tmpfs.size) } : {}) } });
      if (m.tmpfs?.mode !== undefined) findings.dropped(subject, `volumes[${i}].tmpfs.mode`, "an emptyDir's mode is not settable");
    } else {
      bindMount(name, m.source!, m.target, i, m.read_only === true, mount, inputs, emit, findings, addVolume);
    }
    if (m.bind?.propagation) findings.dropped(subject, `volumes[${i}].bind.propagation`, "mount propagation of a ConfigMap is not configurable");
    if (m.bind?.selinux) findings.dropped(subject, `volumes[${i}].bind.selinux`, "SELinux relabelling is the cluster's business");
    if (mount.name) out.mounts.push(mount);
  });
  (s.tmpfs ?? []).forEach((entry, i) => {
    const [target, ...opts] = entry.split(":");
    const size = opts.join(":").split(",").find((o) => o.startsWith("size="))?.slice(5);
    const bytes = size ? parseBytes(size) : undefined;
    const vname = `tmpfs-t${i}`;
    addVolume({ name: vname, emptyDir: { medium: "Memory", ...(bytes ? { sizeLimit: String(bytes) } : {}) } });
    out.mounts.push({ name: vname, mountPath: target! });
  });
  return out;
}

function bindMount(
  name: string, source: string, target: string, index: number, readOnly: boolean, mount: VolumeMount,
  inputs: ExportInputs, emit: Emitter, findings: Findings, addVolume: (v: Volume) => void,
): void {
  const subject = `service ${name}`;
  const key = `volumes[${index}]`;
  const host = inputs.hostPaths[source];
  const cmName = dnsLabel(name, basename(source));
  const drop = (why: string) => {
    mount.name = `bind-${index}`;
    addVolume({ name: mount.name, emptyDir: {} });
    findings.dropped(subject, key, `bind mount ${source} → ${target}: ${why}; an empty emptyDir stands in`);
  };
  if (!host || host.kind === "missing") return drop("the host path does not exist");
  if (host.kind === "other") return drop(host.why);
  const files = host.kind === "file" ? { [dataKey(basename(source))]: host.content } : Object.fromEntries(Object.entries(host.files).map(([f, c]) => [dataKey(f), c]));
  const size = Object.values(files).reduce((n, c) => n + c.byteLength, 0);
  if (size > CONFIGMAP_MAX) return drop(`${size} bytes is more than a ConfigMap holds (1 MiB)`);
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const [k, c] of Object.entries(files)) {
    const text = decodeUtf8(c);
    if (text === undefined) binaryData[k] = Buffer.from(c).toString("base64");
    else data[k] = text;
  }
  const cm: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: cmName },
    ...(Object.keys(data).length ? { data } : {}),
    ...(Object.keys(binaryData).length ? { binaryData } : {}),
  };
  emit.object(cm, name);
  mount.name = dnsLabel("bind", String(index), basename(source)).slice(0, 63);
  addVolume({ name: mount.name, configMap: { name: cmName } });
  if (host.kind === "file") mount.subPath = Object.keys(files)[0]!;
  if (host.kind === "dir" && host.skipped.length > 0) findings.dropped(subject, key, `bind mount ${source}: ${host.skipped.join(", ")} not carried (a ConfigMap holds a flat directory of regular files)`);
  if (!readOnly) findings.approximated(subject, key, `bind mount ${source} → ${target}: the files' content, read-only from ConfigMap ${cmName}; writes are not kept`);
  mount.readOnly = true;
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
