/**
 * The service keys of issue #12 as ContainerSpec fields (the rest of the mapping is in
 * container-spec.ts): limits from deploy.resources or the service-level keys (compose-go's
 * setLimits: deploy wins, the loader made sure they agree), `service:x` modes and volumes_from
 * rewritten to x's first container (compose's resolveSharedNamespaces / resolveVolumeFrom),
 * secrets and configs with their defaults (uid/gid 0, mode 0444).
 */
import type { Project, Service } from "../compose/model.ts";
import type { ContainerSpec } from "../runtime/types.ts";

/** The container a `service:x` reference means: x's first replica, or its container_name. */
export function firstContainer(project: Project, service: string): string {
  return project.services[service]?.container_name ?? `${project.name}-${service}-1`;
}

function sharedMode<T extends string>(project: Project, mode: string | undefined): T | `container:${string}` | undefined {
  if (mode === undefined) return undefined;
  if (mode.startsWith("service:")) return `container:${firstContainer(project, mode.slice("service:".length))}`;
  return mode as T | `container:${string}`;
}

export function resources(s: Service): ContainerSpec["resources"] {
  const limits = s.deploy?.resources?.limits;
  const reservations = s.deploy?.resources?.reservations;
  const pids = limits?.pids ?? s.pids_limit;
  const r: NonNullable<ContainerSpec["resources"]> = {
    ...((limits?.memory ?? s.mem_limit) !== undefined ? { memory: limits?.memory ?? s.mem_limit } : {}),
    ...((limits?.cpus ?? s.cpus) !== undefined ? { cpus: limits?.cpus ?? s.cpus } : {}),
    // -1 is compose's "no limit"
    ...(pids !== undefined && pids > 0 ? { pids } : {}),
    ...((reservations?.memory ?? s.mem_reservation) !== undefined ? { memoryReservation: reservations?.memory ?? s.mem_reservation } : {}),
  };
  return Object.keys(r).length > 0 ? r : undefined;
}

export function runtimeKeysSpec(project: Project, s: Service): Partial<ContainerSpec> {
  const files: NonNullable<ContainerSpec["files"]> = [];
  for (const kind of ["secret", "config"] as const) {
    for (const ref of s[`${kind}s`] ?? []) {
      files.push({
        kind,
        key: ref.source,
        target: ref.target ?? (kind === "secret" ? `/run/secrets/${ref.source}` : `/${ref.source}`),
        uid: Number(ref.uid ?? 0),
        gid: Number(ref.gid ?? 0),
        mode: ref.mode ?? 0o444,
      });
    }
  }
  const volumesFrom = (s.volumes_from ?? []).map((entry) => {
    const parts = entry.split(":");
    const container = parts[0] === "container" ? parts[1]! : firstContainer(project, parts[0]!);
    const mode = parts[0] === "container" ? parts[2] : parts[1];
    return { container, ...(mode === "ro" ? { readOnly: true } : {}) };
  });
  return {
    dns: s.dns,
    dnsSearch: s.dns_search,
    dnsOptions: s.dns_opt,
    sysctls: s.sysctls,
    shmSize: s.shm_size === undefined ? undefined : Number(s.shm_size),
    privileged: s.privileged,
    devices: s.devices,
    pidMode: sharedMode<"host">(project, s.pid),
    ipcMode: sharedMode<"private" | "shareable" | "none" | "host">(project, s.ipc),
    groupAdd: s.group_add,
    domainname: s.domainname,
    annotations: s.annotations,
    volumesFrom: volumesFrom.length > 0 ? volumesFrom : undefined,
    files: files.length > 0 ? files : undefined,
    resources: resources(s),
  };
}
