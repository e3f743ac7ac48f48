/**
 * What a failure leaves for `kitten diagnose` (issue #17): the last failed build of each
 * project service and of each plain `kitten build` (the failing step, its command, exit code
 * and the tail of its output), and the last failed start of each service (a pull, its secrets,
 * creating or starting a container, a post_start hook). A failed build or start leaves no
 * container record, so without these rows diagnose would have nothing to read.
 *
 * Bounded: one row per service (its last failure), at most MAX_PLAIN_BUILDS plain builds, step
 * output capped at OUTPUT_LINES lines of OUTPUT_LINE_CHARS. A row is cleared by the next success
 * of the same build or start; `down` clears the project's start failures. Secrets are masked
 * by the writers before a row is written (build secrets and secret-looking build args: the
 * builder; this store never sees them).
 */
import type { Database } from "bun:sqlite";
import { z } from "zod";
import { migrate } from "./db.ts";

export const OUTPUT_LINES = 40;
export const OUTPUT_LINE_CHARS = 500;
export const MAX_PLAIN_BUILDS = 20;
const MESSAGE_CHARS = 4000;

/** The step a build failed in, as the build progress showed it. */
export const FailedStepSchema = z.object({
  /** "[stage-1 3/3] RUN apt-get install -y foo" */
  name: z.string(),
  /** the stage's name (or stage-N) in a multi-stage Dockerfile */
  stage: z.string().optional(),
  /** FROM, RUN, COPY, ADD, WORKDIR… */
  instruction: z.string(),
  line: z.number().int().optional(),
  /** the instruction as written in the Dockerfile */
  original: z.string().optional(),
  /** a RUN's process as the builder ran it ("/bin/sh -c make all") */
  command: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** the RUN step's network: none for RUN --network=none or a build with --network none */
  network: z.enum(["default", "none"]).optional(),
  /** the last lines the step printed (stdout and stderr, in order) */
  output: z.array(z.string()),
});

export const BuildFailureSchema = z.object({
  time: z.string(),
  /** absolute path of the build context */
  context: z.string(),
  /** the Dockerfile as messages name it (relative to the context when inside it) */
  dockerfile: z.string(),
  tags: z.array(z.string()),
  /** set for a compose service's build */
  project: z.string().optional(),
  service: z.string().optional(),
  step: FailedStepSchema.optional(),
  /** the error as `kitten build` printed it, and its code and hint */
  error: z.string(),
  code: z.string().optional(),
  hint: z.string().optional(),
  /** for a COPY whose source .dockerignore excludes: the line that does */
  ignoredBy: z.object({ file: z.string(), line: z.number().int(), pattern: z.string() }).optional(),
});

export const StartPhaseSchema = z.enum(["pull", "secrets", "create", "start", "post_start"]);

export const StartFailureSchema = z.object({
  time: z.string(),
  service: z.string(),
  /** the container, once one was being made */
  container: z.string().optional(),
  phase: StartPhaseSchema,
  /** the image a pull failed for */
  image: z.string().optional(),
  error: z.string(),
  code: z.string().optional(),
  hint: z.string().optional(),
});

export type FailedStep = z.infer<typeof FailedStepSchema>;
export type BuildFailure = z.infer<typeof BuildFailureSchema>;
export type StartFailure = z.infer<typeof StartFailureSchema>;
export type StartPhase = z.infer<typeof StartPhaseSchema>;

const MIGRATIONS = [
  `CREATE TABLE failures (
     project TEXT NOT NULL,
     subject TEXT NOT NULL,
     kind TEXT NOT NULL,
     time TEXT NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (project, subject)
   )`,
];

/** Where a build's row lives: its service in a project, else its context and Dockerfile (project ''). */
export function buildSubject(f: Pick<BuildFailure, "project" | "service" | "context" | "dockerfile">): { project: string; subject: string } {
  if (f.project !== undefined && f.service !== undefined) return { project: f.project, subject: f.service };
  return { project: "", subject: `${f.context}\n${f.dockerfile}` };
}

function clip(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}

