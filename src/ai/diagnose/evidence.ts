/**
 * What kitten knows about a failing or restarting container, gathered from the orchestration
 * state and the container's logs. The analyzers are pure functions of this; where it comes from
 * is an interface, so they are tested on realistic evidence without containers.
 */
import type { Service } from "../../engine/compose/model.ts";

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
  /** the last lines of its log, oldest first */
  logs: string[];
  health?: HealthEvidence;
  /** the service's configuration */
  config: Service;
  /** the state of the services it depends on, and of the other services of the project */
  dependencies: DependencyState[];
}

export interface EvidenceSource {
  /** evidence for the failing or restarting containers of these services (all when empty) */
  gather(services: string[]): Promise<ContainerEvidence[]>;
}
