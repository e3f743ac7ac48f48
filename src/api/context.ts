/**
 * What the routes work with: the engine entry points (the same ones the CLI calls, gathered in one
 * object so route tests can put recording fakes behind the mutating ones), the paths, the auth
 * state, the spawn jobs, and the listener a request came in on.
 */
import type { KittenPaths } from "../core/paths.ts";
import type { Reporter } from "../core/reporter.ts";
import * as projectApi from "../engine/orchestrate/project-api.ts";
import { engineDeps } from "../engine/orchestrate/engine-deps.ts";
import type { ProjectEngineDeps } from "../engine/orchestrate/project-api.ts";
import type { ImageSummary } from "../engine/image/manage.ts";
import type { PullOptions, PullResult } from "../engine/image/pull.ts";
import type { DiagnosisReport } from "../ai/diagnose/index.ts";
import type { Draft } from "../ai/draft.ts";
import type { Project } from "../engine/compose/model.ts";
import type { ProjectStore } from "../engine/state/project-store.ts";
import type { Auth } from "./auth.ts";
import type { Jobs } from "./jobs.ts";

export interface ApiEngine {
  up: typeof projectApi.up;
  down: typeof projectApi.down;
  serviceCommand: typeof projectApi.serviceCommand;
  ps: typeof projectApi.ps;
  logs: typeof projectApi.logs;
  events: typeof projectApi.events;
  stats: typeof projectApi.stats;
  listImages(paths: KittenPaths): Promise<ImageSummary[]>;
  pullImage(ref: string, options: PullOptions): Promise<PullResult>;
  draft(request: string, o: { projectName: string; existing?: Project; offline?: boolean; reporter: Reporter }): Promise<Draft>;
  diagnose(o: { project: string; services: string[]; deps: ProjectEngineDeps }): Promise<DiagnosisReport>;
}

/** The real engine: the CLI's entry points, heavy modules loaded on first use. */
export const realEngine: ApiEngine = {
  up: projectApi.up,
  down: projectApi.down,
  serviceCommand: projectApi.serviceCommand,
  ps: projectApi.ps,
  logs: projectApi.logs,
  events: projectApi.events,
  stats: projectApi.stats,
  async listImages(paths) {
    const { listImages } = await import("../engine/image/manage.ts");
    return listImages(paths);
  },
  async pullImage(ref, options) {
    const { pullImage } = await import("../engine/image/pull.ts");
    return pullImage(ref, options);
  },
  async draft(request, o) {
    const { draftRequest } = await import("../ai/ask.ts");
    const { llmSettingsFromEnv } = await import("../ai/llm/client.ts");
    const llm = o.offline ? undefined : llmSettingsFromEnv(process.env);
    return draftRequest(request, { projectName: o.projectName, existing: o.existing, llm, reporter: o.reporter });
  },
  async diagnose(o) {
    const { diagnose } = await import("../ai/diagnose/index.ts");
    const { stateEvidenceSource } = await import("../ai/diagnose/state-source.ts");
    const { ProjectStore } = await import("../engine/state/project-store.ts");
    const { openStateDb } = await import("../engine/state/db.ts");
    const applied = new ProjectStore(openStateDb(o.deps.paths)).getProject(o.project)?.config as Project | undefined;
    return diagnose({ services: o.services, source: stateEvidenceSource(o.deps, o.project), projectServices: Object.values(applied?.services ?? {}) });
  },
};

export type Listener = "unix" | "tcp";

export interface ApiContext {
  paths: KittenPaths;
  /** the state store (projects, containers, events), opened once */
  store(): ProjectStore;
  engine: ApiEngine;
  /** the engine dependencies for one request, reporting to `reporter` */
  deps(reporter: Reporter): ProjectEngineDeps;
  /** where relative paths in submitted documents resolve ("./rootfs" in a Kitten config) */
  cwd: string;
  auth: Auth;
  jobs: Jobs;
  /** host names accepted besides localhost and loopback addresses (--allow-host) */
  allowedHosts: string[];
  /** largest request body, bytes */
  bodyLimit: number;
  /** keep-alive comment interval of event streams */
  pingMs: number;
  version: string;
  /** http://HOST:PORT of the TCP listener, when there is one (sign-in links point there) */
  tcpUrl?: string;
}

export function defaultDeps(paths: KittenPaths, cwd: string): (reporter: Reporter) => ProjectEngineDeps {
  return (reporter) => engineDeps(reporter, cwd, paths);
}

/** What a request carries besides itself: which listener took it, and the server (for per-request timeouts). */
export interface ApiEnv {
  listener: Listener;
  /** Bun's server: SSE requests turn its idle timeout off */
  server?: { timeout(req: Request, seconds: number): void };
}
