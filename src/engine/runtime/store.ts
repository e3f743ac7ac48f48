/**
 * Container records in the state database (component "containers"). A record holds what was
 * asked for and where things are; the live status is never stored but read from the monitor's
 * exit file and the runtime's state (`status.ts`), so `ps` is never stale.
 */
import type { Database } from "bun:sqlite";
import { InvalidInputError } from "../../core/errors.ts";
import { migrate } from "../state/db.ts";
import type { ContainerSpec } from "./types.ts";
import type { OciRuntimeName } from "./agent-protocol.ts";
import type { ForwarderRef } from "../../net/forward/host.ts";

export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
  /** id in the port driver (rootlesskit or slirp4netns), for removal */
  driverId?: number;
  /** the driver process holding that mapping (pid, start time): a restarted one has lost it */
  driverProc?: { pid: number; start: number };
  /** kitten's TCP forwarder serving it (src/net/forward), for removal */
  forwarder?: ForwarderRef;
}

export interface ContainerRecord {
  id: string;
  name: string;
  project: string;
  service?: string;
  replica?: number;
  image: string;
  imageId: string;
  runtime: OciRuntimeName;
  dir: string;
  /** overlay lower dirs, top layer first */
  lowerDirs: string[];
  /** dirs of the container's anonymous volumes, removed with it */
  anonymousVolumes?: string[];
  /** its anonymous volumes by container path (records since volumes have names: usage.ts reads older ones) */
  anonymousMounts?: Record<string, string>;
  /** names of every volume it mounts: named, anonymous, through volumes_from */
  volumes?: string[];
  /** its bind mounts (volumes and host paths), for containers that take volumes_from it */
  mountBinds?: Array<{ source: string; target: string; readOnly?: boolean }>;
  /** its shareable /dev/shm, mounted again when it starts in a new namespace */
  shm?: { path: string; size: number };
  /** false for foreground (-it) runs, which have no conmon */
  monitored: boolean;
  netnsPath?: string;
  /** its cgroup below every hierarchy's root (cgroups.ts); none where kitten may not manage cgroups */
  cgroupsPath?: string;
  spec: ContainerSpec;
  ports: PublishedPort[];
  ips: Record<string, string>;
  autoRemove: boolean;
  createdAt: string;
  startedAt?: string;
  /** startedAt of the namespace the container was created in: an older one means it is gone */
  namespaceStartedAt: string;
  /** exit code kitten recorded itself (foreground -it runs have no monitor) */
  exitCode?: number;
}

const MIGRATIONS = [
  `CREATE TABLE containers (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     project TEXT NOT NULL,
     record TEXT NOT NULL,
     created_at TEXT NOT NULL
   )`,
  "CREATE INDEX containers_project ON containers (project)",
];

export class ContainerStore {
  constructor(private readonly db: Database) {
    migrate(db, "containers", MIGRATIONS);
  }

  insert(record: ContainerRecord): void {
    try {
      this.db
        .query("INSERT INTO containers (id, name, project, record, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(record.id, record.name, record.project, JSON.stringify(record), record.createdAt);
    } catch (err) {
      // two creates with one name at the same time: the second loses here, not at the pre-check
      if (/UNIQUE constraint failed: containers\.name/.test(String(err))) {
        throw new InvalidInputError(`container name "${record.name}" is already in use`, { hint: `remove it first: kitten rm -f ${record.name}` });
      }
      throw err;
    }
  }

  update(record: ContainerRecord): void {
    this.db.query("UPDATE containers SET record = ? WHERE id = ?").run(JSON.stringify(record), record.id);
  }

  delete(id: string): void {
    this.db.query("DELETE FROM containers WHERE id = ?").run(id);
  }

  /** By exact name, exact id, or a unique id prefix (docker accepts all three). */
  find(ref: string): ContainerRecord | undefined {
    const row =
      this.db.query<{ record: string }, [string, string]>("SELECT record FROM containers WHERE name = ? OR id = ?").get(ref, ref) ??
      (ref.length >= 3 ? this.uniquePrefix(ref) : undefined);
    return row ? (JSON.parse(row.record) as ContainerRecord) : undefined;
  }

  private uniquePrefix(prefix: string): { record: string } | undefined {
    const rows = this.db.query<{ record: string }, [string]>("SELECT record FROM containers WHERE id LIKE ? || '%'").all(prefix);
    return rows.length === 1 ? rows[0] : undefined;
  }

  list(filter: { project?: string } = {}): ContainerRecord[] {
    const rows = filter.project
      ? this.db.query<{ record: string }, [string]>("SELECT record FROM containers WHERE project = ? ORDER BY created_at").all(filter.project)
      : this.db.query<{ record: string }, []>("SELECT record FROM containers ORDER BY created_at").all();
    return rows.map((r) => JSON.parse(r.record) as ContainerRecord);
  }
}
