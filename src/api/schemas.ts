/**
 * The API's contracts as zod schemas (STYLE.md §2: one schema per contract): request bodies are
 * parsed with them, responses are typed from them, and GET /openapi.json is generated from them.
 * The project model is the engine's own ProjectSchema; the container record mirrors the state
 * store's ContainerRecord (a compile-time check below keeps the two from drifting apart).
 */
import { z } from "zod";
import { ProjectSchema } from "../engine/compose/model.ts";
import type { ContainerRecord, ProjectEvent } from "../engine/state/project-store.ts";
import type { ContainerUsage } from "../engine/orchestrate/proc-stats.ts";
import type { ImageSummary } from "../engine/image/manage.ts";
import type { DiagnosisReport } from "../ai/diagnose/index.ts";
import { PROJECT_NAME_RE } from "../core/names.ts";

export { ProjectSchema };

export const ErrorSchema = z.object({
  error: z.string().describe("one line: what went wrong"),
  hint: z.string().optional().describe("what to do about it"),
  code: z.string().describe("a stable machine-readable code"),
});

export const HealthSchema = z.object({ status: z.literal("ok"), version: z.string() });

export const ProjectNameSchema = z.string().regex(PROJECT_NAME_RE, "lower-case letters, digits, dashes and underscores, starting with a letter or digit");

const PortBindingSchema = z.object({ hostIp: z.string(), hostPort: z.number().int(), containerPort: z.number().int(), protocol: z.enum(["tcp", "udp"]) });

export const ContainerStatusSchema = z.enum(["created", "running", "paused", "exited", "dead", "restarting"]);

/** How a dashboard should read a container: a finished one-shot is "done", not "exited" (dockge#11). */
export const PhaseSchema = z.enum(["created", "starting", "running", "unhealthy", "paused", "done", "failed", "stopped"]);

export const ContainerSchema = z.object({
  name: z.string(),
  project: z.string(),
  service: z.string(),
  replica: z.number().int(),
  image: z.string(),
  configHash: z.string().optional(),
  status: ContainerStatusSchema,
  phase: PhaseSchema,
  exitCode: z.number().int().optional(),
  restarts: z.number().int(),
  health: z.enum(["none", "starting", "healthy", "unhealthy"]),
  healthLog: z.array(z.object({ start: z.string(), end: z.string(), exitCode: z.number().int(), output: z.string() })).optional(),
  manualStop: z.boolean(),
  pid: z.number().int().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  ports: z.array(PortBindingSchema).optional(),
  logPath: z.string().optional(),
  /** why the state is what it is (a lost monitor, the namespace gone), issue #13 */
  note: z.string().optional(),
  /** restart backoff: the delay last applied, and when a pending restart is due */
  backoffMs: z.number().int().optional(),
  restartAt: z.string().optional(),
});

export const ProjectStatusSchema = z.enum(["starting", "running", "degraded", "failed", "done", "stopped", "empty"]);

export const ProjectSummarySchema = z.object({
  name: z.string(),
  status: ProjectStatusSchema,
  workingDir: z.string(),
  configFiles: z.array(z.string()),
  services: z.array(z.string()),
  containers: z.object({ total: z.number().int(), running: z.number().int(), done: z.number().int(), failed: z.number().int() }),
  restarts: z.number().int(),
  health: z.object({ healthy: z.number().int(), unhealthy: z.number().int(), starting: z.number().int() }),
  ports: z.array(z.string()).describe("published ports as hostIp:hostPort->containerPort/protocol"),
});

export const ProjectDetailSchema = ProjectSummarySchema.extend({
  config: ProjectSchema.optional().describe("the normalized project as `up` last applied it"),
  containerList: z.array(ContainerSchema),
});

export const DocumentSchema = z.string().describe("a compose file (YAML or JSON) or a Kitten JSON config");

export const UpResultSchema = z.object({ project: z.string(), plan: z.string(), containers: z.array(ContainerSchema), warnings: z.array(z.string()) });

export const DownResultSchema = z.object({ project: z.string(), removed: z.array(z.string()) });

export const ServiceActionSchema = z.enum(["start", "stop", "restart", "kill", "pause", "unpause"]);

export const ActionResultSchema = z.object({ project: z.string(), action: ServiceActionSchema, containers: z.array(z.string()) });

export const ScaleRequestSchema = z.record(z.string().min(1), z.number().int().min(0).max(100)).describe("replicas per service, e.g. {\"web\": 3}");

export const LogLineSchema = z.object({ time: z.string(), stream: z.enum(["stdout", "stderr"]), text: z.string(), container: z.string(), service: z.string() });

export const EventSchema = z.object({
  id: z.number().int(),
  time: z.string(),
  project: z.string(),
  service: z.string().optional(),
  container: z.string().optional(),
  action: z.enum(["create", "start", "die", "stop", "kill", "restart", "health_status", "oom", "destroy", "pause", "unpause", "adopt", "repair"]),
  exitCode: z.number().int().optional(),
  detail: z.string().optional(),
});

