/**
 * The normalized Project model — the one internal shape every front end loads into (compose
 * files, the Kitten JSON format, LLM drafts, API bodies) and every engine stage consumes.
 *
 * Its JSON form is the canonical long form of `docker compose config --format json`
 * (compose-spec, as compose-go normalizes it): ports as {target, published, host_ip, protocol},
 * environment as a map, depends_on as a map {condition, required}, command and entrypoint as
 * lists, networks per service as a map. Durations are kept as Go-style strings ("1m30s") like
 * compose prints them; use `durationMs` from ./duration to read them.
 */
import { LoggingSchema } from "./logging.ts";
import { z } from "zod";

export const PortSchema = z.object({
  name: z.string().optional(),
  mode: z.enum(["ingress", "host"]).default("ingress"),
  host_ip: z.string().optional(),
  target: z.number().int().min(1).max(65535),
  /** host port as compose prints it: a string, absent for an ephemeral host port */
  published: z.string().optional(),
  protocol: z.enum(["tcp", "udp", "sctp"]).default("tcp"),
  app_protocol: z.string().optional(),
});
export type Port = z.infer<typeof PortSchema>;

export const DependsOnSchema = z.object({
  condition: z.enum(["service_started", "service_healthy", "service_completed_successfully"]),
  required: z.boolean().default(true),
  restart: z.boolean().optional(),
});
export type DependsOn = z.infer<typeof DependsOnSchema>;

export const HealthcheckSchema = z.object({
  /** ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"] */
  test: z.array(z.string()).optional(),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  retries: z.number().int().min(0).optional(),
  start_period: z.string().optional(),
  start_interval: z.string().optional(),
  disable: z.boolean().optional(),
});
export type Healthcheck = z.infer<typeof HealthcheckSchema>;

export const ServiceNetworkSchema = z
  .object({
    aliases: z.array(z.string()).optional(),
    ipv4_address: z.string().optional(),
    ipv6_address: z.string().optional(),
    priority: z.number().optional(),
  })
  .nullable();
export type ServiceNetwork = z.infer<typeof ServiceNetworkSchema>;

export const VolumeMountSchema = z.object({
  type: z.enum(["bind", "volume", "tmpfs"]),
  /** host path (bind, absolute after loading) or volume name; absent for tmpfs and anonymous volumes */
  source: z.string().optional(),
  target: z.string(),
  read_only: z.boolean().optional(),
  bind: z
    .object({ propagation: z.string().optional(), create_host_path: z.boolean().optional(), selinux: z.string().optional() })
    .optional(),
  volume: z.object({ nocopy: z.boolean().optional(), subpath: z.string().optional() }).optional(),
  tmpfs: z.object({ size: z.number().int().optional(), mode: z.number().int().optional() }).optional(),
});
export type VolumeMount = z.infer<typeof VolumeMountSchema>;

export const UlimitSchema = z.object({ soft: z.number().int(), hard: z.number().int() });

export const ResourcesSchema = z.object({
  cpus: z.string().optional(),
  /** bytes, as a decimal string like compose-go prints memory ("536870912") */
  memory: z.string().optional(),
  pids: z.number().int().optional(),
});

export const DeploySchema = z.object({
  mode: z.enum(["replicated", "global"]).optional(),
  replicas: z.number().int().min(0).optional(),
  resources: z.object({ limits: ResourcesSchema.optional(), reservations: ResourcesSchema.optional() }).optional(),
});

export const RestartSchema = z.string().regex(/^(no|always|unless-stopped|on-failure(:\d+)?)$/, {
  message: "restart must be no, always, on-failure[:N] or unless-stopped",
});

/** `build:` (compose-spec build.md), canonical: context absolute; see compose/build.ts */
export const BuildSecretSchema = z.object({ source: z.string(), target: z.string().optional(), uid: z.string().optional(), gid: z.string().optional(), mode: z.number().int().optional() });
export type BuildSecret = z.infer<typeof BuildSecretSchema>;
export const BuildSchema = z.object({
  context: z.string(),
  dockerfile: z.string().optional(),
  dockerfile_inline: z.string().optional(),
  args: z.record(z.string(), z.string().nullable()).optional(),
  target: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  secrets: z.array(BuildSecretSchema).optional(),
  network: z.string().optional(),
  extra_hosts: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  additional_contexts: z.record(z.string(), z.string()).optional(),
  pull: z.boolean().optional(),
  no_cache: z.boolean().optional(),
});
export type Build = z.infer<typeof BuildSchema>;

/** A service's use of a secret or config (long syntax; the short one is `{source}`). */
export const FileRefSchema = z.object({
  source: z.string(),
  /** absolute after loading: /run/secrets/<source> or /<source> by default */
  target: z.string().optional(),
  uid: z.string().optional(),
  gid: z.string().optional(),
  /** permission bits; 0444 when unset */
  mode: z.number().int().min(0).max(0o7777).optional(),
});
export type FileRef = z.infer<typeof FileRefSchema>;

/** post_start / pre_stop: a command run in the container (compose-spec services.md#post_start). */
export const HookSchema = z.object({
  command: z.array(z.string()).min(1),
  user: z.string().optional(),
  privileged: z.boolean().optional(),
  working_dir: z.string().optional(),
  environment: z.record(z.string(), z.string().nullable()).optional(),
});
export type Hook = z.infer<typeof HookSchema>;

