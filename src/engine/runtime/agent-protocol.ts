/**
 * The narrow, typed protocol between the host side (agent-client.ts) and the in-namespace agent
 * (inside/agent.ts): one JSON POST per operation on the agent's unix socket, `/v1/<op>`.
 * Paths in requests are absolute host paths; the agent shares the host's filesystem view
 * (rootlesskit's mount namespace is a private copy of it) but runs as root of the user namespace,
 * so everything touching subordinate-uid files, mounts and the OCI runtime happens there.
 */
import { z } from "zod";
import { NetRequestSchema } from "../../net/net-protocol.ts";

export const OciRuntimeNameSchema = z.enum(["runc", "crun"]);
export type OciRuntimeName = z.infer<typeof OciRuntimeNameSchema>;

const Id = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);

export const CreateRequestSchema = z.object({
  id: Id,
  runtime: OciRuntimeNameSchema,
  /** per-container dir: bundle/config.json written by the host, upper/work/merged made here */
  containerDir: z.string(),
  /** overlay lower dirs, top layer first */
  lowerDirs: z.array(z.string()).min(1),
  /** create a network namespace file at this path (unshare --net=FILE) and bring lo up */
  netnsPath: z.string().optional(),
  /** directories to create first (named volumes' _data); copy image content from the rootfs when new;
   * `subpath` is the bind source below `path` that must resolve inside it (symlinks included) */
  volumes: z.array(z.object({ path: z.string(), copyFrom: z.string().optional(), subpath: z.string().optional() })).default([]),
  name: z.string(),
  terminal: z.boolean().default(false),
  /** false: prepare rootfs and netns only; the host runs `runc run` in the foreground (-it) */
  monitor: z.boolean().default(true),
  /** run when the container exits (conmon --exit-command), e.g. the --rm cleanup */
  exitCommand: z.array(z.string()).optional(),
  /** issue #13: keep: false is the none log driver; sizeMax is conmon's --log-size-max (log-policy.ts) */
  log: z.object({ keep: z.boolean(), sizeMax: z.number().int().positive().optional() }).optional(),
  /** secrets and configs: copied from `source` to `dest` (in the container dir) with this owner and mode */
  files: z
    .array(z.object({ source: z.string(), dest: z.string(), uid: z.number().int().min(0), gid: z.number().int().min(0), mode: z.number().int().min(0).max(0o7777) }))
    .default([]),
  /** a tmpfs to mount at `path` (a shareable /dev/shm), unless mounted already */
  shm: z.object({ path: z.string(), size: z.number().int().positive() }).optional(),
});
export type CreateRequest = z.input<typeof CreateRequestSchema>;

export const IdRequestSchema = z.object({ id: Id, runtime: OciRuntimeNameSchema });
export const KillRequestSchema = IdRequestSchema.extend({ signal: z.string().default("TERM"), all: z.boolean().default(false) });
export const DeleteRequestSchema = IdRequestSchema.extend({
  containerDir: z.string(),
  /** the container's cgroup (linux.cgroupsPath), removed in every hierarchy */
  cgroupsPath: z.string().optional(),
  netnsPath: z.string().optional(),
  force: z.boolean().default(false),
  /** remove the container dir (upper layer, logs) as well */
  removeDir: z.boolean().default(true),
});
export type DeleteRequest = z.input<typeof DeleteRequestSchema>;

export const StateRequestSchema = z.object({
  runtime: OciRuntimeNameSchema,
  containers: z.array(z.object({ id: Id, containerDir: z.string(), cgroupsPath: z.string().optional() })),
});

export const InsideStatusSchema = z.enum(["created", "running", "paused", "exited", "unknown"]);
export const InsideStateSchema = z.object({
  id: z.string(),
  status: InsideStatusSchema,
  /** pid inside the namespace's pid ns */
  pid: z.number().int().optional(),
  exitCode: z.number().int().optional(),
  finishedAt: z.string().optional(),
  /** why, when not plain: the monitor (conmon) is gone, so the exit code is not known */
  note: z.string().optional(),
  /** its cgroup's memory controller killed a process of it (memory.oom_control oom_kill) */
  oomKilled: z.boolean().optional(),
});
export type InsideState = z.infer<typeof InsideStateSchema>;

