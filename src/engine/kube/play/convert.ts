/**
 * `kitten kube play`: Kubernetes objects → a kitten Project, pure — the files ConfigMaps and
 * Secrets mount are returned for the caller to write. Pods, Deployments, StatefulSets and Jobs
 * become services (one per container; a pod's other containers share its network with
 * network_mode service:), Services become DNS names (network aliases of the pods they select),
 * ConfigMaps and Secrets become environment and files, PersistentVolumeClaims named volumes,
 * probes healthchecks, init containers one-shot services the pod waits for, and a container's
 * hostPort is published on the host. podman's `kube play` is the peer (research/kube.md §3):
 * like it, one kitten project per file, replicas honoured; unlike it, Services and readiness
 * probes are used, not skipped. Unsupported kinds and fields are listed by name.
 */
import { posix } from "node:path";
import { InvalidInputError } from "../../../core/errors.ts";
import { ProjectSchema, type DependsOn, type Healthcheck, type Port, type Project, type Service, type VolumeMount } from "../../compose/model.ts";
import { dnsLabel } from "../names.ts";
import type { Container, KubeObject, PodSpec, Probe } from "../objects.ts";
import { ANNOTATION_DEPENDS_ON, ANNOTATION_RESTART, LABEL_PART_OF } from "../labels.ts";
import { Findings, type Finding } from "../findings.ts";
import { WAIT_PREFIX } from "../export/depends.ts";

export interface PlayFile {
  /** absolute path under the play directory */
  path: string;
  content: Uint8Array;
  mode: number;
}

export interface PlayResult {
  project: Project;
  files: PlayFile[];
  findings: Finding[];
}

export interface PlayOptions {
  projectName?: string;
  /** fallback project name (the file's name) */
  defaultName: string;
  /** where the project's ConfigMap and Secret files are written (absolute), by project name */
  filesDir: (project: string) => string;
}

const WORKLOADS = new Set(["Pod", "Deployment", "StatefulSet", "Job", "DaemonSet"]);
const DATA_KINDS = new Set(["ConfigMap", "Secret", "PersistentVolumeClaim", "Service"]);
const POD_FIELDS = new Set(["containers", "initContainers", "volumes", "hostname", "hostAliases", "hostNetwork", "hostPID", "hostIPC", "dnsConfig", "securityContext", "terminationGracePeriodSeconds", "restartPolicy", "enableServiceLinks", "serviceAccountName", "subdomain", "dnsPolicy", "automountServiceAccountToken", "nodeSelector"]);
const CONTAINER_FIELDS = new Set(["name", "image", "imagePullPolicy", "command", "args", "workingDir", "env", "envFrom", "ports", "volumeMounts", "readinessProbe", "livenessProbe", "startupProbe", "resources", "securityContext", "tty", "stdin", "lifecycle", "terminationMessagePath", "terminationMessagePolicy"]);

