/**
 * The supervisor's control channel: a unix socket in the project's runtime dir speaking
 * newline-delimited JSON. One request per connection; the supervisor answers with any number of
 * `event` lines (progress, container events) and ends with one `result` or `error` line.
 * Both ends validate with these schemas (STYLE.md §2: one schema per contract).
 */
import { z } from "zod";

export const UpRequestSchema = z.object({
  op: z.literal("up"),
  /** the normalized Project (validated again by the supervisor with ProjectSchema) */
  project: z.unknown(),
  imageIds: z.record(z.string(), z.string()).default({}),
  /** image config healthchecks and stop signals, per service */
  imageConfigs: z.record(z.string(), z.unknown()).default({}),
  services: z.array(z.string()).default([]),
  noDeps: z.boolean().default(false),
  forceRecreate: z.boolean().default(false),
  /** --always-recreate-deps: --force-recreate reaches the dependencies of the named services too */
  recreateDeps: z.boolean().default(false),
  /** --no-recreate: containers that exist are kept even when their configuration changed */
  noRecreate: z.boolean().default(false),
  /** --no-start (create): containers are created, not started */
  noStart: z.boolean().default(false),
  removeOrphans: z.boolean().default(false),
  scale: z.record(z.string(), z.number().int().min(0)).default({}),
  /** wait for running/healthy after starting (up --wait) */
  wait: z.boolean().default(false),
  /** deadline for dependency waits and --wait, ms */
  waitTimeoutMs: z.number().int().positive().optional(),
  timeoutMs: z.number().int().min(0).optional(),
  /** up -V: recreated containers get new anonymous volumes */
  renewAnonVolumes: z.boolean().default(false),
});

export const ServiceActionSchema = z.enum(["stop", "start", "restart", "kill", "pause", "unpause", "rm"]);
export type ServiceAction = z.infer<typeof ServiceActionSchema>;

export const ServiceOpRequestSchema = z.object({
  op: z.literal("service"),
  action: ServiceActionSchema,
  services: z.array(z.string()).default([]),
  /** only these containers (by name), e.g. `kitten stop <container>` of a project's container */
  containers: z.array(z.string()).default([]),
  timeoutMs: z.number().int().min(0).optional(),
  signal: z.string().optional(),
  /** rm: stop running containers first (rm --stop) */
  stop: z.boolean().default(false),
  /** rm -v: their anonymous volumes go with them */
  volumes: z.boolean().default(false),
  /** restart --no-deps: not the dependents with depends_on.restart: true */
  noDeps: z.boolean().default(false),
});

export const RequestSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("status") }),
  UpRequestSchema,
  z.object({ op: z.literal("down"), timeoutMs: z.number().int().min(0).optional(), removeOrphans: z.boolean().default(false) }),
  ServiceOpRequestSchema,
  z.object({ op: z.literal("wait"), services: z.array(z.string()).default([]) }),
  z.object({ op: z.literal("shutdown") }),
]);
export type Request = z.input<typeof RequestSchema>;
export type ParsedRequest = z.output<typeof RequestSchema>;

export const ResponseSchema = z.discriminatedUnion("type", [
  /** nothing happened, but the supervisor is alive and working on the request */
  z.object({ type: z.literal("keepalive") }),
  z.object({ type: z.literal("event"), event: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal("result"), data: z.unknown().optional() }),
  z.object({
    type: z.literal("error"),
    message: z.string(),
    code: z.string(),
    exitCode: z.number().int(),
    hint: z.string().optional(),
  }),
]);
export type Response = z.infer<typeof ResponseSchema>;

/**
 * Limits of the channel (issue #14). A message is one JSON line; 64 MiB holds any real project
 * many times over (a 10 MB request is tested) while a runaway peer cannot make the other side
 * buffer without bound. While a request is in flight the supervisor sends a keepalive line every
 * KEEPALIVE_MS, so a client that hears nothing for much longer knows its peer is dead or hung
 * (a stopped process still accepts connections into the socket's backlog).
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const KEEPALIVE_MS = 5_000;
export const IDLE_TIMEOUT_MS = 60_000;
export const KEEPALIVE_LINE = '{"type":"keepalive"}';

export class MessageTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`message larger than ${MAX_MESSAGE_BYTES} bytes`);
  }
}

/**
 * Splits a byte stream into lines (a connection may deliver half a line or several at once).
 * Bytes are kept as received and only the new chunk is searched for the newline, so a 10 MB line
 * arriving in 64 KB reads costs one pass, not one per read; a line longer than `max` throws.
 */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();

  constructor(private readonly max = MAX_MESSAGE_BYTES) {}

  push(chunk: Uint8Array | string): string[] {
    let bytes = typeof chunk === "string" ? this.encoder.encode(chunk) : chunk;
    const lines: string[] = [];
    for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10)) {
      this.take(bytes.subarray(0, nl));
      const line = this.flush();
      if (line.length > 0) lines.push(line);
      bytes = bytes.subarray(nl + 1);
    }
    if (bytes.length > 0) this.take(bytes.slice());
    return lines;
  }

  private take(bytes: Uint8Array): void {
    this.size += bytes.length;
    if (this.size > this.max) throw new MessageTooLarge(this.size);
    if (bytes.length > 0) this.parts.push(bytes);
  }

  private flush(): string {
    const whole = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return this.decoder.decode(whole);
  }
}
