/**
 * `kitten kube export`: a loaded Project → Kubernetes objects, pure (inputs.ts reads files and
 * the image store first). Each service becomes a Deployment (a StatefulSet when its named
 * volumes must not be shared between replicas or --statefulset asks, a Job when another service
 * waits for it to complete), plus Services, claims, ConfigMaps, Secrets and, opt-in,
 * NetworkPolicies; what cannot be carried exactly is listed in the findings.
 */
import type { Project, Service } from "../../compose/model.ts";
import { replicasOf } from "../../compose/model.ts";
import { durationMs } from "../../compose/duration.ts";
import type { Container, Deployment, Job, KubeObject, PodTemplateSpec, StatefulSet, Volume } from "../objects.ts";
import { ANNOTATION_DEPENDS_ON, ANNOTATION_RESTART, applySetId, applySetParentName, selectorLabels } from "../labels.ts";
import { dnsLabel, isDnsLabel } from "../names.ts";
import { applyOrder } from "../kinds.ts";
import { Findings, type Finding } from "../findings.ts";
import { Emitter } from "./emitter.ts";
import { buildContainer, type BuiltContainer } from "./container.ts";
import { jobReader, waitContainers, type DependencyTarget } from "./depends.ts";
import { networkLabel, networkPolicies, podNetworks } from "./network-policies.ts";
import { containerPorts, type ContainerPortSpec } from "./ports.ts";
import { reachedByName } from "./reach.ts";
import { clusterService, publishedService } from "./services.ts";
import { volumeClaims } from "./storage.ts";
import { RUNTIME_KEYS, runtimeKeys } from "./runtime-keys.ts";
import { DEFAULT_EXPORT_OPTIONS, EMPTY_INPUTS, type ExportInputs, type ExportOptions } from "./types.ts";

export { DEFAULT_EXPORT_OPTIONS, EMPTY_INPUTS } from "./types.ts";
export type { ExportInputs, ExportOptions } from "./types.ts";

export interface ExportResult {
  objects: KubeObject[];
  findings: Finding[];
  /** the ApplySet these objects belong to */
  applySet: { parent: string; id: string; namespace: string };
}

/** Service model keys export reads; any other key present is reported, never dropped silently. */
export const EXPORTED_SERVICE_KEYS = new Set([
  "image", "command", "entrypoint", "environment", "ports", "expose", "networks", "network_mode", "depends_on", "restart",
  "healthcheck", "deploy", "volumes", "working_dir", "user", "hostname", "container_name", "labels", "extra_hosts",
  "stop_signal", "stop_grace_period", "init", "read_only", "tmpfs", "cap_add", "cap_drop", "security_opt", "ulimits",
  "profiles", "tty", "stdin_open", "build", "logging", ...RUNTIME_KEYS,
]);

interface Ctx {
  project: Project;
  o: ExportOptions;
  inputs: ExportInputs;
  emit: Emitter;
  findings: Findings;
}

/** network_mode service:X chains resolved to the service whose pod they join. */
function podRoot(project: Project, name: string, seen = new Set<string>()): string {
  const mode = project.services[name]?.network_mode;
  if (!mode?.startsWith("service:") || seen.has(name)) return name;
  seen.add(name);
  const target = mode.slice("service:".length);
  return project.services[target] ? podRoot(project, target, seen) : name;
}