interface Data {
  configMaps: Map<string, Record<string, Uint8Array>>;
  secrets: Map<string, Record<string, Uint8Array>>;
  claims: Set<string>;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

export function playObjects(objects: KubeObject[], o: PlayOptions): PlayResult {
  const findings = new Findings();
  const data: Data = { configMaps: new Map(), secrets: new Map(), claims: new Set() };
  for (const obj of objects) {
    if (obj.kind === "ConfigMap") {
      const d: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) d[k] = new TextEncoder().encode(v);
      for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) d[k] = new Uint8Array(Buffer.from(v, "base64"));
      data.configMaps.set(obj.metadata.name, d);
    } else if (obj.kind === "Secret") {
      const d: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) d[k] = new Uint8Array(Buffer.from(v, "base64"));
      for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, string>)) d[k] = new TextEncoder().encode(v);
      data.secrets.set(obj.metadata.name, d);
    } else if (obj.kind === "PersistentVolumeClaim") {
      data.claims.add(obj.metadata.name);
    } else if (!WORKLOADS.has(obj.kind) && !DATA_KINDS.has(obj.kind)) {
      findings.dropped(`kind ${obj.kind}`, obj.metadata.name, `${obj.kind} is not run locally`);
    }
  }
  const name = o.projectName ?? commonPartOf(objects) ?? o.defaultName;
  const project: Project = { name, services: {}, networks: { default: { name: `${name}_default` } }, volumes: {} };
  const files: PlayFile[] = [];
  const written = new Set<string>();
  const ctx: Ctx = { project, findings, data, files, written, filesDir: o.filesDir(name) };
  const templates: Array<{ first: string; labels: Record<string, string>; containers: Container[] }> = [];

  for (const obj of objects) {
    if (!WORKLOADS.has(obj.kind)) continue;
    const spec = (obj.spec ?? {}) as Record<string, any>;
    const template = obj.kind === "Pod" ? { metadata: obj.metadata, spec } : spec.template;
    if (!template?.spec) {
      findings.dropped(`${obj.kind} ${obj.metadata.name}`, "spec.template", "no pod template");
      continue;
    }
    const subject = `${obj.kind} ${obj.metadata.name}`;
    for (const key of Object.keys(spec)) {
      if (!["replicas", "selector", "template", "strategy", "serviceName", "volumeClaimTemplates", "backoffLimit", "parallelism", "completions", "containers", "initContainers", "volumes", "hostname", "hostAliases", "hostNetwork", "terminationGracePeriodSeconds", "restartPolicy", "enableServiceLinks", "serviceAccountName", "revisionHistoryLimit", "podManagementPolicy", "updateStrategy", "minReadySeconds", "progressDeadlineSeconds"].includes(key)) {
        findings.dropped(subject, `spec.${key}`, "not supported by kube play");
      }
    }
    if (obj.kind === "DaemonSet") findings.approximated(subject, "kind", "one replica on this machine");
    const claimTemplates = new Set<string>(((spec.volumeClaimTemplates ?? []) as Array<{ metadata: { name: string } }>).map((t) => t.metadata.name));
    const replicas = obj.kind === "Job" ? (spec.parallelism ?? 1) : obj.kind === "Pod" || obj.kind === "DaemonSet" ? 1 : (spec.replicas ?? 1);
    const first = playPod(ctx, obj, template.metadata ?? {}, template.spec as PodSpec, replicas, claimTemplates);
    if (first) templates.push({ first, labels: template.metadata?.labels ?? {}, containers: (template.spec as PodSpec).containers ?? [] });
  }

  for (const obj of objects) if (obj.kind === "Service") playService(ctx, obj, templates);
  resolveDependencies(project, findings);
  const parsed = ProjectSchema.safeParse(project);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidInputError(`the objects do not make a valid project: ${issue.path.join(".")}: ${issue.message}`);
  }
  return { project: parsed.data, files, findings: findings.sorted() };
}

/** depends_on kept by export names compose services; their workloads carry DNS-label names. */
function resolveDependencies(project: Project, findings: Findings): void {
  for (const [name, s] of Object.entries(project.services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) {
      if (project.services[dep]) continue;
      const cfg = s.depends_on![dep]!;
      delete s.depends_on![dep];
      const label = dnsLabel(dep);
      if (project.services[label]) s.depends_on![label] = cfg;
      else findings.dropped(`service ${name}`, `depends_on.${dep}`, "no workload of that name in the file");
    }
    if (s.depends_on && Object.keys(s.depends_on).length === 0) delete s.depends_on;
  }
}

function commonPartOf(objects: KubeObject[]): string | undefined {
  const values = new Set(objects.map((o) => o.metadata.labels?.[LABEL_PART_OF]));
  const [only] = [...values];
  return values.size === 1 && only && /^[a-z0-9][a-z0-9_-]*$/.test(only) ? only : undefined;
}

