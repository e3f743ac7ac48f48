/**
 * Project state in bun:sqlite (issue #6 §5): projects, their containers as the supervisor sees
 * them (status, exit code, restarts, health), and an append-only event log for `kitten events`
 * and `--since`. Every change is one transaction; `ps` is one indexed query per project.
 * The tables belong to the "projects" migration component; the runtime keeps its own.
 */
import type { Database } from "bun:sqlite";
import { migrate } from "./db.ts";
import type { ContainerState, ContainerStatus } from "../runtime/types.ts";
import type { Health } from "../supervisor/dependencies.ts";
import type { ProbeResult } from "../supervisor/healthcheck.ts";

const MIGRATIONS = [
  `CREATE TABLE projects (
     name TEXT PRIMARY KEY,
     working_dir TEXT NOT NULL,
     config_files TEXT NOT NULL,
     config TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE project_containers (
     name TEXT PRIMARY KEY,
     project TEXT NOT NULL,
     service TEXT NOT NULL,
     replica INTEGER NOT NULL,
     image TEXT NOT NULL,
     config_hash TEXT,
     status TEXT NOT NULL,
     exit_code INTEGER,
     restarts INTEGER NOT NULL DEFAULT 0,
     health TEXT NOT NULL DEFAULT 'none',
     health_log TEXT,
     manual_stop INTEGER NOT NULL DEFAULT 0,
     pid INTEGER,
     started_at TEXT,
     finished_at TEXT,
     ports TEXT
   );
   CREATE INDEX project_containers_by_project ON project_containers (project, service, replica);
   CREATE TABLE project_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     time TEXT NOT NULL,
     project TEXT NOT NULL,
     service TEXT,
     container TEXT,
     action TEXT NOT NULL,
     exit_code INTEGER,
     detail TEXT
   );
   CREATE INDEX project_events_by_project ON project_events (project, id);`,
  "ALTER TABLE project_containers ADD COLUMN log_path TEXT",
  // issue #13: why a state is what it is, and a pending restart's backoff and due time (so a
  // restart decided by conmon's exit command or a dead supervisor is carried on by the next one)
  `ALTER TABLE project_containers ADD COLUMN note TEXT;
   ALTER TABLE project_containers ADD COLUMN backoff_ms INTEGER;
   ALTER TABLE project_containers ADD COLUMN restart_at TEXT;`,
];

/** The event log keeps this many events per project; older ones are pruned (issue #13: bounded state). */
export const EVENTS_KEPT = 10_000;

