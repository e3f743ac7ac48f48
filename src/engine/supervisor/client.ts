/**
 * The host side of the supervisor's control channel: one request per connection, events
 * relayed to the caller as they arrive, the result returned, errors rethrown as KittenErrors.
 */
import { join } from "node:path";
import { KittenError, RuntimeFailure, type ExitCode } from "../../core/errors.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import type { KittenEvent } from "../../core/reporter.ts";
import { LineSplitter, ResponseSchema, type Request } from "./protocol.ts";
import { checkProjectName } from "../../core/names.ts";

export function supervisorSocketPath(paths: KittenPaths, project: string): string {
  // short: a unix socket path must fit in 108 bytes
  return join(ensureDir(join(paths.runtime, "sup")), `${checkProjectName(project)}.sock`);
}

export class SupervisorUnavailable extends RuntimeFailure {
  constructor(project: string, cause?: unknown) {
    super(`the supervisor of project "${project}" is not running`, { code: "supervisor_unavailable", cause });
  }
}

export async function requestSupervisor(
  socketPath: string,
  project: string,
  request: Request,
  onEvent: (e: KittenEvent) => void = () => {},
): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const lines = new LineSplitter();
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    Bun.connect({
      unix: socketPath,
      socket: {
        open: (s) => {
          s.write(`${JSON.stringify(request)}\n`);
        },
        data: (s, chunk) => {
          for (const line of lines.push(chunk)) {
            const parsed = ResponseSchema.safeParse(JSON.parse(line));
            if (!parsed.success) continue;
            const r = parsed.data;
            if (r.type === "event") onEvent(r.event as KittenEvent);
            else if (r.type === "result") done(() => resolve(r.data));
            else done(() => reject(new KittenError(r.code, r.message, r.exitCode as ExitCode, r.hint ? { hint: r.hint } : {})));
          }
          void s;
        },
        close: () => done(() => reject(new RuntimeFailure(`the supervisor of project "${project}" closed the connection without an answer`))),
        error: (_s, err) => done(() => reject(new SupervisorUnavailable(project, err))),
        connectError: (_s, err) => done(() => reject(new SupervisorUnavailable(project, err))),
      },
    }).catch((err) => done(() => reject(new SupervisorUnavailable(project, err))));
  });
}
