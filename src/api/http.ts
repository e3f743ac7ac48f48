/**
 * The API's HTTP plumbing: its errors (status + code + hint, rendered by the one error handler),
 * reading a body within the size limit, and parsing it with a zod schema. Every refusal is
 * `{"error","hint","code"}`, the same one-line-plus-hint shape the CLI prints.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { isKittenError } from "../core/errors.ts";
import type { ApiContext } from "./context.ts";

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 500,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function errorBody(err: unknown): { status: number; body: { error: string; code: string; hint?: string } } {
  if (err instanceof ApiError) return { status: err.status, body: { error: err.message, code: err.code, ...(err.hint ? { hint: err.hint } : {}) } };
  if (isKittenError(err)) {
    const status = err.exitCode === 2 ? (/^no such /.test(err.message) ? 404 : 400) : err.exitCode === 130 ? 409 : 500;
    return { status, body: { error: err.display, code: err.code, ...(err.hint ? { hint: err.hint } : {}) } };
  }
  return { status: 500, body: { error: err instanceof Error ? err.message : String(err), code: "internal" } };
}

export const JSON_TYPES = ["application/json"];
export const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];

export function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The body as text, refused past the limit whether or not Content-Length told its size. */
export async function bodyText(c: Context, ctx: ApiContext): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > ctx.bodyLimit) throw tooLarge(ctx);
  const body = c.req.raw.body;
  if (!body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > ctx.bodyLimit) throw tooLarge(ctx);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function tooLarge(ctx: ApiContext): ApiError {
  return new ApiError(413, "body_too_large", `the request body is larger than ${ctx.bodyLimit} bytes`, "send a smaller document");
}

/** A JSON body parsed with `schema`; its problems named by path. */
export async function jsonBody<S extends z.ZodType>(c: Context, ctx: ApiContext, schema: S): Promise<z.infer<S>> {
  if (!JSON_TYPES.includes(mediaType(c))) throw new ApiError(415, "unsupported_media_type", "this route takes a JSON body", "send Content-Type: application/json");
  const text = await bodyText(c, ctx);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, "bad_json", `the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseWith(schema, value);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const where = first.path.length ? `${first.path.join(".")}: ` : "";
  throw new ApiError(400, "bad_request", `${where}${first.message}`, r.error.issues.length > 1 ? `${r.error.issues.length - 1} more problem(s) after this one` : undefined);
}

/** A query flag: absent → undefined; true/1 or false/0, anything else refused. */
export function queryBool(c: Context, name: string): boolean | undefined {
  const v = c.req.query(name);
  if (v === undefined) return undefined;
  if (v === "" || v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new ApiError(400, "bad_query", `?${name} must be true or false, not "${v}"`);
}

export function queryInt(c: Context, name: string, min: number, max: number): number | undefined {
  const v = c.req.query(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, "bad_query", `?${name} must be a whole number from ${min} to ${max}, not "${v}"`);
  return n;
}

export function queryList(c: Context, name: string): string[] {
  return c.req.queries(name)?.flatMap((v) => v.split(",")).filter(Boolean) ?? [];
}

/** A path parameter (the route declares it, so it is there). */
export function param(c: Context, name: string): string {
  const v = c.req.param(name);
  if (v === undefined) throw new ApiError(400, "bad_request", `missing ${name}`);
  return v;
}
