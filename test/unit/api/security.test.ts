/** Every refusal of issue #15 §4, tried as the attack it stops. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync, readFileSync } from "node:fs";
import { Auth, loadToken, tokenFile } from "../../../src/api/auth.ts";
import { checkListen, parseListen } from "../../../src/api/listen.ts";
import { hostAllowed } from "../../../src/api/guards.ts";
import { harness, TOKEN, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(() => {
  h = harness({ bodyLimit: 4096, allowHosts: ["kitten.lan"] });
});
afterAll(() => h.close());

const KITTEN_JSON = JSON.stringify({ version: "1.0", containers: { web: { image: "busybox", command: ["sh", "-c", "sleep 10"] } } });

describe("credentials on TCP", () => {
  test("refuses a route without the token with 401 and a Bearer challenge", async () => {
    for (const path of ["/v1/projects", "/list", "/status/x", "/openapi.json", "/v1/events"]) {
      const r = await h.req(path, { auth: false });
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe('Bearer realm="kitten"');
      expect(((await r.json()) as { code: string }).code).toBe("unauthorized");
    }
    const spawn = await h.req("/spawn", { auth: false, method: "POST", headers: { "content-type": "application/json" }, body: KITTEN_JSON });
    expect(spawn.status).toBe(401);
    expect(h.calls).toEqual([]);
  });

  test("refuses a wrong token", async () => {
    expect((await h.req("/v1/projects", { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await h.req("/v1/projects", { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
  });

  test("answers /health without credentials, and everything with the token", async () => {
    expect((await h.req("/health", { auth: false })).status).toBe(200);
    expect((await h.req("/v1/projects")).status).toBe(200);
  });

  test("the unix socket needs no token (its 0600 mode is the guard)", async () => {
    expect((await h.req("/v1/projects", { auth: false, listener: "unix", headers: { host: "api.moby.localhost" } })).status).toBe(200);
  });

  test("the UI page without a session is the sign-in page, with no data in it", async () => {
    const r = await h.req("/", { auth: false });
    expect(r.status).toBe(401);
    const text = await r.text();
    expect(text).toContain("Sign in to kitten");
    expect(text).not.toContain(TOKEN);
  });
});

describe("the UI's one-time link and session cookie", () => {
  test("a link signs in once, sets an HttpOnly SameSite=Strict cookie, and redirects to a clean URL", async () => {
    const { secret } = h.ctx.auth.link();
    const r = await h.req(`/login?token=${secret}`, { auth: false, redirect: "manual" });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/");
    const cookie = r.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^kitten_session=[^;]+;/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    const session = cookie.split(";")[0]!;
    expect((await h.req("/v1/projects", { auth: false, headers: { cookie: session } })).status).toBe(200);
    expect((await h.req("/", { auth: false, headers: { cookie: session } })).status).toBe(200);
    // the same link again: refused
    const again = await h.req(`/login?token=${secret}`, { auth: false, redirect: "manual" });
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  test("refuses a made-up or tampered cookie, and an expired one", async () => {
    const value = h.ctx.auth.session().value;
    const [exp, mac] = value.split(".");
    expect((await h.req("/v1/projects", { auth: false, headers: { cookie: `kitten_session=${Number(exp) + 1000}.${mac}` } })).status).toBe(401);
    expect((await h.req("/v1/projects", { auth: false, headers: { cookie: "kitten_session=1.abc" } })).status).toBe(401);
    const past = new Auth(TOKEN, () => Date.now() - 8 * 86400_000).session().value;
    expect(h.ctx.auth.sessionOk(past)).toBe(false);
    const otherToken = new Auth(`${TOKEN}-other`).session().value;
    expect(h.ctx.auth.sessionOk(otherToken)).toBe(false);
  });

  test("signing in with the token as JSON sets the cookie; a wrong token does not", async () => {
    const bad = await h.req("/login", { auth: false, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: "nope" }) });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
    const ok = await h.req("/login", { auth: false, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: TOKEN }) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("set-cookie")).toContain("HttpOnly");
  });

  test("a one-time link expires", () => {
    let now = Date.now();
    const auth = new Auth(TOKEN, () => now);
    const { secret } = auth.link();
    now += 11 * 60_000;
    expect(auth.consumeLink(secret)).toBe(false);
  });
});

describe("DNS rebinding: the Host header", () => {
  test("refuses a foreign Host with 403, even with the token", async () => {
    for (const host of ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "192.168.1.10:8080", "localhost.evil.example", ""]) {
      const r = await h.req("/v1/projects", { headers: { host } });
      expect(r.status).toBe(403);
      expect(((await r.json()) as { code: string }).code).toBe("bad_host");
    }
  });

  test("accepts localhost, *.localhost, loopback addresses and configured names", async () => {
    for (const host of ["localhost:8080", "127.0.0.1", "127.0.0.1:8080", "[::1]:8080", "app.localhost:8080", "kitten.lan:8080", "LOCALHOST"]) {
      expect((await h.req("/v1/projects", { headers: { host } })).status).toBe(200);
    }
    expect(hostAllowed("[::1]", [])).toBe(true);
    expect(hostAllowed("kitten.lan", [])).toBe(false);
    expect(hostAllowed(undefined, [])).toBe(false);
  });
});

describe("CSRF: the Origin header", () => {
  test("refuses a request from another origin with 403, even with a valid session", async () => {
    const session = `kitten_session=${h.ctx.auth.session().value}`;
    for (const origin of ["http://evil.example", "http://127.0.0.1:9999", "null", "https://127.0.0.1:8080"]) {
      const r = await h.req("/stop/anything", { auth: false, method: "POST", headers: { origin, cookie: session } });
      expect(r.status).toBe(403);
      expect(((await r.json()) as { code: string }).code).toBe("bad_origin");
    }
    expect(h.calls).toEqual([]);
  });

  test("refuses Sec-Fetch-Site: cross-site", async () => {
    expect((await h.req("/v1/projects", { headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
  });

  test("accepts its own origin", async () => {
    expect((await h.req("/v1/projects", { headers: { origin: "http://127.0.0.1:8080" } })).status).toBe(200);
  });

  test("never answers with CORS headers: a preflight from elsewhere is refused", async () => {
    const r = await h.req("/spawn", { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    expect(r.status).toBe(403);
    for (const res of [r, await h.req("/v1/projects"), await h.req("/health")]) {
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });
});

describe("content types and body size on mutating routes", () => {
  test("refuses a form or text body (what a cross-site <form> can send) with 415", async () => {
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]) {
      const r = await h.req("/spawn", { method: "POST", headers: { "content-type": type }, body: KITTEN_JSON });
      expect(r.status).toBe(415);
    }
    // an empty form post (a bodiless <form method=post>) too
    expect((await h.req("/stop/x", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "0" } })).status).toBe(415);
    // a body with no type at all
    expect((await h.req("/spawn", { method: "POST", body: new Blob([KITTEN_JSON]) })).status).toBe(415);
    expect(h.calls).toEqual([]);
  });

  test("a JSON route refuses YAML with 415", async () => {
    expect((await h.req("/v1/ask", { method: "POST", headers: { "content-type": "application/yaml" }, body: "request: x" })).status).toBe(415);
  });

  test("refuses a body over the limit with 413, declared or streamed", async () => {
    const big = JSON.stringify({ version: "1.0", containers: { web: { image: "busybox", environment: { X: "y".repeat(5000) } } } });
    expect((await h.req("/spawn", { method: "POST", headers: { "content-type": "application/json" }, body: big })).status).toBe(413);
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const r = await h.req("/spawn", { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" }, body: chunked });
    expect(r.status).toBe(413);
    expect(h.calls).toEqual([]);
  });
});

describe("listening", () => {
  test("refuses a non-loopback --listen without --insecure-listen", () => {
    for (const addr of ["0.0.0.0:8080", "192.168.1.5:8080", "[::]:8080", "example.com:80"]) {
      expect(() => checkListen(addr, false)).toThrow(/not a loopback address/);
      expect(checkListen(addr, true).loopback).toBe(false);
    }
    for (const addr of ["127.0.0.1:8080", "localhost:0", "[::1]:9000", "127.1.2.3:1"]) expect(checkListen(addr, false).loopback).toBe(true);
  });

  test("refuses a malformed --listen", () => {
    for (const addr of ["8080", "127.0.0.1", "127.0.0.1:99999", "::1:80", "http://127.0.0.1:80"]) expect(() => parseListen(addr)).toThrow(/HOST:PORT/);
  });
});

describe("the token", () => {
  test("is generated once into a 0600 file, and KITTEN_API_TOKEN wins", () => {
    const first = loadToken(h.paths, {});
    expect(first.source).toBe("file");
    expect(statSync(tokenFile(h.paths)).mode & 0o777).toBe(0o600);
    expect(loadToken(h.paths, {}).token).toBe(first.token);
    expect(readFileSync(tokenFile(h.paths), "utf8").trim()).toBe(first.token);
    expect(loadToken(h.paths, { KITTEN_API_TOKEN: "from-the-environment-123" })).toEqual({ token: "from-the-environment-123", source: "env" });
    expect(() => loadToken(h.paths, { KITTEN_API_TOKEN: "short" })).toThrow(/too short/);
  });
});

describe("headers", () => {
  test("every answer says nosniff and no framing; the UI page carries a CSP with no other origin", async () => {
    const session = `kitten_session=${h.ctx.auth.session().value}`;
    const page = await h.req("/", { auth: false, headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.headers.get("content-security-policy")).not.toMatch(/https?:/);
    for (const r of [page, await h.req("/v1/projects"), await h.req("/nope")]) {
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
    }
  });
});
