/**
 * GET /openapi.json: an OpenAPI 3.1 document made from the registered route declarations and the
 * zod schemas in schemas.ts (z.toJSONSchema with the 2020-12 dialect OpenAPI 3.1 uses). Every
 * schema a route names is a component, referenced by $ref.
 */
import { z } from "zod";
import * as schemas from "./schemas.ts";
import type { RouteSpec } from "./spec.ts";

type Json = Record<string, unknown>;

function componentNames(): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>();
  for (const [key, value] of Object.entries(schemas)) {
    if (key.endsWith("Schema") && value instanceof z.ZodType) names.set(value, key.slice(0, -"Schema".length));
  }
  return names;
}

function components(names: Map<z.ZodType, string>): Json {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of names) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { target: "draft-2020-12", unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  // $schema and a fragment $id are not allowed inside an OpenAPI 3.1 component
  for (const s of Object.values(out.schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return out.schemas;
}

function ref(names: Map<z.ZodType, string>, schema: z.ZodType): Json {
  const name = names.get(schema);
  if (!name) throw new Error(`schema of a route is not exported from schemas.ts: ${schema.description ?? "unnamed"}`);
  return { $ref: `#/components/schemas/${name}` };
}

const STATUS_TEXT: Record<number, string> = { 400: "invalid request", 401: "no or wrong credentials", 403: "refused (host, origin)", 404: "not found", 409: "conflict", 413: "body too large", 415: "wrong content type" };

export function openApiDocument(specs: RouteSpec[], version: string): Json {
  const names = componentNames();
  const paths: Record<string, Json> = {};
  for (const spec of specs) {
    if (spec.hidden) continue;
    const params = [
      ...[...spec.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } })),
      ...(spec.query ?? []).map((q) => ({
        name: q.name,
        in: "query",
        required: false,
        description: q.description,
        schema: q.list ? { type: "array", items: { type: q.type } } : { type: q.type },
        ...(q.list ? { style: "form", explode: true } : {}),
      })),
    ];
    const responses: Json = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      const content: Json = {};
      if (r.events) content["text/event-stream"] = { schema: { type: "string", description: `server-sent events; each data line is JSON${r.schema ? ` (${names.get(r.schema)})` : ""}` } };
      if (r.contentType) content[r.contentType] = { schema: { type: "string" } };
      if (r.schema && !r.events) content["application/json"] = { schema: ref(names, r.schema) };
      responses[status] = { description: r.description, ...(Object.keys(content).length ? { content } : {}) };
    }
    for (const status of [400, 401, 403, 404]) {
      if (status === 401 && spec.auth === false) continue;
      responses[status] ??= { description: STATUS_TEXT[status], content: { "application/json": { schema: ref(names, schemas.ErrorSchema) } } };
    }
    const op: Json = {
      operationId: `${spec.method}${spec.path.replace(/\{([^}]+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
      summary: spec.summary,
      tags: [spec.tag],
      ...(params.length ? { parameters: params } : {}),
      responses,
      ...(spec.auth === false ? { security: [] } : {}),
    };
    if (spec.body) {
      const content: Json = {};
      if (spec.body.documentTypes) {
        content["application/json"] = { schema: { type: "object", description: "a compose document or a Kitten config as JSON" } };
        for (const t of spec.body.documentTypes) content[t] = { schema: ref(names, spec.body.schema) };
      } else content["application/json"] = { schema: ref(names, spec.body.schema) };
      op.requestBody = { required: true, ...(spec.body.description ? { description: spec.body.description } : {}), content };
    }
    (paths[spec.path] ??= {})[spec.method] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "kitten",
      version,
      description: "kitten serve: the Kitten API (/spawn, /status, /list, /stop, /health) and the REST API under /v1. Over TCP every route but /health needs a bearer token or the UI's session cookie.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: components(names),
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "KITTEN_API_TOKEN, or the api-token file in kitten's config directory" },
        session: { type: "apiKey", in: "cookie", name: "kitten_session", description: "the web UI's session, from a one-time sign-in link" },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
  };
}
