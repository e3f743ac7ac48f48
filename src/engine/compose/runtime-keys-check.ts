/**
 * The checks of runtime-keys.ts that need the whole project, done when it is assembled, each
 * error located at the key in the file that set it:
 * - secrets and configs a service uses are defined (compose-go: `service %q refers to undefined
 *   secret %s`), and get their names (`<project>_<key>` unless `name:`);
 * - pid/ipc `service:x` and volumes_from name a service of the project, which becomes a
 *   dependency (compose-go adds it, so x starts first);
 * - mem_limit / cpus / pids_limit / mem_reservation agree with deploy.resources (compose-go:
 *   `can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'`);
 * - net.* sysctls need the container's own network namespace, kernel.* ones its own IPC one.
 */
import { didYouMeanHint } from "../../core/suggest.ts";
import type { Secret, Service } from "./model.ts";
import type { FileModel } from "./compose-file.ts";
import { serviceError, type ServiceReaders } from "./read.ts";

type Fail = (service: string, path: (string | number)[], message: string, hint?: string) => never;

export function finishSecrets(merged: FileModel, services: Record<string, Service>, project: string): { secrets?: Record<string, Secret>; configs?: Record<string, Secret> } {
  const fail: Fail = (service, path, message, hint) => {
    throw serviceError(merged.readers, service, path, message, hint);
  };
  const out: { secrets?: Record<string, Secret>; configs?: Record<string, Secret> } = {};
  for (const kind of ["secrets", "configs"] as const) {
    const defs = merged[kind] ?? {};
    for (const [name, s] of Object.entries(services)) {
      (s[kind] ?? []).forEach((ref, i) => {
        if (Object.hasOwn(defs, ref.source)) return;
        fail(name, [kind, i], `service "${name}" refers to undefined ${kind.slice(0, -1)} ${ref.source}`, didYouMeanHint(ref.source, Object.keys(defs)) ?? `declare it under the top-level ${kind}: key`);
      });
    }
    const keys = Object.keys(defs).sort();
    if (keys.length === 0) continue;
    out[kind] = Object.fromEntries(keys.map((k) => [k, { ...defs[k], name: defs[k]!.name ?? `${project}_${k}` } as Secret]));
  }
  return out;
}

/** The service a `service:x` mode or a volumes_from entry names, if it names one. */
export function referencedService(entry: string | undefined, kind: "mode" | "volumes_from"): string | undefined {
  if (entry === undefined) return undefined;
  if (kind === "mode") return entry.startsWith("service:") ? entry.slice("service:".length) : undefined;
  return entry.startsWith("container:") ? undefined : entry.split(":")[0];
}

function limitsAgree(s: Service, name: string, fail: Fail): void {
  const limits = s.deploy?.resources?.limits;
  const reservations = s.deploy?.resources?.reservations;
  const pairs: Array<[keyof Service, unknown, unknown, string]> = [
    ["mem_limit", s.mem_limit, limits?.memory, "deploy.resources.limits.memory"],
    ["cpus", s.cpus, limits?.cpus, "deploy.resources.limits.cpus"],
    ["pids_limit", s.pids_limit, limits?.pids, "deploy.resources.limits.pids"],
    ["mem_reservation", s.mem_reservation, reservations?.memory, "deploy.resources.reservations.memory"],
  ];
  for (const [key, own, deploy, deployPath] of pairs) {
    if (own === undefined || deploy === undefined || String(own) === String(deploy)) continue;
    fail(name, [key], `services.${name}: can't set distinct values on '${key}' and '${deployPath}'`, "set the limit in one place (deploy.resources is the newer form)");
  }
}

export function checkRuntimeKeys(services: Record<string, Service>, readers: ServiceReaders): void {
  const fail: Fail = (service, path, message, hint) => {
    throw serviceError(readers, service, path, message, hint);
  };
  const names = Object.keys(services);
  for (const [name, s] of Object.entries(services)) {
    const refs: Array<[string | undefined, (string | number)[]]> = [
      [referencedService(s.pid, "mode"), ["pid"]],
      [referencedService(s.ipc, "mode"), ["ipc"]],
      ...(s.volumes_from ?? []).map((v, i): [string | undefined, (string | number)[]] => [referencedService(v, "volumes_from"), ["volumes_from", i]]),
    ];
    for (const [target, path] of refs) {
      if (target === undefined) continue;
      if (target === name) fail(name, path, `service "${name}" cannot refer to itself in ${path[0]}`);
      if (!Object.hasOwn(services, target)) fail(name, path, `service "${name}" refers to undefined service "${target}" in ${path[0]}`, didYouMeanHint(target, names) ?? `services are: ${names.join(", ")}`);
      // compose-go: the service whose namespace or volumes are shared starts first
      if (!s.depends_on?.[target]) s.depends_on = { ...s.depends_on, [target]: { condition: "service_started", required: true } };
    }
    limitsAgree(s, name, fail);
    // nerdctl says the same; compose would fail later, building nothing
    if (s.pull_policy === "build" && !s.build) fail(name, ["pull_policy"], `service "${name}": pull_policy "build" requires a build: section`, "add build: (the directory with its Dockerfile), or use another pull_policy");
    for (const key of Object.keys(s.sysctls ?? {})) {
      if (key.startsWith("net.") && s.network_mode !== undefined && s.network_mode !== "none" && s.network_mode !== "bridge") {
        fail(name, ["sysctls"], `sysctl "${key}" cannot be set with network_mode "${s.network_mode}": the container has no network namespace of its own`, "remove network_mode, or the sysctl");
      }
      if (key.startsWith("kernel.") || key.startsWith("fs.mqueue.")) {
        if (s.ipc === "host" || s.ipc?.startsWith("service:") || s.ipc?.startsWith("container:")) {
          fail(name, ["sysctls"], `sysctl "${key}" cannot be set with ipc "${s.ipc}": the container has no IPC namespace of its own`, "remove ipc, or the sysctl");
        }
      }
    }
  }
}