export interface ProjectRecord {
  name: string;
  workingDir: string;
  configFiles: string[];
  /** the normalized Project as JSON, as `up` last applied it */
  config: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface ContainerRecord {
  name: string;
  project: string;
  service: string;
  replica: number;
  image: string;
  configHash?: string;
  status: ContainerStatus;
  exitCode?: number;
  restarts: number;
  health: Health;
  healthLog?: ProbeResult[];
  /** stopped by a user: restart policies leave it down, adoption does not restart it */
  manualStop: boolean;
  pid?: number;
  startedAt?: string;
  finishedAt?: string;
  ports?: ContainerState["ports"];
  /** the container's log file (k8s-file format, written by its monitor) */
  logPath?: string;
  /** why the state is what it is, when that is not plain: "exit code unknown: its monitor (conmon) was killed", "killed by the OOM killer"… */
  note?: string;
  /** the restart delay last applied (docker's backoff: doubles per quick restart, reset after 10 s up) */
  backoffMs?: number;
  /** status "restarting": when the restart is due (ISO time) */
  restartAt?: string;
}

export type EventAction =
  | "create"
  | "start"
  | "die"
  | "stop"
  | "kill"
  | "restart"
  | "health_status"
  | "oom"
  | "destroy"
  | "pause"
  | "unpause"
  | "adopt"
  /** a helper of the project (agent, forwarder, slirp4netns) was found dead and restarted */
  | "repair";

export interface ProjectEvent {
  id: number;
  time: string;
  project: string;
  service?: string;
  container?: string;
  action: EventAction;
  exitCode?: number;
  /** health status, restart delay, reason… */
  detail?: string;
}

interface ContainerRow {
  name: string;
  project: string;
  service: string;
  replica: number;
  image: string;
  config_hash: string | null;
  status: string;
  exit_code: number | null;
  restarts: number;
  health: string;
  health_log: string | null;
  manual_stop: number;
  pid: number | null;
  started_at: string | null;
  finished_at: string | null;
  ports: string | null;
  log_path: string | null;
  note: string | null;
  backoff_ms: number | null;
  restart_at: string | null;
}

interface EventRow {
  id: number;
  time: string;
  project: string;
  service: string | null;
  container: string | null;
  action: string;
  exit_code: number | null;
  detail: string | null;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function fromRow(r: ContainerRow): ContainerRecord {
  const rec: ContainerRecord = {
    name: r.name,
    project: r.project,
    service: r.service,
    replica: r.replica,
    image: r.image,
    status: r.status as ContainerStatus,
    restarts: r.restarts,
    health: r.health as Health,
    manualStop: r.manual_stop !== 0,
  };
  if (r.config_hash !== null) rec.configHash = r.config_hash;
  if (r.exit_code !== null) rec.exitCode = r.exit_code;
  if (r.health_log !== null) rec.healthLog = JSON.parse(r.health_log);
  if (r.pid !== null) rec.pid = r.pid;
  if (r.started_at !== null) rec.startedAt = r.started_at;
  if (r.finished_at !== null) rec.finishedAt = r.finished_at;
  if (r.ports !== null) rec.ports = JSON.parse(r.ports);
  if (r.log_path !== null) rec.logPath = r.log_path;
  if (r.note !== null) rec.note = r.note;
  if (r.backoff_ms !== null) rec.backoffMs = r.backoff_ms;
  if (r.restart_at !== null) rec.restartAt = r.restart_at;
  return rec;
}

function fromEventRow(r: EventRow): ProjectEvent {
  const e: ProjectEvent = { id: r.id, time: r.time, project: r.project, action: r.action as EventAction };
  const service = opt(r.service);
  if (service !== undefined) e.service = service;
  const container = opt(r.container);
  if (container !== undefined) e.container = container;
  const exitCode = opt(r.exit_code);
  if (exitCode !== undefined) e.exitCode = exitCode;
  const detail = opt(r.detail);
  if (detail !== undefined) e.detail = detail;
  return e;
}

export interface EventQuery {
  project?: string;
  /** events after this id (followers resume from the last id they saw) */
  afterId?: number;
  /** ISO times, inclusive */
  since?: string;
  until?: string;
  limit?: number;
}

export class ProjectStore {
  constructor(readonly db: Database) {
    migrate(db, "projects", MIGRATIONS);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  saveProject(p: { name: string; workingDir: string; configFiles: string[]; config: unknown }, now = new Date().toISOString()): void {
    this.db
      .query(
        `INSERT INTO projects (name, working_dir, config_files, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET working_dir = excluded.working_dir, config_files = excluded.config_files,
           config = excluded.config, updated_at = excluded.updated_at`,
      )
      .run(p.name, p.workingDir, JSON.stringify(p.configFiles), JSON.stringify(p.config), now, now);
  }

  getProject(name: string): ProjectRecord | undefined {
    const r = this.db
      .query<{ name: string; working_dir: string; config_files: string; config: string; created_at: string; updated_at: string }, [string]>(
        "SELECT * FROM projects WHERE name = ?",
      )
      .get(name);
    if (!r) return undefined;
    return { name: r.name, workingDir: r.working_dir, configFiles: JSON.parse(r.config_files), config: JSON.parse(r.config), createdAt: r.created_at, updatedAt: r.updated_at };
  }

  /** Projects with their container counts by status, for `kitten ls`. */
  listProjects(): Array<{ name: string; workingDir: string; configFiles: string[]; counts: Partial<Record<ContainerStatus, number>> }> {
    const projects = this.db.query<{ name: string; working_dir: string; config_files: string }, []>("SELECT name, working_dir, config_files FROM projects ORDER BY name").all();
    const counts = this.db
      .query<{ project: string; status: string; n: number }, []>("SELECT project, status, count(*) AS n FROM project_containers GROUP BY project, status")
      .all();
    return projects.map((p) => ({
      name: p.name,
      workingDir: p.working_dir,
      configFiles: JSON.parse(p.config_files),
      counts: Object.fromEntries(counts.filter((c) => c.project === p.name).map((c) => [c.status, c.n])),
    }));
  }

  removeProject(name: string): void {
    this.transaction(() => {
      this.db.query("DELETE FROM project_containers WHERE project = ?").run(name);
      this.db.query("DELETE FROM projects WHERE name = ?").run(name);
    });
  }

  putContainer(c: ContainerRecord): void {
    this.db
      .query(
        `INSERT OR REPLACE INTO project_containers
           (name, project, service, replica, image, config_hash, status, exit_code, restarts, health, health_log, manual_stop, pid, started_at, finished_at, ports, log_path,
            note, backoff_ms, restart_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.name,
        c.project,
        c.service,
        c.replica,
        c.image,
        c.configHash ?? null,
        c.status,
        c.exitCode ?? null,
        c.restarts,
        c.health,
        c.healthLog ? JSON.stringify(c.healthLog) : null,
        c.manualStop ? 1 : 0,
        c.pid ?? null,
        c.startedAt ?? null,
        c.finishedAt ?? null,
        c.ports ? JSON.stringify(c.ports) : null,
        c.logPath ?? null,
        c.note ?? null,
        c.backoffMs ?? null,
        c.restartAt ?? null,
      );
  }

  /** Read-modify-write of one container in one transaction; returns the new record. */
  updateContainer(name: string, change: Partial<Omit<ContainerRecord, "name" | "project">>): ContainerRecord | undefined {
    return this.transaction(() => {
      const current = this.getContainer(name);
      if (!current) return undefined;
      const next = { ...current, ...change };
      for (const [k, v] of Object.entries(change)) if (v === undefined) delete (next as Record<string, unknown>)[k];
      this.putContainer(next);
      return next;
    });
  }

  getContainer(name: string): ContainerRecord | undefined {
    const r = this.db.query<ContainerRow, [string]>("SELECT * FROM project_containers WHERE name = ?").get(name);
    return r ? fromRow(r) : undefined;
  }

  /** One indexed query: `ps` with hundreds of containers stays fast. */
  listContainers(project: string): ContainerRecord[] {
    return this.db
      .query<ContainerRow, [string]>("SELECT * FROM project_containers WHERE project = ? ORDER BY service, replica")
      .all(project)
      .map(fromRow);
  }

  removeContainer(name: string): void {
    this.db.query("DELETE FROM project_containers WHERE name = ?").run(name);
  }

  appendEvent(e: Omit<ProjectEvent, "id" | "time"> & { time?: string }): ProjectEvent {
    const time = e.time ?? new Date().toISOString();
    const r = this.db
      .query<{ id: number }, [string, string, string | null, string | null, string, number | null, string | null]>(
        "INSERT INTO project_events (time, project, service, container, action, exit_code, detail) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      )
      .get(time, e.project, e.service ?? null, e.container ?? null, e.action, e.exitCode ?? null, e.detail ?? null)!;
    // bounded: a crash loop appends forever; every 500th event prunes the project's oldest
    if (r.id % 500 === 0) this.pruneEvents(e.project);
    return { ...e, id: r.id, time };
  }

  /** Keeps the project's newest `keep` events. */
  pruneEvents(project: string, keep = EVENTS_KEPT): number {
    const cut = this.db
      .query<{ id: number }, [string, number]>("SELECT id FROM project_events WHERE project = ? ORDER BY id DESC LIMIT 1 OFFSET ?")
      .get(project, keep);
    if (!cut) return 0;
    return this.db.query("DELETE FROM project_events WHERE project = ? AND id <= ?").run(project, cut.id).changes;
  }

  listEvents(q: EventQuery = {}): ProjectEvent[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.project !== undefined) (where.push("project = ?"), args.push(q.project));
    if (q.afterId !== undefined) (where.push("id > ?"), args.push(q.afterId));
    if (q.since !== undefined) (where.push("time >= ?"), args.push(q.since));
    if (q.until !== undefined) (where.push("time <= ?"), args.push(q.until));
    const sql = `SELECT * FROM project_events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ?`;
    args.push(q.limit ?? -1);
    return this.db.query<EventRow, Array<string | number>>(sql).all(...args).map(fromEventRow);
  }
}
