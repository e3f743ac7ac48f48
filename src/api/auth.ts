/**
 * Who may use the API over TCP (the unix socket is guarded by its 0600 mode, as podman's user
 * socket is). Three ways in, all derived from one secret:
 * - `Authorization: Bearer <token>`: the token from KITTEN_API_TOKEN, else one generated once
 *   into <config>/api-token (mode 0600). It is never put in argv or a log: VS Code's serve-web
 *   leaked its token through the process list (GHSA-54p6-6j68-j5vr).
 * - a one-time sign-in link (`/login?token=…`, 10 minutes, single use) that `kitten serve` prints
 *   on a terminal or `kitten serve --url` asks the running server for; it is exchanged for
 * - a session cookie (HttpOnly, SameSite=Strict) whose value is an HMAC of its expiry under the
 *   token, so it survives a restart of `serve` (open pages and their event streams reconnect) and
 *   dies with the token. This is VS Code's and Jupyter's link-then-cookie flow.
 */
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ensureDir, type KittenPaths } from "../core/paths.ts";
import { writeFileAtomic } from "../core/atomic-file.ts";
import { InvalidInputError } from "../core/errors.ts";

export const SESSION_COOKIE = "kitten_session";
const SESSION_DAYS = 7;
const LINK_MINUTES = 10;

export function tokenFile(paths: KittenPaths): string {
  return join(paths.config, "api-token");
}

/** KITTEN_API_TOKEN, else the token file (made on first use, 0600). */
export function loadToken(paths: KittenPaths, env: Record<string, string | undefined> = process.env): { token: string; source: "env" | "file" } {
  const fromEnv = env.KITTEN_API_TOKEN;
  if (fromEnv !== undefined) {
    if (fromEnv.length < 16) throw new InvalidInputError("KITTEN_API_TOKEN is too short", { code: "bad_token", hint: "use at least 16 characters, e.g. from `openssl rand -hex 32`" });
    return { token: fromEnv, source: "env" };
  }
  const file = tokenFile(paths);
  if (existsSync(file)) {
    // a token file others can read is no secret: tighten it (ssh refuses such keys; we fix and go on)
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const token = readFileSync(file, "utf8").trim();
    if (token.length >= 16) return { token, source: "file" };
  }
  ensureDir(paths.config);
  const token = randomBytes(32).toString("base64url");
  writeFileAtomic(file, `${token}\n`, 0o600);
  return { token, source: "file" };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Auth {
  private readonly links = new Map<string, number>();

  constructor(
    private readonly token: string,
    private readonly now: () => number = Date.now,
  ) {}

  bearerOk(header: string | undefined): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    return !!m && same(m[1]!, this.token);
  }

  tokenOk(candidate: string): boolean {
    return same(candidate, this.token);
  }

  private sign(expires: number): string {
    return createHmac("sha256", this.token).update(`kitten-session.${expires}`).digest("base64url");
  }

  /** A new session cookie value. */
  session(): { value: string; maxAge: number } {
    const maxAge = SESSION_DAYS * 86400;
    const expires = Math.floor(this.now() / 1000) + maxAge;
    return { value: `${expires}.${this.sign(expires)}`, maxAge };
  }

  sessionOk(value: string | undefined): boolean {
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]+)$/.exec(value ?? "");
    if (!m) return false;
    const expires = Number(m[1]);
    return expires * 1000 > this.now() && same(m[2]!, this.sign(expires));
  }

  /** A one-time sign-in secret for `/login?token=…`. */
  link(): { secret: string; expiresAt: Date } {
    const secret = randomBytes(24).toString("base64url");
    const expiresAt = this.now() + LINK_MINUTES * 60_000;
    this.links.set(secret, expiresAt);
    return { secret, expiresAt: new Date(expiresAt) };
  }

  /** True once per secret, while it has not expired. */
  consumeLink(secret: string): boolean {
    const now = this.now();
    for (const [s, exp] of this.links) if (exp <= now) this.links.delete(s);
    const ok = this.links.has(secret);
    this.links.delete(secret);
    return ok;
  }
}
