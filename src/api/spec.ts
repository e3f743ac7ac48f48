/**
 * Routes are declared with their contract (method, path, summary, the zod schemas of the body,
 * query and responses), registered on the app from that declaration, and the same declarations
 * become GET /openapi.json (openapi.ts): the document cannot describe a route that does not exist.
 */
import type { Handler, Hono } from "hono";
import type { z } from "zod";
import type { AppEnv } from "./guards.ts";

export interface QueryParam {
  name: string;
  description: string;
  type: "string" | "boolean" | "integer";
  /** may be given more than once / comma-separated */
  list?: boolean;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** a text/event-stream; `schema` is the JSON of each event's data lines */
  events?: boolean;
  /** another media type than application/json (the UI's HTML, its assets) */
  contentType?: string;
}

export interface RouteSpec {
  method: "get" | "post" | "delete";
  /** OpenAPI style: /v1/projects/{name} */
  path: string;
  summary: string;
  tag: string;
  query?: QueryParam[];
  /** a JSON body, or a document in one of `documentTypes` */
  body?: { schema: z.ZodType; description?: string; documentTypes?: string[] };
  responses: Record<number, ResponseSpec>;
  /** false: open on TCP without credentials (/health) */
  auth?: boolean;
  /** left out of the OpenAPI document (the UI's pages and assets) */
  hidden?: boolean;
}

export class Routes {
  readonly specs: RouteSpec[] = [];

  constructor(private readonly app: Hono<AppEnv>) {}

  add(spec: RouteSpec, handler: Handler<AppEnv>): void {
    this.specs.push(spec);
    const path = spec.path.replace(/\{([^}]+)\}/g, ":$1");
    this.app.on(spec.method.toUpperCase(), path, handler);
  }
}