export const UsageSchema = z.object({ container: z.string(), cpuPercent: z.number(), memoryKb: z.number(), pids: z.number().int() });

export const ImageSchema = z.object({
  id: z.string(),
  repository: z.string(),
  tag: z.string(),
  digest: z.string().nullable(),
  names: z.array(z.string()),
  created: z.string().nullable(),
  size: z.number(),
});

export const PullRequestSchema = z.object({ reference: z.string().min(1).max(512), platform: z.string().max(64).optional() });

export const PullResultSchema = z.object({ ref: z.string(), id: z.string(), digest: z.string(), layers: z.number().int(), downloaded: z.number().int() });

export const AskRequestSchema = z.object({
  request: z.string().min(1).max(4000).describe("what to run, in plain English"),
  project: ProjectNameSchema.optional().describe("a running project the request changes; the draft is diffed against it"),
  offline: z.boolean().optional().describe("use the built-in drafter even when an LLM is configured"),
});

export const ServiceChangeSchema = z.object({ service: z.string(), change: z.enum(["added", "removed", "changed"]) });

export const DraftSchema = z.object({
  project: ProjectSchema,
  yaml: z.string(),
  source: z.enum(["offline", "llm"]),
  summary: z.array(z.string()),
  warnings: z.array(z.string()),
  problems: z.array(z.string()).describe("why deploying the draft would be refused (empty: it is valid)"),
  levels: z.array(z.array(z.string())).describe("start order: services by dependency level"),
  diff: z.object({ against: z.string(), changes: z.array(ServiceChangeSchema), text: z.string() }).optional(),
  cli: z.string().describe("the equivalent command line"),
});

export const DeployDraftSchema = z.object({
  yaml: z.string().min(1).describe("the reviewed (possibly edited) draft"),
  name: ProjectNameSchema.optional(),
});

export const FindingSchema = z.object({ rule: z.string(), cause: z.string(), evidence: z.array(z.string()), fix: z.string(), confidence: z.string() });

export const DiagnosisSchema = z.object({
  containers: z.array(
    z.object({ service: z.string(), container: z.string(), state: z.string(), exitCode: z.number().int().optional(), restartCount: z.number().int(), findings: z.array(FindingSchema) }),
  ),
  builds: z.array(
    z.object({
      service: z.string().optional(),
      image: z.string().optional(),
      context: z.string(),
      dockerfile: z.string(),
      step: z.string().optional(),
      stage: z.string().optional(),
      instruction: z.string().optional(),
      line: z.number().int().optional(),
      command: z.string().optional(),
      exitCode: z.number().int().optional(),
      error: z.string(),
      time: z.string(),
      findings: z.array(FindingSchema),
    }),
  ),
  explanation: z.string().optional(),
});

export const SpawnResponseSchema = z.object({ id: z.string(), message: z.string(), status: z.literal("starting") });

export const DeploymentStatusSchema = z.object({
  id: z.string(),
  status: z.enum(["starting", "running", "degraded", "failed", "done", "stopped", "empty"]),
  message: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  containers: z.record(z.string(), ContainerSchema.pick({ name: true, service: true, status: true, phase: true, exitCode: true, restarts: true, health: true, ports: true, startedAt: true, finishedAt: true })),
});

export const DeploymentListSchema = z.object({ deployments: z.array(z.object({ id: z.string(), status: ProjectStatusSchema, containers: z.number().int(), services: z.array(z.string()) })) });

export const StopResponseSchema = z.object({ id: z.string(), message: z.string(), status: z.literal("stopped") });

export const LoginLinkSchema = z.object({ url: z.string(), expiresAt: z.string() });

export const ProjectListSchema = z.array(ProjectSummarySchema);
export const ContainerListSchema = z.array(ContainerSchema);
export const LogLineListSchema = z.array(LogLineSchema);
export const EventListSchema = z.array(EventSchema);
export const UsageListSchema = z.array(UsageSchema);
export const ImageListSchema = z.array(ImageSchema);
export const ConfigSchema = z.object({ project: z.string(), yaml: z.string() });
export const SessionRequestSchema = z.object({ token: z.string().min(1).max(4096) });
export const SessionSchema = z.object({ signedIn: z.literal(true) });

// compile-time: the engine's records fit the API's schemas (a renamed or retyped field fails tsc here)
type Fits<A, B extends A> = B;
export type _ContainerFits = Fits<Omit<z.infer<typeof ContainerSchema>, "phase">, ContainerRecord>;
export type _EventFits = Fits<z.infer<typeof EventSchema>, ProjectEvent>;
export type _UsageFits = Fits<z.infer<typeof UsageSchema>, ContainerUsage>;
export type _ImageFits = Fits<z.infer<typeof ImageSchema>, ImageSummary>;
export type _DiagnosisFits = Fits<z.infer<typeof DiagnosisSchema>, DiagnosisReport>;

export type ContainerView = z.infer<typeof ContainerSchema>;
export type ProjectSummary = z.infer<typeof ProjectSummarySchema>;
export type Phase = z.infer<typeof PhaseSchema>;
export type ProjectStatus = z.infer<typeof ProjectStatusSchema>;
