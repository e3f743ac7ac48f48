/**
 * Signing the web UI in: a one-time link (`GET /login?token=…`) or the API token posted as JSON
 * becomes the session cookie; `POST /v1/session/links` (over the unix socket, or with the token)
 * makes a new one-time link — what `kitten serve --url` prints.
 */
import { deleteCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import type { ApiContext } from "../context.ts";
import type { AppEnv } from "../guards.ts";
import { ApiError, jsonBody } from "../http.ts";
import { LoginLinkSchema, SessionRequestSchema, SessionSchema } from "../schemas.ts";
import { SESSION_COOKIE } from "../auth.ts";
import type { Routes } from "../spec.ts";
import { signInPage } from "./ui.ts";

function startSession(c: Context<AppEnv>, ctx: ApiContext): void {
  const s = ctx.auth.session();
  setCookie(c, SESSION_COOKIE, s.value, { httpOnly: true, sameSite: "Strict", path: "/", maxAge: s.maxAge });
}

export function sessionRoutes(routes: Routes, ctx: ApiContext): void {
  routes.add(
    {
      method: "get",
      path: "/login",
      summary: "exchange a one-time sign-in link for the session cookie, then go to the UI",
      tag: "session",
      auth: false,
      query: [{ name: "token", type: "string", description: "the one-time secret from the link" }],
      responses: { 303: { description: "signed in: on to /" } },
    },
    (c) => {
      const secret = c.req.query("token") ?? "";
      if (!ctx.auth.consumeLink(secret)) return signInPage(c, "That sign-in link was used already or has expired. Ask for a new one with `kitten serve --url`, or paste the API token.", 401);
      startSession(c, ctx);
      // a clean URL: the secret must not stay in the history or reach a Referer
      return c.redirect("/", 303);
    },
  );

  routes.add(
    {
      method: "post",
      path: "/login",
      summary: "sign in with the API token (JSON), for the session cookie",
      tag: "session",
      auth: false,
      body: { schema: SessionRequestSchema },
      responses: { 200: { description: "signed in", schema: SessionSchema } },
    },
    async (c) => {
      const { token } = await jsonBody(c, ctx, SessionRequestSchema);
      if (!ctx.auth.tokenOk(token)) throw new ApiError(401, "unauthorized", "that is not the API token", "it is KITTEN_API_TOKEN, or the api-token file in kitten's config directory");
      startSession(c, ctx);
      return c.json({ signedIn: true as const });
    },
  );

  routes.add(
    { method: "post", path: "/logout", summary: "end the UI session", tag: "session", responses: { 200: { description: "signed out" } } },
    (c) => {
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.json({ signedIn: false });
    },
  );

  routes.add(
    { method: "post", path: "/v1/session/links", summary: "a one-time sign-in link for the web UI (10 minutes)", tag: "session", responses: { 201: { description: "the link", schema: LoginLinkSchema } } },
    (c) => {
      if (!ctx.tcpUrl) throw new ApiError(409, "no_tcp_listener", "kitten serve listens on its unix socket only: a browser cannot reach it", "start it with --listen 127.0.0.1:8080");
      const link = ctx.auth.link();
      return c.json({ url: `${ctx.tcpUrl}/login?token=${link.secret}`, expiresAt: link.expiresAt.toISOString() }, 201);
    },
  );
}