export const WatchRuleSchema = z.object({
  path: z.string(),
  action: z.enum(["sync", "rebuild", "restart", "sync+restart", "sync+exec"]),
  target: z.string().optional(),
  ignore: z.array(z.string()).optional(),
  include: z.array(z.string()).optional(),
  initial_sync: z.boolean().optional(),
  exec: HookSchema.optional(),
});
export const DevelopSchema = z.object({ watch: z.array(WatchRuleSchema).optional() });
export type Develop = z.infer<typeof DevelopSchema>;

/** Top-level secrets and configs (compose-spec 09-secrets.md, 08-configs.md): one source each. */
export const SecretSchema = z.object({
  name: z.string(),
  /** absolute path */
  file: z.string().optional(),
  /** the variable of the project environment holding the value */
  environment: z.string().optional(),
  /** configs only: the content itself (interpolated) */
  content: z.string().optional(),
});
export type Secret = z.infer<typeof SecretSchema>;

export const ServiceSchema = z.object({
  /** an image reference, or an absolute path to a rootfs directory (Kitten's "image": "./rootfs") */
  image: z.string().optional(),
  command: z.array(z.string()).nullable().optional(),
  entrypoint: z.array(z.string()).nullable().optional(),
  environment: z.record(z.string(), z.string().nullable()).default({}),
  ports: z.array(PortSchema).default([]),
  expose: z.array(z.string()).optional(),
  networks: z.record(z.string(), ServiceNetworkSchema).optional(),
  network_mode: z.string().optional(),
  depends_on: z.record(z.string(), DependsOnSchema).optional(),
  restart: RestartSchema.optional(),
  healthcheck: HealthcheckSchema.optional(),
  deploy: DeploySchema.optional(),
  volumes: z.array(VolumeMountSchema).optional(),
  working_dir: z.string().optional(),
  user: z.string().optional(),
  hostname: z.string().optional(),
  container_name: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  /** "host:ip" entries, in order */
  extra_hosts: z.array(z.string()).optional(),
  stop_signal: z.string().optional(),
  stop_grace_period: z.string().optional(),
  init: z.boolean().optional(),
  read_only: z.boolean().optional(),
  tmpfs: z.array(z.string()).optional(),
  cap_add: z.array(z.string()).optional(),
  security_opt: z.array(z.string()).optional(),
  cap_drop: z.array(z.string()).optional(),
  ulimits: z.record(z.string(), UlimitSchema).optional(),
  profiles: z.array(z.string()).optional(),
  tty: z.boolean().optional(),
  stdin_open: z.boolean().optional(),
  build: BuildSchema.optional(),
  // issue #12: keys that were ignored before (compose-spec 05-services.md), parsed by runtime-keys.ts
  secrets: z.array(FileRefSchema).optional(),
  configs: z.array(FileRefSchema).optional(),
  dns: z.array(z.string()).optional(),
  dns_search: z.array(z.string()).optional(),
  dns_opt: z.array(z.string()).optional(),
  sysctls: z.record(z.string(), z.string()).optional(),
  /** bytes, as a decimal string (like deploy memory) */
  shm_size: z.string().optional(),
  /** bytes, decimal strings; with cpus and pids_limit the same as deploy.resources (which wins when both agree) */
  mem_limit: z.string().optional(),
  mem_reservation: z.string().optional(),
  cpus: z.string().optional(),
  pids_limit: z.number().int().optional(),
  privileged: z.boolean().optional(),
  devices: z.array(z.object({ source: z.string(), target: z.string(), permissions: z.string() })).optional(),
  pid: z.string().optional(),
  ipc: z.string().optional(),
  platform: z.string().optional(),
  pull_policy: z.string().optional(),
  post_start: z.array(HookSchema).optional(),
  pre_stop: z.array(HookSchema).optional(),
  volumes_from: z.array(z.string()).optional(),
  group_add: z.array(z.string()).optional(),
  domainname: z.string().optional(),
  mac_address: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  /** compose-spec develop.md, kept for `watch` (its verb is the CLI's) */
  develop: DevelopSchema.optional(),
  /** issue #13: log driver and rotation (compose/logging.ts) */
  logging: LoggingSchema.optional(),
});
export type Service = z.infer<typeof ServiceSchema>;


export const IpamConfigSchema = z.object({
  subnet: z.string().optional(),
  gateway: z.string().optional(),
  ip_range: z.string().optional(),
});

export const NetworkSchema = z.object({
  /** the actual network name: `<project>_<key>` unless set explicitly or external */
  name: z.string(),
  driver: z.enum(["bridge", "host", "none"]).optional(),
  internal: z.boolean().optional(),
  external: z.boolean().optional(),
  ipam: z.object({ driver: z.string().optional(), config: z.array(IpamConfigSchema).optional() }).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type Network = z.infer<typeof NetworkSchema>;

export const VolumeSchema = z.object({
  name: z.string(),
  driver: z.string().optional(),
  external: z.boolean().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type Volume = z.infer<typeof VolumeSchema>;

export const ProjectSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
    message: "project name must be lower-case letters, digits, dashes and underscores, starting with a letter or digit",
  }),
  services: z.record(z.string(), ServiceSchema),
  networks: z.record(z.string(), NetworkSchema).default({}),
  volumes: z.record(z.string(), VolumeSchema).default({}),
  secrets: z.record(z.string(), SecretSchema).optional(),
  configs: z.record(z.string(), SecretSchema).optional(),
});
export type Project = z.infer<typeof ProjectSchema>;

/** Replica count of a service: deploy.replicas (scale is folded into it when loading), default 1. */
export function replicasOf(service: Service): number {
  return service.deploy?.replicas ?? 1;
}
