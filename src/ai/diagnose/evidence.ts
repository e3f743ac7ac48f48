/**
 * What kitten knows about a failing or restarting container, gathered from the orchestration
 * state and the container's logs. The analyzers are pure functions of this; where it comes from
 * is an interface, so they are tested on realistic evidence without containers.
 */
import type { Service } from "../../engine/compose/model.ts";
import type { BuildFailure, StartPhase } from "../../engine/state/failure-store.ts";

export interface DependencyState {
  service: string;
  image?: string;
  /** running, exited, restarting, created, missing (no container) */
  state: string;
  healthy?: boolean;
  exitCode?: number;
  /** the condition the dependent waits for, when it is a depends_on entry */
  condition?: string;
}

export interface HealthEvidence {
  status: "healthy" | "unhealthy" | "starting";
  failingStreak?: number;
  /** output of the last failed probe */
  lastOutput?: string;
  /** its exit code: -1 when it outlived the healthcheck's timeout */
  lastExitCode?: number;
}

export interface ContainerEvidence {
  service: string;
  container: string;
  /** running, restarting, exited, created, dead */
  state: string;
  exitCode?: number;
  /** the signal that ended it, as a name (SIGKILL) */
  signal?: string;
  oomKilled?: boolean;
  restartCount: number;
  /** when the recent restarts happened (ms since the epoch), oldest first */
  restartTimes?: number[];
  /** an error from creating or starting the container (image pull, runtime exec) */
  startError?: string;
  /** where that error came from: pulling its image, its secrets, creating, starting it, its post_start hook */
  startPhase?: StartPhase;
  /** set when the runtime does not enforce the service's resource limits (its warning) */
  limitsNotEnforced?: string;
  /** the last lines of its log, oldest first */
  logs: string[];
  health?: HealthEvidence;
  /** the service's configuration */
  config: Service;
  /** the state of the services it depends on, and of the other services of the project */
  dependencies: DependencyState[];
}

/** Whether a file a failed step missed is in the build context, and whether .dockerignore keeps it out. */
export interface ContextFileFact {
  /** as the step named it */
  path: string;
  /** the path relative to the context it was looked up as */
  relative: string;
  inContext: boolean;
  ignoredBy?: { file: string; line: number; pattern: string };
}

/** A build that failed, as the builder recorded it (secrets already masked there), and what diagnose found in its context. */
export interface BuildEvidence extends BuildFailure {
  contextFiles?: ContextFileFact[];
}

export interface EvidenceSource {
  /** evidence for the failing or restarting containers of these services (all when empty) */
  gather(services: string[]): Promise<ContainerEvidence[]>;
  /** the last failed builds of these services (all when empty); a source without builds has none */
  builds?(services: string[]): Promise<BuildEvidence[]>;
}