export function exportProject(project: Project, inputs: ExportInputs = EMPTY_INPUTS, options: Partial<ExportOptions> = {}): ExportResult {
  const o: ExportOptions = { ...DEFAULT_EXPORT_OPTIONS, ...options };
  const parent = applySetParentName(project.name);
  const id = applySetId(parent, o.namespace);
  const ctx: Ctx = { project, o, inputs, emit: new Emitter(project.name, o.namespace, id), findings: new Findings() };
  const { findings } = ctx;
  const names = Object.keys(project.services).sort();

  const jobs = new Set<string>();
  for (const s of Object.values(project.services)) {
    for (const [dep, cfg] of Object.entries(s.depends_on ?? {})) if (cfg.condition === "service_completed_successfully") jobs.add(podRoot(project, dep));
  }
  const roots = names.filter((n) => podRoot(project, n) === n);
  const members = (root: string) => names.filter((n) => podRoot(project, n) === root);
  const image = (s: Service) => (s.image ? inputs.imageConfigs[s.image] : undefined);
  const portsOf: Record<string, ContainerPortSpec[]> = {};
  for (const n of names) portsOf[n] = containerPorts(n, project.services[n]!, image(project.services[n]!), new Findings());
  const reached = reachedByName(project, (n) => portsOf[n]!.length > 0);

  const claimsOf = (n: string) => (project.services[n]!.volumes ?? []).filter((m) => m.type === "volume" && m.source && !project.volumes[m.source]?.external).map((m) => m.source!);
  const kindOf = (root: string): "Job" | "StatefulSet" | "Deployment" => {
    if (jobs.has(root)) return "Job";
    const claims = members(root).flatMap(claimsOf);
    return claims.length > 0 && (o.statefulSets || replicasOf(project.services[root]!) > 1) ? "StatefulSet" : "Deployment";
  };

  // Services first: the init containers of dependants wait for them by name
  const targets = new Map<string, DependencyTarget>();
  const published: Record<string, ContainerPortSpec[]> = {};
  for (const n of names) {
    const s = project.services[n]!;
    const root = podRoot(project, n);
    const hostNet = s.network_mode === "host" || project.services[root]!.network_mode === "host";
    if (s.network_mode === "none") continue;
    const headless = kindOf(root) === "StatefulSet";
    if (reached.has(n) || (headless && n === root)) {
      const svc = clusterService(project.name, root, dnsLabel(n), portsOf[n]!, headless, ctx.emit);
      targets.set(n, { service: svc });
    }
    for (const [net, cfg] of Object.entries(s.networks ?? {})) {
      for (const alias of cfg?.aliases ?? []) {
        if (!isDnsLabel(alias)) {
          findings.dropped(`service ${n}`, `networks.${net}.aliases`, `"${alias}" is not a valid Service name`);
          continue;
        }
        if (alias === dnsLabel(n) || ctx.emit.has("Service", alias)) continue;
        clusterService(project.name, root, alias, portsOf[n]!, headless, ctx.emit);
      }
    }
    if (!hostNet) publishedService(project.name, root, portsOf[n]!, o, ctx.emit, findings);
    published[root] = [...(published[root] ?? []), ...portsOf[n]!.filter((p) => p.hostPort !== undefined)];
  }
  for (const j of jobs) targets.set(j, { ...targets.get(j), job: dnsLabel(j) });

  const usedVolumes = new Set(roots.filter((r) => kindOf(r) !== "StatefulSet").flatMap((r) => members(r).flatMap(claimsOf)));
  volumeClaims(project, o, ctx.emit, findings, usedVolumes);
  let jobReaderName: string | undefined;
  for (const root of roots) {
    const workload = buildWorkload(ctx, root, members(root), kindOf(root), (dep) => targets.get(podRoot(project, dep)) ?? targets.get(dep), () => (jobReaderName ??= jobReader(project.name, ctx.emit)));
    ctx.emit.object(workload, root);
  }
  if (o.networkPolicies) networkPolicies(project, roots, published, ctx.emit);
  projectFindings(ctx, roots);
  return { objects: applyOrder(ctx.emit.objects), findings: findings.sorted(), applySet: { parent, id, namespace: o.namespace } };
}