function bounded(f: BuildFailure): BuildFailure {
  const step = f.step ? { ...f.step, output: f.step.output.slice(-OUTPUT_LINES).map((l) => clip(l, OUTPUT_LINE_CHARS)), ...(f.step.original ? { original: clip(f.step.original, MESSAGE_CHARS) } : {}), ...(f.step.command ? { command: clip(f.step.command, MESSAGE_CHARS) } : {}) } : undefined;
  return { ...f, error: clip(f.error, MESSAGE_CHARS), ...(step ? { step: { ...step, name: clip(step.name, MESSAGE_CHARS) } } : {}) };
}

export class FailureStore {
  constructor(readonly db: Database) {
    migrate(db, "failures", MIGRATIONS);
  }

  private put(project: string, subject: string, kind: "build" | "start", time: string, record: unknown): void {
    this.db.query("INSERT OR REPLACE INTO failures (project, subject, kind, time, record) VALUES (?, ?, ?, ?, ?)").run(project, subject, kind, time, JSON.stringify(record));
  }

  /** The last failure of this build; a service's earlier start failure is replaced (nothing started after it). */
  recordBuild(f: BuildFailure): void {
    const { project, subject } = buildSubject(f);
    this.db.transaction(() => {
      this.put(project, subject, "build", f.time, BuildFailureSchema.parse(bounded(f)));
      if (project === "") {
        // plain builds are kept for the newest few contexts only
        this.db
          .query("DELETE FROM failures WHERE project = '' AND subject NOT IN (SELECT subject FROM failures WHERE project = '' ORDER BY time DESC LIMIT ?)")
          .run(MAX_PLAIN_BUILDS);
      }
    }).immediate();
  }

  /** A successful build of the same service or context and Dockerfile. */
  clearBuild(f: Pick<BuildFailure, "project" | "service" | "context" | "dockerfile">): void {
    const { project, subject } = buildSubject(f);
    this.db.query("DELETE FROM failures WHERE project = ? AND subject = ? AND kind = 'build'").run(project, subject);
  }

  recordStart(project: string, f: StartFailure): void {
    this.put(project, f.service, "start", f.time, StartFailureSchema.parse({ ...f, error: clip(f.error, MESSAGE_CHARS) }));
  }

  /**
   * A container of the service started (its post_start hooks passed): the service's start failure
   * is over, unless it was another replica's container that failed.
   */
  clearStart(project: string, service: string, container?: string): void {
    const row = this.db.query<{ record: string }, [string, string]>("SELECT record FROM failures WHERE project = ? AND subject = ? AND kind = 'start'").get(project, service);
    if (!row) return;
    const parsed = StartFailureSchema.safeParse(JSON.parse(row.record));
    if (parsed.success && container !== undefined && parsed.data.container !== undefined && parsed.data.container !== container) return;
    this.db.query("DELETE FROM failures WHERE project = ? AND subject = ? AND kind = 'start'").run(project, service);
  }

  /** `down`: the project's containers are gone, and with them what their starts left. */
  clearProjectStarts(project: string): void {
    this.db.query("DELETE FROM failures WHERE project = ? AND kind = 'start'").run(project);
  }

  /** A project's failed service builds and starts (rows an older kitten wrote in another shape are skipped). */
  forProject(project: string): { builds: BuildFailure[]; starts: StartFailure[] } {
    const rows = this.db.query<{ kind: string; record: string }, [string]>("SELECT kind, record FROM failures WHERE project = ? ORDER BY subject").all(project);
    const builds: BuildFailure[] = [];
    const starts: StartFailure[] = [];
    for (const r of rows) {
      if (r.kind === "build") {
        const p = BuildFailureSchema.safeParse(JSON.parse(r.record));
        if (p.success) builds.push(p.data);
      } else {
        const p = StartFailureSchema.safeParse(JSON.parse(r.record));
        if (p.success) starts.push(p.data);
      }
    }
    return { builds, starts };
  }

  /** Every recorded build failure, plain builds and services alike, newest first. */
  builds(): BuildFailure[] {
    return this.db
      .query<{ record: string }, []>("SELECT record FROM failures WHERE kind = 'build' ORDER BY time DESC")
      .all()
      .flatMap((r) => {
        const p = BuildFailureSchema.safeParse(JSON.parse(r.record));
        return p.success ? [p.data] : [];
      });
  }
}