type Ctx = { project: Project; findings: Findings; data: Data; files: PlayFile[]; written: Set<string>; filesDir: string };

function restartOf(kind: string, pod: PodSpec, annotations: Record<string, string>, backoff: number | undefined): string {
  if (annotations[ANNOTATION_RESTART]) return annotations[ANNOTATION_RESTART];
  const policy = pod.restartPolicy ?? (kind === "Job" ? "Never" : "Always");
  if (policy === "Always") return "always";
  if (policy === "OnFailure") return backoff !== undefined ? `on-failure:${backoff}` : "on-failure";
  return "no";
}

function playPod(ctx: Ctx, obj: KubeObject, meta: { labels?: Record<string, string>; annotations?: Record<string, string> }, pod: PodSpec, replicas: number, claimTemplates: Set<string>): string | undefined {
  const { project, findings } = ctx;
  const subject = `${obj.kind} ${obj.metadata.name}`;
  for (const key of Object.keys(pod)) if (!POD_FIELDS.has(key)) findings.dropped(subject, `spec.template.spec.${key}`, "not supported by kube play");
  const containers = pod.containers ?? [];
  if (containers.length === 0) return undefined;
  const annotations = meta.annotations ?? {};
  const restart = restartOf(obj.kind, pod, annotations, obj.kind === "Job" ? ((obj.spec as { backoffLimit?: number }).backoffLimit ?? undefined) : undefined);
  const first = obj.metadata.name;
  const kept = parseDependsOn(annotations[ANNOTATION_DEPENDS_ON], subject, findings);
  const depends: Record<string, DependsOn> = {};
  for (const [dep, condition] of Object.entries(kept)) depends[dep] = { condition: condition as DependsOn["condition"], required: true };

  // init containers kitten did not write run first, in order, once
  let previous: string | undefined;
  for (const init of pod.initContainers ?? []) {
    const waitsFor = init.name.startsWith(WAIT_PREFIX) ? init.name.slice(WAIT_PREFIX.length) : undefined;
    if (waitsFor !== undefined && Object.keys(kept).some((d) => d === waitsFor || d.replace(/[^a-z0-9]+/g, "-") === waitsFor)) continue;
    const sname = `${first}-init-${init.name}`;
    const s = playContainer(ctx, subject, init, pod, claimTemplates, first);
    s.restart = "no";
    if (previous) s.depends_on = { [previous]: { condition: "service_completed_successfully", required: true } };
    project.services[sname] = s;
    depends[sname] = { condition: "service_completed_successfully", required: true };
    previous = sname;
    if (replicas > 1) findings.approximated(subject, `initContainers.${init.name}`, `runs once, before all ${replicas} replicas`);
  }

  containers.forEach((c, i) => {
    const sname = i === 0 ? first : `${first}-${c.name}`;
    const s = playContainer(ctx, subject, c, pod, claimTemplates, first);
    s.restart = restart;
    if (replicas !== 1) s.deploy = { ...s.deploy, replicas };
    if (i === 0) {
      if (pod.hostNetwork) s.network_mode = "host";
      else s.networks = { default: null };
      if (pod.hostname) s.hostname = pod.hostname;
      if (pod.hostAliases?.length) s.extra_hosts = pod.hostAliases.flatMap((a) => (a.hostnames ?? []).map((h) => `${h}:${a.ip}`));
      if (pod.terminationGracePeriodSeconds !== undefined) s.stop_grace_period = `${pod.terminationGracePeriodSeconds}s`;
      if (pod.hostPID) s.pid = "host";
      if (pod.hostIPC) s.ipc = "host";
      if (pod.dnsConfig?.nameservers?.length) s.dns = pod.dnsConfig.nameservers;
      if (pod.dnsConfig?.searches?.length) s.dns_search = pod.dnsConfig.searches;
      if (pod.dnsConfig?.options?.length) s.dns_opt = pod.dnsConfig.options.map((x) => (x.value === undefined ? x.name! : `${x.name}:${x.value}`));
      if (pod.securityContext?.sysctls?.length) s.sysctls = Object.fromEntries(pod.securityContext.sysctls.map((x) => [x.name, x.value]));
      if (pod.securityContext?.supplementalGroups?.length) s.group_add = pod.securityContext.supplementalGroups.map(String);
      for (const key of Object.keys(pod.securityContext ?? {})) if (key !== "sysctls" && key !== "supplementalGroups") findings.dropped(subject, `spec.securityContext.${key}`, "not supported by kube play");
      if (pod.nodeSelector) findings.approximated(subject, "spec.nodeSelector", "this machine is the only node");
      if (Object.keys(depends).length) s.depends_on = { ...depends };
      const labels = Object.fromEntries(Object.entries(annotations).filter(([k]) => !k.startsWith("kitten.dev/")));
      if (Object.keys(labels).length) s.labels = labels;
    } else {
      s.network_mode = `service:${first}`;
      s.depends_on = { ...depends, [first]: { condition: "service_started", required: true, restart: true } };
    }
    project.services[sname] = s;
  });
  return first;
}