function buildWorkload(ctx: Ctx, root: string, group: string[], kind: "Job" | "StatefulSet" | "Deployment", target: (dep: string) => DependencyTarget | undefined, jobReaderName: () => string): Deployment | StatefulSet | Job {
  const { project, o, findings } = ctx;
  const s = project.services[root]!;
  const built: BuiltContainer[] = group.map((n) => buildContainer(project, n, project.services[n]!, project.services[n]!.image ? ctx.inputs.imageConfigs[project.services[n]!.image!] : undefined, ctx.inputs, o, ctx.emit, findings));
  for (const n of group) serviceFindings(ctx, n, kind);
  const volumes: Volume[] = [];
  for (const b of built) for (const v of b.storage.volumes) if (!volumes.some((x) => x.name === v.name)) volumes.push(v);

  const deps: Record<string, NonNullable<Service["depends_on"]>[string]> = {};
  for (const n of group) {
    for (const [dep, cfg] of Object.entries(project.services[n]!.depends_on ?? {})) {
      if (group.includes(dep) || project.services[n]!.network_mode === `service:${dep}`) continue;
      deps[dep] = cfg;
    }
  }
  const waits = waitContainers(root, deps, target, o, findings);
  const labels: Record<string, string> = { ...selectorLabels(project.name, root) };
  if (o.networkPolicies) for (const net of podNetworks(project, root)) labels[networkLabel(net)] = "true";
  const annotations: Record<string, string> = {};
  for (const n of group) Object.assign(annotations, project.services[n]!.labels ?? {});
  if (Object.keys(waits.kept).length > 0) annotations[ANNOTATION_DEPENDS_ON] = JSON.stringify(waits.kept);

  const template: PodTemplateSpec = {
    metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      // compose injects no {SERVICE}_PORT variables; Kubernetes would, and they break images that read e.g. REDIS_PORT
      enableServiceLinks: false,
      containers: built.map((b) => b.container),
      ...(waits.initContainers.length ? { initContainers: waits.initContainers } : {}),
      ...(volumes.length ? { volumes } : {}),
    },
  };
  const pod = template.spec!;
  group.forEach((n, i) => {
    const extra = runtimeKeys(project, n, project.services[n]!, built[i]!.container, pod, ctx.inputs, ctx.emit, findings);
    for (const v of extra.volumes) if (!(pod.volumes ??= []).some((x) => x.name === v.name)) pod.volumes.push(v);
  });
  const annotationsOf = group.flatMap((n) => Object.entries(project.services[n]!.annotations ?? {}));
  if (annotationsOf.length) template.metadata!.annotations = { ...template.metadata!.annotations, ...Object.fromEntries(annotationsOf) };
  if (waits.needsJobReader) pod.serviceAccountName = jobReaderName();
  if (s.network_mode === "host") pod.hostNetwork = true;
  if (s.hostname) {
    if (isDnsLabel(s.hostname)) pod.hostname = s.hostname;
    else findings.dropped(`service ${root}`, "hostname", `"${s.hostname}" is not a DNS label`);
  }
  const aliases = hostAliases(root, group.flatMap((n) => project.services[n]!.extra_hosts ?? []), findings);
  if (aliases.length) pod.hostAliases = aliases;
  if (s.stop_grace_period) pod.terminationGracePeriodSeconds = Math.ceil(durationMs(s.stop_grace_period) / 1000);

  const restart = s.restart ?? "no";
  const meta = { name: dnsLabel(root), labels: { ...selectorLabels(project.name, root) } };
  const selector = { matchLabels: selectorLabels(project.name, root) };
  if (kind === "Job") {
    const onFailure = /^on-failure(?::(\d+))?$/.exec(restart);
    pod.restartPolicy = onFailure ? "OnFailure" : "Never";
    if (restart === "always" || restart === "unless-stopped") {
      findings.approximated(`service ${root}`, "restart", `${restart}: a Job (others wait for it to complete) restarts on failure only`);
      pod.restartPolicy = "OnFailure";
    }
    if (restart !== "no") (template.metadata!.annotations ??= {})[ANNOTATION_RESTART] = restart;
    const backoff = onFailure?.[1] !== undefined ? Number(onFailure[1]) : restart === "no" ? 0 : 6;
    if (onFailure && onFailure[1] === undefined) findings.approximated(`service ${root}`, "restart", "on-failure without a limit: the Job gives up after 6 retries (backoffLimit)");
    if (replicasOf(s) !== 1) findings.approximated(`service ${root}`, "deploy.replicas", `${replicasOf(s)} replicas: the Job runs ${replicasOf(s)} completions in parallel`);
    return { apiVersion: "batch/v1", kind: "Job", metadata: meta, spec: { backoffLimit: backoff, ...(replicasOf(s) !== 1 ? { parallelism: replicasOf(s), completions: replicasOf(s) } : {}), template } };
  }
  if (restart !== "always" && restart !== "unless-stopped") {
    if (s.restart !== undefined) findings.approximated(`service ${root}`, "restart", `${restart}: a ${kind} always restarts its containers`);
    (template.metadata!.annotations ??= {})[ANNOTATION_RESTART] = restart;
  }
  const claims = [...new Set(group.flatMap((n) => (project.services[n]!.volumes ?? []).filter((m) => m.type === "volume" && m.source && !project.volumes[m.source]?.external).map((m) => m.source!)))];
  if (kind === "StatefulSet") {
    const claimVolumes = new Set(claims.map((c) => dnsLabel("vol", c)));
    pod.volumes = (pod.volumes ?? []).filter((v) => !claimVolumes.has(v.name));
    if (pod.volumes.length === 0) delete pod.volumes;
    if (replicasOf(s) > 1) findings.approximated(`service ${root}`, "volumes", `${claims.join(", ")}: each of the ${replicasOf(s)} replicas gets its own claim (compose shares one volume)`);
    return {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: meta,
      spec: {
        serviceName: dnsLabel(root),
        replicas: replicasOf(s),
        selector,
        template,
        volumeClaimTemplates: claims.map((c) => ({
          metadata: { name: dnsLabel("vol", c) },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: o.volumeSize } }, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
        })),
      },
    };
  }
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta,
    spec: {
      replicas: replicasOf(s),
      selector,
      // a ReadWriteOnce claim cannot be mounted by the old and the new pod at once (kompose does the same)
      ...(claims.length > 0 ? { strategy: { type: "Recreate" } } : {}),
      template,
    },
  };
}

