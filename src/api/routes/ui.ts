/**
 * The web UI, served from strings built into the binary (web/assets.ts): the app page for a signed-in
 * browser, else a sign-in page (a one-time link signs in without it). A strict CSP: everything from
 * this origin, nothing inline, no other origin — the UI works offline and a stray script has
 * nowhere to talk to.
 */
import type { Context } from "hono";
import type { ApiContext } from "../context.ts";
import type { AppEnv } from "../guards.ts";
import type { Routes } from "../spec.ts";
import { APP_CSS, APP_JS, FAVICON_SVG, INDEX_HTML } from "../web/assets.ts";

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function html(c: Context<AppEnv>, body: string, status: 200 | 401 = 200): Response {
  c.header("Content-Security-Policy", CSP);
  return c.html(body, status);
}

export function signInPage(c: Context<AppEnv>, message: string, status: 200 | 401 = 401): Response {
  return html(
    c,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · kitten</title><link rel="icon" href="/favicon.svg"><link rel="stylesheet" href="/ui/app.css"><script type="module" src="/ui/app.js"></script></head>
<body data-page="signin"><main class="signin"><div class="card"><h1>Sign in to kitten</h1><p>${escapeHtml(message)}</p>
<form id="signin"><label for="token">API token</label><input id="token" type="password" autocomplete="current-password" required><p class="muted">It is <code>KITTEN_API_TOKEN</code>, or the <code>api-token</code> file in kitten's config directory.</p><div class="row end"><button type="submit">Sign in</button></div></form><div id="signin-error"></div></div></main></body></html>`,
    status,
  );
}

const asset = (type: string, body: string) => (c: Context<AppEnv>) => {
  c.header("Content-Type", type);
  c.header("Cache-Control", "no-cache");
  return c.body(body);
};

export function uiRoutes(routes: Routes, _ctx: ApiContext): void {
  routes.add({ method: "get", path: "/", summary: "the web UI", tag: "ui", hidden: true, responses: { 200: { description: "the app page", contentType: "text/html" } } }, (c) =>
    c.get("authed") ? html(c, INDEX_HTML) : signInPage(c, "Open the one-time link `kitten serve --url` prints, or paste the API token."),
  );
  routes.add({ method: "get", path: "/ui/app.js", summary: "the UI's script", tag: "ui", hidden: true, responses: { 200: { description: "script" } } }, asset("text/javascript; charset=utf-8", APP_JS));
  routes.add({ method: "get", path: "/ui/app.css", summary: "the UI's style", tag: "ui", hidden: true, responses: { 200: { description: "style" } } }, asset("text/css; charset=utf-8", APP_CSS));
  routes.add({ method: "get", path: "/favicon.svg", summary: "icon", tag: "ui", hidden: true, responses: { 200: { description: "icon" } } }, asset("image/svg+xml", FAVICON_SVG));
}