function parseDependsOn(text: string | undefined, subject: string, findings: Findings): Record<string, string> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).filter(([, c]) => typeof c === "string" && ["service_started", "service_healthy", "service_completed_successfully"].includes(c as string))) as Record<string, string>;
  } catch {}
  findings.dropped(subject, ANNOTATION_DEPENDS_ON, "not a JSON object of conditions");
  return {};
}

function playContainer(ctx: Ctx, subject: string, c: Container, pod: PodSpec, claimTemplates: Set<string>, workload: string): Service {
  const { findings } = ctx;
  const where = `${subject} container ${c.name}`;
  for (const key of Object.keys(c)) if (!CONTAINER_FIELDS.has(key)) findings.dropped(where, key, "not supported by kube play");
  if (!c.image) findings.dropped(where, "image", "a container without an image cannot run");
  const s: Service = { image: c.image ?? "missing-image", environment: {}, ports: [] };
  if (c.command) s.entrypoint = c.command;
  if (c.args) s.command = c.args;
  if (c.workingDir) s.working_dir = c.workingDir;
  for (const ef of c.envFrom ?? []) {
    const src = ef.configMapRef ? ctx.data.configMaps.get(ef.configMapRef.name ?? "") : ef.secretRef ? ctx.data.secrets.get(ef.secretRef.name ?? "") : undefined;
    if (!src) {
      findings.dropped(where, "envFrom", `${ef.configMapRef ? "ConfigMap" : "Secret"} ${ef.configMapRef?.name ?? ef.secretRef?.name} is not in the file`);
      continue;
    }
    for (const [k, v] of Object.entries(src)) s.environment[`${ef.prefix ?? ""}${k}`] = text(v);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) s.environment[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef || e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.configMapKeyRef ?? e.valueFrom.secretKeyRef!;
      const src = e.valueFrom.configMapKeyRef ? ctx.data.configMaps.get(ref.name ?? "") : ctx.data.secrets.get(ref.name ?? "");
      const v = src?.[ref.key];
      if (v !== undefined) s.environment[e.name] = text(v);
      else if (!ref.optional) findings.dropped(where, `env.${e.name}`, `${ref.name}/${ref.key} is not in the file`);
    } else if (e.valueFrom) {
      findings.dropped(where, `env.${e.name}`, "only values, ConfigMap and Secret keys are supported (no fieldRef/resourceFieldRef)");
    } else {
      s.environment[e.name] = "";
    }
  }
  const ports: Port[] = [];
  const expose: string[] = [];
  for (const p of c.ports ?? []) {
    const protocol = (p.protocol ?? "TCP").toLowerCase() as Port["protocol"];
    if (p.hostPort !== undefined) ports.push({ mode: "ingress", target: p.containerPort, published: String(p.hostPort), protocol, ...(p.hostIP ? { host_ip: p.hostIP } : {}) });
    else expose.push(`${p.containerPort}${protocol === "tcp" ? "" : `/${protocol}`}`);
  }
  s.ports = ports;
  if (expose.length) s.expose = expose;
  const mounts = (c.volumeMounts ?? []).flatMap((m) => playMount(ctx, where, m, pod, claimTemplates, workload));
  if (mounts.length) s.volumes = mounts;
  const h = healthcheck(where, c, findings);
  if (h) s.healthcheck = h;
  const r = c.resources;
  const limits = quantities(r?.limits, where, findings);
  const reservations = quantities(r?.requests, where, findings);
  if (limits || reservations) s.deploy = { resources: { ...(limits ? { limits } : {}), ...(reservations ? { reservations } : {}) } };
  const sc = c.securityContext;
  if (sc) {
    if (sc.runAsUser !== undefined) s.user = sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
    if (sc.capabilities?.add?.length) s.cap_add = sc.capabilities.add;
    if (sc.capabilities?.drop?.length) s.cap_drop = sc.capabilities.drop;
    if (sc.readOnlyRootFilesystem) s.read_only = true;
    if (sc.privileged) s.privileged = true;
    const opts: string[] = [];
    if (sc.allowPrivilegeEscalation === false) opts.push("no-new-privileges:true");
    if (sc.seccompProfile?.type === "Unconfined") opts.push("seccomp=unconfined");
    if (opts.length) s.security_opt = opts;
    for (const key of Object.keys(sc)) {
      if (!["runAsUser", "runAsGroup", "capabilities", "readOnlyRootFilesystem", "allowPrivilegeEscalation", "seccompProfile", "privileged"].includes(key)) findings.dropped(where, `securityContext.${key}`, "not supported by kube play");
    }
  }
  if (c.tty) s.tty = true;
  if (c.stdin) s.stdin_open = true;
  if (c.imagePullPolicy === "Always") s.pull_policy = "always";
  else if (c.imagePullPolicy === "Never") s.pull_policy = "never";
  for (const [hook, key] of [["postStart", "post_start"], ["preStop", "pre_stop"]] as const) {
    const h = c.lifecycle?.[hook];
    if (h?.exec?.command?.length) s[key] = [{ command: h.exec.command }];
    else if (h) findings.dropped(where, `lifecycle.${hook}`, "only exec hooks");
  }
  return s;
}

