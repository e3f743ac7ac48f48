/**
 * One compose service as one container of a pod: image, entrypoint → command and command → args
 * (Kubernetes' command replaces ENTRYPOINT and args replaces CMD, as compose's keys do),
 * working_dir, environment, ports, mounts, probes, resources and securityContext.
 */
import type { Project, Service } from "../../compose/model.ts";
import { isRootfsPath } from "../../compose/kitten-format.ts";
import type { OciImageConfig } from "../../image/types.ts";
import type { Container } from "../objects.ts";
import { dnsLabel } from "../names.ts";
import type { Findings } from "../findings.ts";
import type { Emitter } from "./emitter.ts";
import { containerEnv } from "./env.ts";
import { containerPorts, type ContainerPortSpec } from "./ports.ts";
import { imageHealthcheck, probes } from "./probes.ts";
import { securityContext } from "./security.ts";
import { pullPolicy } from "./runtime-keys.ts";
import { podStorage, type PodStorage } from "./storage.ts";
import type { ExportInputs, ExportOptions } from "./types.ts";

export interface BuiltContainer {
  container: Container;
  storage: PodStorage;
  ports: ContainerPortSpec[];
}

/** The image a cluster pulls: the service's, or the tag `kitten push` gives a built one. */
export function clusterImage(project: Project, name: string, s: Service, o: ExportOptions, findings: Findings): string {
  const built = `${o.registry ? `${o.registry.replace(/\/+$/, "")}/` : ""}${project.name}-${name}:latest`;
  if (s.image === undefined) {
    findings.approximated(`service ${name}`, "build", `the cluster cannot build and kitten push pushes only named images: add image: ${built} and run kitten push${o.registry ? "" : " (--registry names the registry)"}`);
    return built;
  }
  if (isRootfsPath(s.image)) {
    findings.dropped(`service ${name}`, "image", `${s.image} is a local rootfs directory: import and push it (kitten image import), then use ${built}`);
    return built;
  }
  return s.image;
}

/** "0.5" cpus → "500m"; bytes → "256Mi" when exact, else bytes. */
export function cpuQuantity(cpus: string): string {
  const milli = Math.round(Number(cpus) * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

export function memoryQuantity(bytes: string): string {
  const n = Number(bytes);
  for (const [unit, size] of [["Gi", 1024 ** 3], ["Mi", 1024 ** 2], ["Ki", 1024]] as const) if (n >= size && n % size === 0) return `${n / size}${unit}`;
  return String(n);
}

function resources(name: string, s: Service, findings: Findings): Container["resources"] {
  const r = s.deploy?.resources;
  if (!r) return undefined;
  const out: NonNullable<Container["resources"]> = {};
  for (const [kind, field] of [["limits", "limits"], ["reservations", "requests"]] as const) {
    const v = r[kind];
    if (!v) continue;
    const q: Record<string, string> = {};
    if (v.cpus) q.cpu = cpuQuantity(v.cpus);
    if (v.memory) q.memory = memoryQuantity(v.memory);
    if (v.pids !== undefined) findings.dropped(`service ${name}`, `deploy.resources.${kind}.pids`, "no per-container pids limit in a pod spec (it is a kubelet setting)");
    if (Object.keys(q).length > 0) out[field] = q;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function buildContainer(
  project: Project, name: string, s: Service, image: OciImageConfig | undefined,
  inputs: ExportInputs, o: ExportOptions, emit: Emitter, findings: Findings,
): BuiltContainer {
  const subject = `service ${name}`;
  const ports = containerPorts(name, s, image, findings);
  const storage = podStorage(project, name, s, inputs, emit, findings);
  const { env, envFrom } = containerEnv(name, s, inputs.envFiles[name] ?? [], emit, findings);
  const health = s.healthcheck ?? imageHealthcheck(image);
  const c: Container = {
    name: dnsLabel(name),
    image: clusterImage(project, name, s, o, findings),
    // compose pulls a missing image and keeps a present one (pull_policy: missing); Kubernetes
    // would pull `:latest` every time (Always) unless told
    imagePullPolicy: pullPolicy(name, s, findings),
  };
  if (s.entrypoint) c.command = s.entrypoint;
  if (s.command) c.args = s.command;
  if (s.entrypoint && s.entrypoint.length === 0) findings.approximated(subject, "entrypoint", "an empty entrypoint: Kubernetes then uses the image's ENTRYPOINT");
  if (s.working_dir) c.workingDir = s.working_dir;
  if (env.length > 0) c.env = env;
  if (envFrom.length > 0) c.envFrom = envFrom;
  if (ports.length > 0) c.ports = ports.map((p) => ({ containerPort: p.containerPort, protocol: p.protocol, ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}), ...(p.hostIP ? { hostIP: p.hostIP } : {}) }));
  if (storage.mounts.length > 0) c.volumeMounts = storage.mounts;
  Object.assign(c, probes(subject, health, o.liveness, findings));
  const res = resources(name, s, findings);
  if (res) c.resources = res;
  const sc = securityContext(name, s, findings);
  if (sc) c.securityContext = sc;
  if (s.tty) c.tty = true;
  if (s.stdin_open) c.stdin = true;
  return { container: c, storage, ports };
}