function hostAliases(root: string, entries: string[], findings: Findings): NonNullable<NonNullable<PodTemplateSpec["spec"]>["hostAliases"]> {
  const byIp = new Map<string, string[]>();
  for (const e of entries) {
    const sep = e.indexOf(":");
    const host = e.slice(0, sep);
    const ip = e.slice(sep + 1).replace(/^\[|\]$/g, "");
    if (ip === "host-gateway") {
      findings.dropped(`service ${root}`, "extra_hosts", `${host}:host-gateway — a pod has no host gateway address`);
      continue;
    }
    byIp.set(ip, [...(byIp.get(ip) ?? []), host]);
  }
  return [...byIp].map(([ip, hostnames]) => ({ ip, hostnames }));
}

/** The keys of one service that have no (exact) Kubernetes form. */
function serviceFindings(ctx: Ctx, n: string, kind: string): void {
  const { project, findings } = ctx;
  const s = project.services[n]!;
  const subject = `service ${n}`;
  for (const key of Object.keys(s)) {
    if (!EXPORTED_SERVICE_KEYS.has(key) && (s as Record<string, unknown>)[key] !== undefined) findings.dropped(subject, key, "kitten kube export does not translate this key yet");
  }
  // `kitten push` pushes a built service's image under its `image:` (compose push's rule): the cluster pulls that
  if (s.build && s.image) findings.approximated(subject, "build", `not built in the cluster: push ${s.image} first (kitten push)`);
  if (s.container_name) findings.approximated(subject, "container_name", `pods are named after the ${kind} (${dnsLabel(podRoot(project, n))}-...)`);
  if (s.stop_signal) findings.dropped(subject, "stop_signal", "lifecycle.stopSignal is alpha (KEP-4960); Kubernetes sends SIGTERM");
  if (s.init) findings.dropped(subject, "init", "no init process in the container: the app is pid 1");
  if (s.ulimits && Object.keys(s.ulimits).length) findings.dropped(subject, "ulimits", "ulimits are a node setting, not part of a pod spec");
  if (s.logging) findings.dropped(subject, "logging", "the kubelet keeps and rotates container logs (containerLogMaxSize/MaxFiles are node settings)");
  if (s.profiles?.length) findings.approximated(subject, "profiles", "resolved at export: only services of the active profiles were exported");
  if (s.labels && Object.keys(s.labels).length) findings.approximated(subject, "labels", "kept as pod annotations (container labels have no Kubernetes form)");
  if (s.network_mode === "none") findings.dropped(subject, "network_mode", "none: every pod has a network");
  else if (s.network_mode?.startsWith("container:")) findings.dropped(subject, "network_mode", `${s.network_mode}: only service: can share a pod`);
  else if (s.network_mode?.startsWith("service:") && podRoot(project, n) !== n) findings.approximated(subject, "network_mode", `a second container in ${podRoot(project, n)}'s pod: it follows that service's replicas and restarts`);
  for (const [net, cfg] of Object.entries(s.networks ?? {})) {
    if (cfg?.ipv4_address || cfg?.ipv6_address) findings.dropped(subject, `networks.${net}.ipv4_address`, "pod addresses are assigned by the cluster");
    if (cfg?.priority !== undefined) findings.dropped(subject, `networks.${net}.priority`, "a pod has one network interface");
  }
  if (s.deploy?.resources?.limits?.memory === undefined && s.deploy?.resources?.reservations?.memory !== undefined) {
    findings.approximated(subject, "deploy.resources.reservations", "a request without a limit");
  }
}

