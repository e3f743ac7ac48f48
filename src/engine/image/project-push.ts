/**
 * `compose push`: the images of a project's services, as docker compose pushes them
 * (pkg/compose/push.go): only services that have both `build:` and `image:` — an image someone
 * builds and names for a registry — each under its `image` and its `build.tags`, concurrently;
 * every other service is skipped. With `ignoreFailures` a failed push is reported and the others
 * go on (`--ignore-push-failures`); without it the first failure is the result, once the pushes
 * already running have ended. The verb itself (flags, selection of services) belongs to the CLI.
 */
import { errorText } from "../../core/errors.ts";
import { silentReporter } from "../../core/reporter.ts";
import { limiter } from "./limit.ts";
import { pushImage, type PushOptions, type PushResult } from "./push.ts";

/** What compose push reads of a service (the Project model's service has these fields). */
export interface PushableService {
  image?: string;
  build?: { tags?: string[] } | string | null;
}

export interface ServicePush {
  service: string;
  /** the reference pushed (absent when skipped) */
  ref?: string;
  result?: PushResult;
  /** why this push failed, with ignoreFailures */
  error?: string;
  skipped?: "no build" | "no image";
}

export interface ProjectPushOptions extends PushOptions {
  ignoreFailures?: boolean;
  /** concurrent image pushes (default 4) */
  parallel?: number;
  /** the push itself (pushImage; a fake in unit tests) */
  push?: (ref: string, options: PushOptions) => Promise<PushResult>;
}

/** Pushes the images of `services` (name → service), in the given order of names. */
export async function pushServiceImages(services: Record<string, PushableService>, options: ProjectPushOptions = {}): Promise<ServicePush[]> {
  const reporter = options.reporter ?? silentReporter;
  const run = limiter(options.parallel ?? 4);
  const rows: ServicePush[] = [];
  const jobs: Promise<void>[] = [];
  for (const [service, svc] of Object.entries(services)) {
    if (!svc.build || !svc.image) {
      const why = !svc.build ? "no build" : "no image";
      rows.push({ service, skipped: why });
      reporter.emit({ type: "info", message: `${service}: skipped (${why === "no build" ? "not built by the project" : "no image: to push to"})` });
      continue;
    }
    const tags = [svc.image, ...(typeof svc.build === "object" ? (svc.build.tags ?? []) : [])];
    for (const ref of tags) {
      const row: ServicePush = { service, ref };
      rows.push(row);
      jobs.push(
        run(async () => {
          try {
            row.result = await (options.push ?? pushImage)(ref, options);
          } catch (err) {
            if (!options.ignoreFailures) throw err;
            row.error = errorText(err);
            reporter.emit({ type: "warning", message: `pushing ${service} (${ref}): ${row.error}` });
          }
        }),
      );
    }
  }
  const outcomes = await Promise.allSettled(jobs);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failed) throw failed.reason;
  return rows;
}
