/**
 * depends_on in a cluster, where pods start independently (kompose and Compose Bridge drop it,
 * kompose#57, #939, #1871). `service_started` and `service_healthy` become an init container
 * that waits until the dependency's Service answers: a Service only routes to Ready pods, so with
 * a readinessProbe (the dependency's healthcheck) "answers" means healthy, without one it means
 * started. A Service with ports is tried with a TCP connect (`nc -w 2 host port`, which exits 0
 * on connect and 1 on refusal); a headless Service without ports resolves only while a pod is
 * Ready, so it is waited for by name. `service_completed_successfully` makes the dependency a
 * Job, and the init container waits for the Job's Complete condition with kubectl, through a
 * ServiceAccount allowed to read Jobs. The conditions are also kept as an annotation, which
 * `kube play` reads to restore depends_on exactly.
 */
import type { DependsOn } from "../../compose/model.ts";
import type { Container, Role, RoleBinding, ServiceAccount } from "../objects.ts";
import { dnsLabel } from "../names.ts";
import type { Findings } from "../findings.ts";
import type { Emitter } from "./emitter.ts";
import type { ExportOptions } from "./types.ts";

export interface DependencyTarget {
  /** the Service to wait for, and its first port (none: headless, wait by name) */
  service?: { name: string; port?: number };
  /** the Job's name, when the dependency is a Job */
  job?: string;
}

export const WAIT_PREFIX = "wait-for-";

export function waitContainers(
  name: string,
  deps: Record<string, DependsOn>,
  targets: (dep: string) => DependencyTarget | undefined,
  o: ExportOptions,
  findings: Findings,
): { initContainers: Container[]; needsJobReader: boolean; kept: Record<string, string> } {
  const subject = `service ${name}`;
  const initContainers: Container[] = [];
  const kept: Record<string, string> = {};
  let needsJobReader = false;
  for (const [dep, cfg] of Object.entries(deps).sort(([a], [b]) => a.localeCompare(b))) {
    if (cfg.restart) findings.dropped(subject, `depends_on.${dep}.restart`, "dependants are not restarted when the dependency is: pods are independent");
    if (!cfg.required) {
      findings.approximated(subject, `depends_on.${dep}`, "required: false — not waited for");
      continue;
    }
    const target = targets(dep);
    const cname = dnsLabel(`${WAIT_PREFIX}${dep}`);
    if (cfg.condition === "service_completed_successfully" && target?.job) {
      needsJobReader = true;
      kept[dep] = cfg.condition;
      initContainers.push({
        name: cname,
        image: o.jobWaitImage,
        imagePullPolicy: "IfNotPresent",
        command: ["kubectl", "wait", "--for=condition=complete", "--timeout=-1s", `job/${target.job}`, "-n", o.namespace],
      });
      continue;
    }
    if (!target?.service) {
      findings.dropped(subject, `depends_on.${dep}`, `${dep} has no Service to wait for`);
      continue;
    }
    kept[dep] = cfg.condition;
    const svc = target.service;
    const fqdn = `${svc.name}.${o.namespace}.svc.${o.clusterDomain}`;
    const check = svc.port === undefined ? `nslookup ${fqdn} >/dev/null 2>&1` : `nc -w 2 ${svc.name} ${svc.port} </dev/null >/dev/null 2>&1`;
    const what = svc.port === undefined ? fqdn : `${svc.name}:${svc.port}`;
    initContainers.push({
      name: cname,
      image: o.waitImage,
      imagePullPolicy: "IfNotPresent",
      command: ["sh", "-c", `until ${check}; do echo "waiting for ${what}"; sleep 2; done`],
    });
    if (cfg.condition === "service_started") {
      findings.approximated(subject, `depends_on.${dep}`, `service_started waits until ${dep}'s Service answers (Ready pods only${svc.port === undefined ? "" : `, port ${svc.port}`})`);
    }
  }
  return { initContainers, needsJobReader, kept };
}

/** The ServiceAccount, Role and RoleBinding that let init containers wait for the project's Jobs. */
export function jobReader(project: string, emit: Emitter): string {
  const name = dnsLabel(project, "job-waiter");
  const sa: ServiceAccount = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } };
  const role: Role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name },
    rules: [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch"] }],
  };
  const binding: RoleBinding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name }],
  };
  emit.object(sa, undefined);
  emit.object(role, undefined);
  emit.object(binding, undefined);
  return name;
}
