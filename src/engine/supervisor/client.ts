/**
 * The host side of the supervisor's control channel: one request per connection, events
 * relayed to the caller as they arrive, the result returned, errors rethrown as KittenErrors.
 * The request is written whole however the socket takes it (a partial write is continued on
 * `drain`: a request of a few hundred KB used to hang forever), it is refused above the
 * channel's size limit, and a peer that sends nothing — not even a keepalive — for
 * IDLE_TIMEOUT_MS is given up on with an error that says so (issue #14).
 */
import { join } from "node:path";
import { InvalidInputError, KittenError, RuntimeFailure, type ExitCode } from "../../core/errors.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import type { KittenEvent } from "../../core/reporter.ts";
import { fitSocketPath } from "../../core/socket-path.ts";
import { IDLE_TIMEOUT_MS, LineSplitter, MAX_MESSAGE_BYTES, MessageTooLarge, ResponseSchema, type Request } from "./protocol.ts";
import { checkProjectName } from "../../core/names.ts";

export function supervisorSocketPath(paths: KittenPaths, project: string): string {
  // a unix socket path must fit in 108 bytes: a long project name gets a short hashed one
  return fitSocketPath(paths.runtime, join(ensureDir(join(paths.runtime, "sup")), `${checkProjectName(project)}.sock`));
}

export class SupervisorUnavailable extends RuntimeFailure {
  constructor(project: string, cause?: unknown) {
    super(`the supervisor of project "${project}" is not running`, { code: "supervisor_unavailable", cause });
  }
}

export interface RequestOptions {
  /** give up when the supervisor sends nothing for this long (default IDLE_TIMEOUT_MS) */
  idleTimeoutMs?: number;
}

const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export async function requestSupervisor(
  socketPath: string,
  project: string,
  request: Request,
  onEvent: (e: KittenEvent) => void = () => {},
  options: RequestOptions = {},
): Promise<unknown> {
  const payload = new TextEncoder().encode(`${JSON.stringify(request)}\n`);
  if (payload.length > MAX_MESSAGE_BYTES) {
    throw new InvalidInputError(`the ${request.op} request for project "${project}" is ${MB(payload.length)}, more than the ${MB(MAX_MESSAGE_BYTES)} the supervisor accepts`, {
      code: "request_too_large",
      hint: "something in the project is far larger than a compose file should be (an environment value, labels, a port range): make it smaller",
    });
  }
  const idleMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  return new Promise<unknown>((resolve, reject) => {
    const lines = new LineSplitter();
    let settled = false;
    let sent = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let socket: { end(): void } | undefined;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.end();
      fn();
    };
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          done(() =>
            reject(
              new RuntimeFailure(`the supervisor of project "${project}" stopped answering (nothing for ${+(idleMs / 1000).toFixed(1)} s)`, {
                code: "supervisor_timeout",
                hint: `it may be stopped or hung; its log is in the runtime dir (sup/${project}.log); \`kitten down -p ${project}\` and \`up\` start a new one`,
              }),
            ),
          ),
        idleMs,
      );
    };
    const write = (s: { write(data: Uint8Array): number }) => {
      while (sent < payload.length) {
        const n = s.write(payload.subarray(sent));
        if (n <= 0) return; // the socket's buffer is full: `drain` continues
        sent += n;
      }
    };
    idle();
    Bun.connect({
      unix: socketPath,
      socket: {
        open: (s) => {
          socket = s;
          write(s);
        },
        drain: (s) => write(s),
        data: (_s, chunk) => {
          idle();
          let received: string[];
          try {
            received = lines.push(chunk);
          } catch (err) {
            if (!(err instanceof MessageTooLarge)) throw err;
            done(() => reject(new RuntimeFailure(`the supervisor of project "${project}" sent a message larger than ${MB(MAX_MESSAGE_BYTES)}`, { code: "supervisor_protocol" })));
            return;
          }
          for (const line of received) {
            let json: unknown;
            try {
              json = JSON.parse(line);
            } catch {
              continue;
            }
            const parsed = ResponseSchema.safeParse(json);
            if (!parsed.success) continue;
            const r = parsed.data;
            if (r.type === "keepalive") continue;
            if (r.type === "event") onEvent(r.event as KittenEvent);
            else if (r.type === "result") done(() => resolve(r.data));
            else done(() => reject(new KittenError(r.code, r.message, r.exitCode as ExitCode, r.hint ? { hint: r.hint } : {})));
          }
        },
        close: () => done(() => reject(new RuntimeFailure(`the supervisor of project "${project}" closed the connection without an answer`))),
        error: (_s, err) => done(() => reject(new SupervisorUnavailable(project, err))),
        connectError: (_s, err) => done(() => reject(new SupervisorUnavailable(project, err))),
      },
    }).catch((err) => done(() => reject(new SupervisorUnavailable(project, err))));
  });
}
