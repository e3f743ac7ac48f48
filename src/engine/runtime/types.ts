/**
 * The contract between orchestration (supervisor, up/down, issue #6) and the container runtime
 * (issue #4) and networks (issue #5). Orchestration is written against these interfaces and unit
 * tested with fakes; the real implementations drive rootlesskit, runc, conmon and CNI.
 */
import type { VolumeMount, Port } from "../compose/model.ts";

export type ContainerStatus = "created" | "running" | "paused" | "exited" | "dead" | "restarting";

/** Everything needed to create one container; built from a Service (or `kitten run` flags). */
export interface ContainerSpec {
  /** unique container name: `<project>-<service>-<n>` or container_name */
  name: string;
  project: string;
  /** compose service, or undefined for `kitten run` containers */
  service?: string;
  replica?: number;
  image: string;
  /** overrides; undefined means "use the image's" (docker semantics) */
  entrypoint?: string[] | null;
  command?: string[] | null;
  env: Record<string, string>;
  workingDir?: string;
  user?: string;
  hostname?: string;
  tty?: boolean;
  stdinOpen?: boolean;
  init?: boolean;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  ulimits?: Record<string, { soft: number; hard: number }>;
  tmpfs?: string[];
  mounts?: VolumeMount[];
  stopSignal?: string;
  /** network attachments: network key → aliases / static ip; or a mode */
  networkMode?: "bridge" | "host" | "none" | `container:${string}`;
  networks?: Record<string, { aliases?: string[]; ipv4Address?: string; priority?: number; macAddress?: string }>;
  extraHosts?: string[];
  ports?: Port[];
  labels?: Record<string, string>;
  /** compose config hash, stored so `up` can tell unchanged from changed services */
  configHash?: string;
  /** security_opt no-new-privileges (docker's default: off) */
  noNewPrivileges?: boolean;
  /** security_opt seccomp=unconfined: no seccomp filter (default: spec/seccomp.ts) */
  seccomp?: "default" | "unconfined";
  /** requested limits; rootless on a host without cgroup v2 delegation they are reported, not enforced */
  resources?: { memory?: string; cpus?: string; pids?: number; memoryReservation?: string };
  /** OCI runtime to use (runc or crun); default: KITTEN_RUNTIME or the host's smoke-tested choice */
  runtime?: string;
  /** issue #13: the log driver (compose logging:, --log-driver) and its rotation; default: log-policy.ts */
  logging?: { driver?: string; maxSize?: number; maxFile?: number };
  /** anonymous volumes to reuse, by container path: the replaced container's (compose's recreate; `up -V` renews them) */
  inheritVolumes?: Record<string, string>;
  // issue #12: compose keys (src/engine/compose/runtime-keys.ts), mapped in orchestrate/container-spec.ts
  /** /etc/resolv.conf: name servers (default: the namespace's DNS forwarder), search domains, options */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** namespaced sysctls (linux.sysctl) */
  sysctls?: Record<string, string>;
  /** bytes of /dev/shm (default 64 MiB, as docker) */
  shmSize?: number;
  /** every capability of the user namespace, no seccomp filter, no masked paths, the host's devices the user may open */
  privileged?: boolean;
  /** host device nodes (or directories of them) bound in; without "w" in permissions read-only */
  devices?: Array<{ source: string; target: string; permissions: string }>;
  /** host: the project namespace's pid namespace; container:<name>: that container's */
  pidMode?: "host" | `container:${string}`;
  /** shareable: /dev/shm others may join; none: no /dev/shm; host: the host's IPC; container:<name>: join it */
  ipcMode?: "private" | "shareable" | "none" | "host" | `container:${string}`;
  /** extra groups (names from the image's /etc/group, or numbers) */
  groupAdd?: string[];
  /** the NIS domain name of the container's UTS namespace */
  domainname?: string;
  annotations?: Record<string, string>;
  /** containers whose mounts this one mounts too (compose volumes_from) */
  volumesFrom?: Array<{ container: string; readOnly?: boolean }>;
  /** secrets and configs, written into the container as files with their owner and mode */
  files?: Array<{ kind: "secret" | "config"; key: string; target: string; uid: number; gid: number; mode: number }>;
}

export interface ContainerState {
  name: string;
  project: string;
  service?: string;
  replica?: number;
  status: ContainerStatus;
  pid?: number;
  exitCode?: number;
  /** true when the kernel OOM-killed it (when knowable) */
  oomKilled?: boolean;
  /** why the state is what it is, when not plain (a lost monitor, the namespace gone) */
  note?: string;
  startedAt?: string;
  finishedAt?: string;
  configHash?: string;
  image: string;
  /** IPs per network key */
  ips?: Record<string, string>;
  /** published ports actually bound on the host (ephemeral ports resolved) */
  ports?: Array<{ hostIp: string; hostPort: number; containerPort: number; protocol: "tcp" | "udp" }>;
  logPath?: string;
  /** container id (hex) */
  id?: string;
  createdAt?: string;
  /** its anonymous volumes (compose keys and the image's VOLUMEs), by container path */
  anonymousVolumes?: Record<string, string>;
}

export interface ExecOptions {
  /** every capability for this process (compose exec --privileged, hooks with privileged: true) */
  privileged?: boolean;
  env?: Record<string, string>;
  workingDir?: string;
  user?: string;
  tty?: boolean;
  interactive?: boolean;
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ContainerRuntime {
  create(spec: ContainerSpec): Promise<ContainerState>;
  start(name: string): Promise<ContainerState>;
  /** stop_signal, then SIGKILL after timeoutMs */
  stop(name: string, options?: { signal?: string; timeoutMs?: number }): Promise<ContainerState>;
  kill(name: string, signal?: string): Promise<void>;
  /** volumes: also its anonymous volumes (default true; compose keeps them: recreate, down without -v) */
  remove(name: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;
  pause(name: string): Promise<void>;
  unpause(name: string): Promise<void>;
  inspect(name: string): Promise<ContainerState | undefined>;
  list(filter?: { project?: string }): Promise<ContainerState[]>;
  exec(name: string, command: string[], options?: ExecOptions): Promise<ExecResult>;
  /** resolves with the exit code once the container has exited (-1: gone, code unknown) */
  wait(name: string): Promise<number>;
  /** releases the published ports of a container that exited and stays down (issue #13) */
  releasePorts?(name: string): Promise<void>;
  /** restarts the project's helpers that died (agent, slirp4netns, port forwarders); what it restarted */
  heal?(project: string): Promise<string[]>;
  /** rotates the logs of the project's containers that reached their max-size; how many */
  rotateLogs?(project: string): number;
}
