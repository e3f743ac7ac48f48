/**
 * Deployments started by `POST /spawn` run in the background (the seed answers "starting" at
 * once). A job remembers how its start went until the project's own records can tell: while it
 * runs ("starting") and when it failed (the message). A restarted `serve` has no jobs; the state
 * store still has every project.
 */
export interface Job {
  status: "starting" | "started" | "failed";
  message?: string;
  warnings: string[];
  done: Promise<void>;
}

export class Jobs {
  private readonly jobs = new Map<string, Job>();

  start(id: string, run: (warn: (message: string) => void) => Promise<void>): Job {
    const job: Job = { status: "starting", warnings: [], done: Promise.resolve() };
    job.done = run((m) => job.warnings.push(m)).then(
      () => {
        job.status = "started";
      },
      (err: unknown) => {
        job.status = "failed";
        job.message = err instanceof Error ? err.message : String(err);
      },
    );
    this.jobs.set(id, job);
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  forget(id: string): void {
    this.jobs.delete(id);
  }

  /** Every job still starting (a stop waits for them, so nothing is left half-made). */
  running(): Promise<void>[] {
    return [...this.jobs.values()].filter((j) => j.status === "starting").map((j) => j.done);
  }
}