export const ExecRequestSchema = IdRequestSchema.extend({
  args: z.array(z.string()).min(1),
  env: z.array(z.string()).default([]),
  cwd: z.string().optional(),
  user: z.object({ uid: z.number().int(), gid: z.number().int(), additionalGids: z.array(z.number().int()).default([]) }).optional(),
  timeoutMs: z.number().int().positive().optional(),
  stdin: z.string().optional(),
  /** every capability for this process (runc exec --cap for each) */
  privileged: z.boolean().optional(),
});
export type ExecRequest = z.input<typeof ExecRequestSchema>;

export const SpawnRequestSchema = z.object({
  argv: z.array(z.string()).min(1),
  stdin: z.string().optional(),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  timeoutMs: z.number().int().positive().optional(),
});
export type SpawnRequest = z.input<typeof SpawnRequestSchema>;

export const CommandResultSchema = z.object({ exitCode: z.number().int(), stdout: z.string(), stderr: z.string() });
export type CommandResult = z.infer<typeof CommandResultSchema>;

export const RemoveTreeRequestSchema = z.object({ paths: z.array(z.string()).min(1) });
export const SmokeRequestSchema = z.object({ runtime: OciRuntimeNameSchema, rootfs: z.string(), workDir: z.string() });
export const SmokeResultSchema = z.object({ ok: z.boolean(), error: z.string().optional() });

/** kitten0, the built-in bridge: attach a container's netns to it (allocating its IP) or detach it */
export const BridgeRequestSchema = z.object({ action: z.enum(["attach", "detach"]), id: Id, netnsPath: z.string() });
export const BridgeResultSchema = z.object({ ip: z.string().optional() });

export const ErrorBodySchema = z.object({ error: z.string() });

/** Each operation's request and response schemas: the whole protocol in one table. */
export const AGENT_OPS = {
  /** build: the kitten build the agent runs; another build's agent is replaced (agent-process.ts) */
  ping: { request: z.object({}), response: z.object({ pid: z.number().int(), build: z.string().optional() }) },
  /** netnsCreated: the netns file was made now (a restart whose netns was gone needs attaching again) */
  create: { request: CreateRequestSchema, response: z.object({ pid: z.number().int(), netnsCreated: z.boolean().optional() }) },
  start: { request: IdRequestSchema, response: z.object({}) },
  /** the cgroup freezer (runc pause / resume) */
  pause: { request: IdRequestSchema, response: z.object({}) },
  resume: { request: IdRequestSchema, response: z.object({}) },
  kill: { request: KillRequestSchema, response: z.object({}) },
  delete: { request: DeleteRequestSchema, response: z.object({}) },
  state: { request: StateRequestSchema, response: z.object({ states: z.array(InsideStateSchema) }) },
  exec: { request: ExecRequestSchema, response: CommandResultSchema },
  spawn: { request: SpawnRequestSchema, response: CommandResultSchema },
  rmtree: { request: RemoveTreeRequestSchema, response: z.object({}) },
  smoke: { request: SmokeRequestSchema, response: SmokeResultSchema },
  bridge: { request: BridgeRequestSchema, response: BridgeResultSchema },
  /** container networks (issue #5): bridges, CNI attach/detach, hosts files — src/net */
  net: { request: NetRequestSchema, response: z.unknown() },
} as const;

export type AgentOp = keyof typeof AGENT_OPS;
export type AgentRequest<Op extends AgentOp> = z.input<(typeof AGENT_OPS)[Op]["request"]>;
export type AgentResponse<Op extends AgentOp> = z.infer<(typeof AGENT_OPS)[Op]["response"]>;