function quantities(q: Record<string, string | number> | undefined, where: string, findings: Findings): { cpus?: string; memory?: string } | undefined {
  if (!q) return undefined;
  const out: { cpus?: string; memory?: string } = {};
  for (const [k, v] of Object.entries(q)) {
    const t = String(v);
    if (k === "cpu") out.cpus = t.endsWith("m") ? String(Number(t.slice(0, -1)) / 1000) : String(Number(t));
    else if (k === "memory") {
      const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(t);
      const mult: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
      if (m) out.memory = String(Math.round(Number(m[1]) * (m[2] ? mult[m[2]]! : 1)));
      else findings.dropped(where, "resources.memory", `quantity ${t} is not understood`);
    } else findings.dropped(where, `resources.${k}`, "only cpu and memory");
  }
  return Object.keys(out).length ? out : undefined;
}

function healthcheck(where: string, c: Container, findings: Findings): Healthcheck | undefined {
  const probe: Probe | undefined = c.readinessProbe ?? c.livenessProbe ?? c.startupProbe;
  if (c.readinessProbe && c.livenessProbe) findings.approximated(where, "livenessProbe", "one healthcheck (the readinessProbe); kitten restarts on exit, not on a failing check");
  else if (!c.readinessProbe && c.livenessProbe) findings.approximated(where, "livenessProbe", "a healthcheck that marks the container unhealthy; it is not restarted for it");
  if (c.startupProbe && (c.readinessProbe || c.livenessProbe)) findings.dropped(where, "startupProbe", "one healthcheck per service");
  if (!probe) return undefined;
  let test: string[];
  if (probe.exec?.command?.length) {
    const cmd = probe.exec.command;
    test = cmd.length === 3 && (cmd[0] === "/bin/sh" || cmd[0] === "sh") && cmd[1] === "-c" ? ["CMD-SHELL", cmd[2]!] : ["CMD", ...cmd];
  } else if (probe.httpGet) {
    const port = probe.httpGet.port;
    test = ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${port}${probe.httpGet.path ?? "/"}`];
    findings.approximated(where, "httpGet", "checked with wget inside the container (the image needs wget)");
  } else if (probe.tcpSocket) {
    test = ["CMD-SHELL", `nc -w 2 127.0.0.1 ${probe.tcpSocket.port} </dev/null`];
    findings.approximated(where, "tcpSocket", "checked with nc inside the container (the image needs nc)");
  } else {
    findings.dropped(where, "probe", "only exec, httpGet and tcpSocket probes");
    return undefined;
  }
  const h: Healthcheck = { test, interval: `${probe.periodSeconds ?? 10}s`, timeout: `${probe.timeoutSeconds ?? 1}s`, retries: probe.failureThreshold ?? 3 };
  if (probe.initialDelaySeconds) h.start_period = `${probe.initialDelaySeconds}s`;
  return h;
}

function writeFiles(ctx: Ctx, kind: "configmap" | "secret", name: string, data: Record<string, Uint8Array>, items: Array<{ key: string; path: string; mode?: number }> | undefined, defaultMode: number | undefined): string {
  const dir = posix.join(ctx.filesDir, kind, name);
  const entries = items?.length ? items.map((i) => [i.path, data[i.key], i.mode] as const) : Object.entries(data).map(([k, v]) => [k, v, undefined] as const);
  for (const [path, content, mode] of entries) {
    if (content === undefined) continue;
    const file = posix.join(dir, posix.normalize(path).replace(/^(\.\.\/)+/, ""));
    if (ctx.written.has(file)) continue;
    ctx.written.add(file);
    ctx.files.push({ path: file, content, mode: mode ?? defaultMode ?? 0o644 });
  }
  return dir;
}

function playMount(ctx: Ctx, where: string, m: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }, pod: PodSpec, claimTemplates: Set<string>, workload: string): VolumeMount[] {
  const { findings, project } = ctx;
  const v = (pod.volumes ?? []).find((x) => x.name === m.name);
  const ro = m.readOnly ? { read_only: true } : {};
  if (!v && claimTemplates.has(m.name)) {
    const key = `${m.name}-${workload}`;
    project.volumes[key] = { name: `${project.name}_${key}` };
    findings.approximated(where, `volumeMounts.${m.name}`, "a volumeClaimTemplate is one named volume shared by the replicas");
    return [{ type: "volume", source: key, target: m.mountPath, ...ro, volume: m.subPath ? { subpath: m.subPath } : {} }];
  }
  if (!v) {
    findings.dropped(where, `volumeMounts.${m.name}`, "names no volume of the pod");
    return [];
  }
  if (v.persistentVolumeClaim) {
    const claim = v.persistentVolumeClaim.claimName;
    project.volumes[claim] = { name: `${project.name}_${claim}` };
    if (!ctx.data.claims.has(claim)) findings.approximated(where, `volumes.${v.name}`, `claim ${claim} is not in the file: a new empty volume`);
    return [{ type: "volume", source: claim, target: m.mountPath, ...ro, volume: m.subPath ? { subpath: m.subPath } : {} }];
  }
  if (v.configMap || v.secret) {
    const isCm = !!v.configMap;
    const ref = (v.configMap?.name ?? v.secret?.secretName) as string;
    const data = isCm ? ctx.data.configMaps.get(ref) : ctx.data.secrets.get(ref);
    if (!data) {
      findings.dropped(where, `volumes.${v.name}`, `${isCm ? "ConfigMap" : "Secret"} ${ref} is not in the file`);
      return [];
    }
    const dir = writeFiles(ctx, isCm ? "configmap" : "secret", ref, data, (v.configMap ?? v.secret)!.items, (v.configMap ?? v.secret)!.defaultMode);
    const source = m.subPath ? posix.join(dir, m.subPath) : dir;
    return [{ type: "bind", source, target: m.mountPath, read_only: true, bind: { create_host_path: false } }];
  }
  if (v.emptyDir) {
    if (v.emptyDir.medium === "Memory") return [{ type: "tmpfs", target: m.mountPath, ...(v.emptyDir.sizeLimit ? { tmpfs: { size: Number(quantities({ memory: v.emptyDir.sizeLimit }, where, findings)?.memory ?? 0) || undefined } } : {}) }];
    return [{ type: "volume", target: m.mountPath, ...ro, volume: {} }];
  }
  if (v.hostPath) return [{ type: "bind", source: v.hostPath.path, target: m.mountPath, ...ro, bind: { create_host_path: v.hostPath.type === "DirectoryOrCreate" } }];
  findings.dropped(where, `volumes.${v.name}`, `volume type ${Object.keys(v).filter((k) => k !== "name").join(", ")} is not supported`);
  return [];
}

function playService(ctx: Ctx, obj: KubeObject, templates: Array<{ first: string; labels: Record<string, string>; containers: Container[] }>): void {
  const { project, findings } = ctx;
  const spec = (obj.spec ?? {}) as { selector?: Record<string, string>; ports?: Array<{ port: number; targetPort?: number | string; nodePort?: number; protocol?: string }>; type?: string };
  const subject = `Service ${obj.metadata.name}`;
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) {
    findings.dropped(subject, "spec.selector", "a Service without a selector selects nothing locally");
    return;
  }
  const matched = templates.filter((t) => Object.entries(selector).every(([k, v]) => t.labels[k] === v));
  if (matched.length === 0) {
    findings.dropped(subject, "spec.selector", "selects no pod in the file");
    return;
  }
  if (matched.length > 1) findings.approximated(subject, "spec.selector", `selects ${matched.map((m) => m.first).join(", ")}: the name resolves to all of them`);
  for (const t of matched) {
    const s = project.services[t.first]!;
    if (obj.metadata.name !== t.first && s.networks) {
      const net = s.networks.default ?? {};
      s.networks.default = { ...net, aliases: [...new Set([...(net.aliases ?? []), obj.metadata.name])] };
    }
    for (const p of spec.ports ?? []) {
      const target = typeof p.targetPort === "number" ? p.targetPort : p.targetPort === undefined ? p.port : namedPort(t.containers, p.targetPort);
      if (target === undefined) {
        findings.dropped(subject, "spec.ports.targetPort", `named port ${String(p.targetPort)} is not declared`);
        continue;
      }
      if (target !== p.port && spec.type !== "NodePort" && spec.type !== "LoadBalancer") findings.approximated(subject, "spec.ports", `port ${p.port} → ${target}: reached on ${target} (the container's port) by name`);
      const hostPublished = s.ports.some((x) => x.target === target && x.published !== undefined);
      const publish = spec.type === "LoadBalancer" ? p.port : spec.type === "NodePort" ? p.nodePort : undefined;
      if (publish !== undefined && !hostPublished) {
        s.ports.push({ mode: "ingress", target, published: String(publish), protocol: (p.protocol ?? "TCP").toLowerCase() as Port["protocol"] });
        findings.approximated(subject, "spec.type", `${spec.type}: published on host port ${publish}`);
      }
    }
  }
}

function namedPort(containers: Container[], name: string): number | undefined {
  for (const c of containers) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}
