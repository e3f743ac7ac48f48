/** The JSON the UI reads (the server's zod schemas in src/api/schemas.ts are the truth). */
export interface Container {
  name: string;
  service: string;
  status: string;
  phase: string;
  exitCode?: number;
  restarts: number;
  health: string;
  ports?: Array<{ hostIp: string; hostPort: number; containerPort: number; protocol: string }>;
}

export interface ProjectSummary {
  name: string;
  status: string;
  services: string[];
  containers: { total: number; running: number; done: number; failed: number };
  restarts: number;
  health: { healthy: number; unhealthy: number; starting: number };
  ports: string[];
  workingDir: string;
}

export interface ProjectDetail extends ProjectSummary {
  containerList: Container[];
}

export interface LogLine {
  time: string;
  stream: "stdout" | "stderr";
  text: string;
  container: string;
  service: string;
}

export interface KEvent {
  id: number;
  time: string;
  project: string;
  service?: string;
  container?: string;
  action: string;
  exitCode?: number;
  detail?: string;
}

export interface Usage {
  container: string;
  cpuPercent: number;
  memoryKb: number;
  pids: number;
}

export interface Draft {
  project: { name: string };
  yaml: string;
  source: string;
  summary: string[];
  warnings: string[];
  problems: string[];
  levels: string[][];
  diff?: { against: string; changes: Array<{ service: string; change: string }>; text: string };
  cli: string;
}

export interface Finding {
  cause: string;
  fix: string;
  confidence: string;
  evidence: string[];
}

export interface Diagnosis {
  containers: Array<{ service: string; container: string; state: string; exitCode?: number; restartCount: number; findings: Finding[] }>;
  /** failed builds of the project's services (kitten diagnose's builds) */
  builds?: Array<{ service?: string; image?: string; dockerfile: string; step?: string; line?: number; command?: string; exitCode?: number; error: string; findings: Finding[] }>;
  explanation?: string;
}