function projectFindings(ctx: Ctx, roots: string[]): void {
  const { project, findings, o } = ctx;
  for (const [subject, keys] of Object.entries(ctx.inputs.ignoredKeys)) {
    for (const key of keys) findings.dropped(subject, key, "kitten does not model this key (the loader ignored it)");
  }
  const used = new Set(roots.flatMap((r) => podNetworks(project, r)));
  const many = used.size > 1;
  for (const [key, net] of Object.entries(project.networks)) {
    if (!used.has(key)) continue;
    const subject = `network ${key}`;
    if (net.ipam?.config?.length) findings.dropped(subject, "ipam", "pod and Service addresses are assigned by the cluster");
    if (net.driver && net.driver !== "bridge") findings.dropped(subject, "driver", `driver ${net.driver}: the cluster's network plugin decides`);
    if (net.external) findings.approximated(subject, "external", "pods of the namespace share the cluster network");
    if (net.labels) findings.dropped(subject, "labels", "a network is not an object in Kubernetes");
    if (!net.external && net.name !== `${project.name}_${key}`) findings.dropped(subject, "name", "a network is not an object in Kubernetes");
    if (!o.networkPolicies && net.internal) findings.approximated(subject, "internal", "not enforced: pods can reach the outside (--network-policies restricts them)");
  }
  if (!o.networkPolicies) {
    for (const root of roots) {
      const nets = podNetworks(project, root).filter((n) => n !== "default");
      if (nets.length > 0 && (many || nets.some((n) => project.networks[n]?.internal))) {
        findings.approximated(`service ${root}`, "networks", `[${nets.join(", ")}]: every pod of the namespace reaches it (--network-policies isolates the networks)`);
      } else if (nets.length > 0) {
        findings.approximated(`service ${root}`, "networks", `[${nets.join(", ")}]: pods share the namespace's network`);
      }
    }
  }
}
