/**
 * The guards every request passes before a route sees it (research/api-ui.md §4):
 * - on TCP, a Host that is not localhost / a loopback address / a configured name is refused:
 *   DNS rebinding turned Ollama's API over to any web page (CVE-2024-28224) until it checked Host;
 * - on TCP, an Origin other than the served origin is refused: a page elsewhere must not drive the
 *   API through the user's browser (CSRF); no CORS header is ever sent, so no wildcard either;
 * - on TCP, everything but /health, the sign-in exchange and the static files of the sign-in page needs
 *   the bearer token or the session cookie;
 * - a mutating request with a body must say it is JSON or YAML (a cross-site <form> can only send
 *   form or text types, which are refused), and bodies have a size limit.
 * The unix socket (0600, in a 0700 directory) skips the first three: its clients are the user's own
 * processes, and Go's docker client sends `Host: api.moby.localhost` there anyway.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { ApiContext, ApiEnv } from "./context.ts";
import { ApiError, JSON_TYPES, YAML_TYPES, mediaType } from "./http.ts";
import { SESSION_COOKIE } from "./auth.ts";

export type Vars = { authed: boolean };
export type AppEnv = { Bindings: ApiEnv; Variables: Vars };

/** The host name of a Host header: `[::1]:8080` → `::1`, `Localhost.:80` → `localhost`. */
export function hostName(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([^:[\]\s/@]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1]!.replace(/\.$/, "") : undefined;
}

function isLoopback(name: string): boolean {
  if (name === "::1" || name === "0:0:0:0:0:0:0:1") return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return !!v4 && v4.slice(1).every((o) => Number(o) <= 255);
}

/** localhost and *.localhost always mean this machine (RFC 6761 §6.3; browsers never ask DNS for them). */
export function hostAllowed(header: string | undefined, extra: string[]): boolean {
  const name = header === undefined ? undefined : hostName(header);
  if (!name) return false;
  return name === "localhost" || name.endsWith(".localhost") || isLoopback(name) || extra.map((e) => e.toLowerCase()).includes(name);
}

/** Paths open without credentials on TCP: the health check, the sign-in exchange, what the sign-in page needs. */
const OPEN_PATHS = new Set(["/health", "/login", "/ui/app.js", "/ui/app.css", "/favicon.svg"]);
/** Paths that answer without credentials but know whether the caller signed in (the UI page offers sign-in). */
const SOFT_PATHS = new Set(["/"]);

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function refuse(status: 401 | 403 | 413 | 415, code: string, message: string, hint?: string): never {
  throw new ApiError(status, code, message, hint);
}

export function guards(ctx: ApiContext): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const tcp = c.env?.listener !== "unix";
    const path = c.req.path;
    if (tcp) {
      const host = c.req.header("host");
      if (!hostAllowed(host, ctx.allowedHosts)) {
        refuse(403, "bad_host", `requests for host ${JSON.stringify(host ?? "")} are refused`, "use http://127.0.0.1 or http://localhost, or start serve with --allow-host NAME");
      }
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== `http://${host}`) {
        refuse(403, "bad_origin", `requests from origin ${JSON.stringify(origin)} are refused`, "the API answers pages it served itself only");
      }
      if (c.req.header("sec-fetch-site") === "cross-site") refuse(403, "bad_origin", "cross-site requests are refused");
    }
    const authed = !tcp || ctx.auth.bearerOk(c.req.header("authorization")) || ctx.auth.sessionOk(getCookie(c, SESSION_COOKIE));
    c.set("authed", authed);
    if (!authed && !OPEN_PATHS.has(path) && !SOFT_PATHS.has(path)) {
      c.header("WWW-Authenticate", 'Bearer realm="kitten"');
      refuse(401, "unauthorized", "this route needs the API token", "send Authorization: Bearer <token> (KITTEN_API_TOKEN, or the api-token file kitten serve made), or sign in through the link kitten serve --url prints");
    }
    if (MUTATING.has(c.req.method)) {
      const type = mediaType(c);
      const length = c.req.header("content-length");
      const hasBody = length === undefined ? c.req.header("transfer-encoding") !== undefined || c.req.raw.body !== null : length !== "0";
      if (type ? !JSON_TYPES.includes(type) && !YAML_TYPES.includes(type) : hasBody) {
        refuse(415, "unsupported_media_type", `a ${c.req.method} body must be JSON or YAML, not ${JSON.stringify(type || "untyped")}`, "send Content-Type: application/json (or application/yaml for compose files)");
      }
      if (Number(length ?? "0") > ctx.bodyLimit) refuse(413, "body_too_large", `the request body is larger than ${ctx.bodyLimit} bytes`);
    }
    await next();
    securityHeaders(c);
  };
}

export function securityHeaders(c: Context): void {
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cross-Origin-Resource-Policy", "same-origin");
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
}
