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

/** Splits a byte stream into lines (a connection may deliver half a line or several at once). */
export class LineSplitter {
  private rest = "";
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array | string): string[] {
    const text = this.rest + (typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true }));
    const lines = text.split("\n");
    this.rest = lines.pop() ?? "";
    return lines.filter((l) => l.length > 0);
  }
}
