/**
 * An OCI distribution-spec client over fetch: the /v2/ ping, the token flow from a
 * `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge (anonymous, or with Basic
 * credentials sent to the token realm as docker does), plain Basic auth, manifests by tag or
 * digest, and blob downloads that are verified while streaming, retried with backoff on transient
 * failures (connection errors, 429, 5xx) and resumed with a Range request when the server allows it.
 * Credentials only ever appear in Authorization headers, never in messages.
 */
import { closeSync, existsSync, ftruncateSync, openSync, statSync, writeSync } from "node:fs";
import { InvalidInputError, RuntimeFailure, errorText } from "../../core/errors.ts";
import type { Credentials } from "./auth.ts";
import { LIMITS, MAX_REDIRECTS, readLimited, registryTimeouts, summariseBody, TooLarge, tooLargeError, Watchdog, type Timeouts } from "./http-limits.ts";
import type { Endpoint } from "./registry-config.ts";

export interface ClientOptions {
  credentials?: Credentials;
  /** attempts per request for transient failures */
  attempts?: number;
  backoffMs?: number;
  /** response and stall timeouts (default: registryTimeouts(), KITTEN_REGISTRY_TIMEOUT) */
  timeouts?: Timeouts;
}

/** the watchdog of a response's body, kicked by whoever reads it (#14: a stalled body ends) */
const GUARDS = new WeakMap<Response, Watchdog>();

/** Reads a small body (an error, a ping) within its limit, for a message; never throws. */
async function smallBody(res: Response): Promise<Uint8Array> {
  try {
    return await readLimited(res, LIMITS.errorBody, () => GUARDS.get(res)?.kick());
  } catch {
    return new Uint8Array(0);
  } finally {
    GUARDS.get(res)?.stop();
  }
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth",service="registry",scope="repository:a:pull,push"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) {
    if (p[0] === "") break;
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3]!;
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

export class TransientError extends Error {
  constructor(
    message: string,
    /** the server's Retry-After, when it sent one */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A 429/5xx answer as a retryable error, honouring Retry-After (seconds; capped at 30 s). */
export function statusError(res: Response, body?: Uint8Array): TransientError {
  const after = Number(res.headers.get("retry-after"));
  const said = body === undefined ? `HTTP ${res.status}` : `answered ${res.status} with ${summariseBody(body, res.headers.get("content-type"))}`;
  return new TransientError(said, Number.isFinite(after) && after > 0 ? Math.min(after, 30) * 1000 : undefined);
}

export const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export interface ManifestResponse {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export class RegistryClient {
  private base?: string;
  private readonly tokens = new Map<string, string>();
  private basic = false;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeouts: Timeouts;

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: ClientOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 200;
    this.timeouts = options.timeouts ?? registryTimeouts();
  }

  get baseUrl(): string | undefined {
    return this.base;
  }

  private fetchInit(init: RequestInit): RequestInit {
    return this.endpoint.insecure ? ({ ...init, tls: { rejectUnauthorized: false } } as RequestInit) : init;
  }

  /** GET /v2/ on each candidate URL until one answers; remembers the first that does. */
  async ping(): Promise<void> {
    if (this.base) return;
    const failures: string[] = [];
    for (const url of this.endpoint.urls) {
      try {
        const res = await fetch(`${url}/v2/`, this.fetchInit({ redirect: "follow", signal: AbortSignal.timeout(this.timeouts.responseMs) }));
        await readLimited(res, LIMITS.errorBody).catch(() => {});
        if (res.status === 200 || res.status === 401) {
          this.base = url;
          return;
        }
        failures.push(`${url}: HTTP ${res.status}`);
      } catch (err) {
        failures.push(`${url}: ${timeoutText(err, this.timeouts.responseMs)}`);
      }
    }
    throw new RuntimeFailure(`registry ${this.endpoint.host} is not reachable (${failures.join("; ")})`, {
      code: "registry_unreachable",
      hint: this.endpoint.mirror ? "check the mirror in KITTEN_REGISTRY_MIRROR or config.yaml" : "check the registry name and your network; a mirror can be set in config.yaml",
    });
  }

  private authHeader(scope: string): string | undefined {
    const token = this.tokens.get(scope);
    if (token) return `Bearer ${token}`;
    if (this.basic && this.options.credentials) return basicHeader(this.options.credentials);
    return undefined;
  }

  private async fetchToken(challenge: Challenge, scope: string): Promise<void> {
    const realm = challenge.params.realm;
    if (!realm) throw new RuntimeFailure(`registry ${this.endpoint.host}: bearer challenge without a realm`, { code: "registry_auth" });
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    for (const s of (challenge.params.scope ?? scope).split(" ")) if (s) url.searchParams.append("scope", s);
    const headers: Record<string, string> = {};
    if (this.options.credentials) headers.authorization = basicHeader(this.options.credentials);
    let res: Response;
    let body: Uint8Array;
    try {
      res = await fetch(url, this.fetchInit({ headers, signal: AbortSignal.timeout(this.timeouts.responseMs + this.timeouts.stallMs) }));
      body = await readLimited(res, LIMITS.token);
    } catch (err) {
      if (err instanceof TooLarge) throw tooLargeError(this.endpoint.host, `the token service's answer (${url.origin})`, LIMITS.token);
      throw new RuntimeFailure(`registry ${this.endpoint.host}: token service ${url.origin} is not reachable: ${timeoutText(err, this.timeouts.responseMs)}`, { code: "registry_auth", hint: "check the network, or try again later" });
    }
    if (res.status === 401 || res.status === 403) {
      throw new InvalidInputError(`registry ${this.endpoint.host}: ${this.options.credentials ? "the registry rejected the credentials" : "authentication required"}`, {
        code: "registry_auth",
        hint: `run \`kitten login ${this.endpoint.host}\``,
      });
    }
    if (!res.ok) throw new RuntimeFailure(`registry ${this.endpoint.host}: token service answered ${res.status} with ${summariseBody(body, res.headers.get("content-type"))}`, { code: "registry_auth", hint: "the registry's token service is failing; try again later" });
    let parsed: { token?: unknown; access_token?: unknown };
    try {
      parsed = JSON.parse(new TextDecoder().decode(body)) as typeof parsed;
    } catch {
      // an HTML login page where JSON belongs: say so instead of "JSON Parse error: Unrecognized token '<'"
      throw new RuntimeFailure(`registry ${this.endpoint.host}: token service answered with ${summariseBody(body, res.headers.get("content-type"))} instead of a token`, { code: "registry_auth", hint: "a proxy or login portal may be in the way; check the registry address" });
    }
    const token = typeof parsed?.token === "string" ? parsed.token : typeof parsed?.access_token === "string" ? parsed.access_token : undefined;
    if (!token) throw new RuntimeFailure(`registry ${this.endpoint.host}: token service returned no token`, { code: "registry_auth", hint: "the registry's token service is broken; try again later" });
    this.tokens.set(scope, token);
  }

  /**
   * One request with auth negotiation; transient failures are retried by the caller. `body` is a
   * factory: a request answered 401 is sent again after the token exchange, with a fresh body.
   */
  async request(path: string, scope: string, init: { headers?: Record<string, string>; method?: string; body?: () => Blob | Uint8Array } = {}): Promise<Response> {
    await this.ping();
    for (let round = 0; round < 3; round++) {
      const headers: Record<string, string> = { ...init.headers };
      const auth = this.authHeader(scope);
      if (auth) headers.authorization = auth;
      const res = await this.send(`${this.base}${path}`, { method: init.method ?? "GET", headers, body: init.body });
      if (res.status !== 401) return res;
      const body = await smallBody(res);
      const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
      if (round > 0 || !challenge) {
        const said = challenge ? "" : ` (it answered 401 with ${summariseBody(body, res.headers.get("content-type"))} and no WWW-Authenticate challenge)`;
        throw new InvalidInputError(`registry ${this.endpoint.host}: ${this.options.credentials ? "the registry rejected the credentials" : "authentication required"}${said}`, {
          code: "registry_auth",
          hint: `run \`kitten login ${this.endpoint.host}\`, or check the image name`,
        });
      }
      if (challenge.scheme === "bearer") await this.fetchToken(challenge, scope);
      else if (challenge.scheme === "basic") {
        if (!this.options.credentials) {
          throw new InvalidInputError(`registry ${this.endpoint.host}: authentication required`, { code: "registry_auth", hint: `run \`kitten login ${this.endpoint.host}\`` });
        }
        this.basic = true;
      } else throw new RuntimeFailure(`registry ${this.endpoint.host}: unsupported auth scheme "${challenge.scheme}"`, { code: "registry_auth", hint: "kitten speaks Bearer and Basic auth, as docker does" });
    }
    throw new RuntimeFailure(`registry ${this.endpoint.host}: authentication did not succeed`, { code: "registry_auth", hint: `run \`kitten login ${this.endpoint.host}\`` });
  }

  /**
   * One HTTP exchange under the timeouts: the response must start within responseMs (a request
   * with a body — an upload — gets its own time to send it), then its body may not stall longer
   * than stallMs (GUARDS, kicked by the readers). Redirects are followed by hand, at most
   * MAX_REDIRECTS, only to http(s), and without our Authorization header once they leave the
   * registry (blob storage on S3 or a CDN), as docker does.
   */
  private async send(url: string, init: { method: string; headers: Record<string, string>; body?: () => Blob | Uint8Array }): Promise<Response> {
    let target = url;
    let headers = init.headers;
    for (let hop = 0; ; hop++) {
      const ctrl = new AbortController();
      const timeout = this.timeouts.responseMs;
      const stall = () => ctrl.abort(new TransientError(`registry ${this.endpoint.host} sent nothing for ${timeout / 1000} s`));
      const dog = new Watchdog(init.body ? Math.max(timeout, 15 * 60_000) : timeout, stall);
      let res: Response;
      try {
        res = await fetch(target, this.fetchInit({ method: init.method, headers, body: init.body?.() as BodyInit | undefined, redirect: "manual", signal: ctrl.signal }));
      } catch (err) {
        dog.stop();
        if (err instanceof TransientError) throw err;
        throw new TransientError(timeoutText(err, timeout));
      }
      dog.kick(this.timeouts.stallMs);
      GUARDS.set(res, dog);
      const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
      if (!location) return res;
      await smallBody(res);
      if (hop >= MAX_REDIRECTS) {
        throw new RuntimeFailure(`registry ${this.endpoint.host}: more than ${MAX_REDIRECTS} redirects for ${new URL(url).pathname}`, { code: "registry_redirects", hint: "the registry redirects in a loop; check its address or report it to its operator" });
      }
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw new RuntimeFailure(`registry ${this.endpoint.host}: redirected to an invalid address`, { code: "registry_redirects", hint: "the registry is misconfigured" });
      }
      if (next.protocol !== "https:" && next.protocol !== "http:") {
        throw new RuntimeFailure(`registry ${this.endpoint.host}: redirected to a ${next.protocol.replace(/:$/, "")} address`, { code: "registry_redirects", hint: "only http and https redirects are followed" });
      }
      // blob storage redirects (S3, CDNs): followed without our Authorization header
      if (next.origin !== new URL(url).origin) {
        const { authorization: _drop, ...rest } = headers;
        headers = rest;
      }
      target = next.toString();
    }
  }

  async withRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof TransientError) || attempt >= this.attempts) {
          if (err instanceof TransientError) throw new RuntimeFailure(`${what}: ${err.message} (after ${attempt} attempts)`, { code: "registry_unavailable", hint: "try again; the registry or the network is failing" });
          throw err;
        }
        await Bun.sleep(err.retryAfterMs ?? this.backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  /** Checks credentials the way `docker login` does: an authenticated /v2/ request. */
  async login(): Promise<void> {
    await this.withRetries(`registry ${this.endpoint.host}`, async () => {
      const res = await this.request("/v2/", "");
      const body = await smallBody(res);
      if (TRANSIENT_STATUS.has(res.status)) throw statusError(res, body);
      if (!res.ok) throw new RuntimeFailure(`registry ${this.endpoint.host}: login answered ${res.status} with ${summariseBody(body, res.headers.get("content-type"))}`, { code: "registry_auth", hint: "check the registry address" });
    });
  }

  async getManifest(repository: string, reference: string): Promise<ManifestResponse> {
    const what = `${this.endpoint.host}/${repository}:${reference}`;
    return this.withRetries(`manifest ${what}`, async () => {
      const res = await this.request(`/v2/${repository}/manifests/${reference}`, `repository:${repository}:pull`, { headers: { accept: MANIFEST_ACCEPT } });
      if (TRANSIENT_STATUS.has(res.status)) throw statusError(res, await smallBody(res));
      if (res.status === 404) {
        await smallBody(res);
        throw new ManifestNotFound(what);
      }
      if (!res.ok) {
        const body = await smallBody(res);
        throw new RuntimeFailure(`manifest ${what}: the registry answered ${res.status} with ${summariseBody(body, res.headers.get("content-type"))}`, { code: "registry_error", hint: "check the image name; the registry refused it" });
      }
      let bytes: Uint8Array;
      try {
        bytes = await readLimited(res, LIMITS.manifest, () => GUARDS.get(res)?.kick());
      } catch (err) {
        if (err instanceof TooLarge) throw tooLargeError(this.endpoint.host, `the manifest of ${repository}:${reference}`, LIMITS.manifest);
        throw new TransientError(`manifest download interrupted: ${errorText(err)}`);
      } finally {
        GUARDS.get(res)?.stop();
      }
      const digest = `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
      const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
      return { bytes, mediaType, digest };
    });
  }

  /**
   * Downloads a blob into `file`, hashing while writing; resumes with Range after a broken
   * connection when the server answers 206, restarts otherwise. Bytes already in `file` (an
   * earlier pull that was interrupted, even killed) are hashed and kept: the download continues
   * after them, and a complete one is only verified. Throws on digest or size mismatch.
   */
  async downloadBlob(repository: string, desc: { digest: string; size?: number }, file: string, onProgress?: (received: number) => void): Promise<void> {
    let kept = existsSync(file) ? statSync(file).size : 0;
    if (desc.size !== undefined && kept > desc.size) kept = 0;
    const fd = openSync(file, kept > 0 ? "r+" : "w", 0o644);
    try {
      let hasher = new Bun.CryptoHasher("sha256");
      let received = 0;
      if (kept > 0) {
        for await (const chunk of Bun.file(file).slice(0, kept).stream()) hasher.update(chunk);
        received = kept;
        onProgress?.(received);
      }
      ftruncateSync(fd, received);
      const whole = () => received > 0 && received === desc.size;
      if (whole() && `sha256:${hasher.copy().digest("hex")}` !== desc.digest) {
        // all there but wrong: fetch it again
        ftruncateSync(fd, 0);
        hasher = new Bun.CryptoHasher("sha256");
        received = 0;
      }
      // a kept file that is already whole needs no request, only the check below
      if (!whole()) await this.withRetries(`registry ${this.endpoint.host}: blob ${desc.digest.slice(7, 19)}`, async () => {
        const headers: Record<string, string> = {};
        if (received > 0) headers.range = `bytes=${received}-`;
        const res = await this.request(`/v2/${repository}/blobs/${desc.digest}`, `repository:${repository}:pull`, { headers });
        if (TRANSIENT_STATUS.has(res.status)) throw statusError(res, await smallBody(res));
        if (!(res.status === 200 || (res.status === 206 && received > 0))) {
          const body = await smallBody(res);
          throw new RuntimeFailure(`registry ${this.endpoint.host}: blob ${desc.digest}: answered ${res.status} with ${summariseBody(body, res.headers.get("content-type"))}`, { code: "registry_error", hint: "the registry cannot serve a blob its own manifest lists; try again later" });
        }
        if (res.status === 200 && received > 0) {
          ftruncateSync(fd, 0);
          hasher = new Bun.CryptoHasher("sha256");
          received = 0;
        }
        if (!res.body) throw new TransientError("empty response body");
        const guard = GUARDS.get(res);
        try {
          for await (const chunk of res.body) {
            guard?.kick();
            // never more than the manifest declared: an endless blob must not fill the disk
            if (desc.size !== undefined && received + chunk.length > desc.size) {
              await res.body.cancel().catch(() => {});
              throw new OverDeclared(desc.size);
            }
            hasher.update(chunk);
            let off = 0;
            while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off, received + off);
            received += chunk.length;
            onProgress?.(received);
          }
        } catch (err) {
          if (err instanceof OverDeclared) {
            throw new RuntimeFailure(`registry ${this.endpoint.host}: blob ${desc.digest} is longer than the ${desc.size} bytes its manifest declares`, {
              code: "digest_mismatch",
              hint: "the registry or a proxy served other content than the image lists; the download was stopped there",
            });
          }
          throw new TransientError(`download interrupted: ${timeoutText(err, this.timeouts.stallMs)}`);
        } finally {
          guard?.stop();
        }
        if (desc.size !== undefined && received < desc.size) throw new TransientError(`download ended early (${received} of ${desc.size} bytes)`);
      });
      const digest = `sha256:${hasher.digest("hex")}`;
      if (digest !== desc.digest || (desc.size !== undefined && received !== desc.size)) {
        throw new RuntimeFailure(`blob ${desc.digest}: content does not match its digest (got ${digest}, ${received} bytes)`, {
          code: "digest_mismatch",
          hint: "the registry or a proxy served corrupt data; try again",
        });
      }
    } finally {
      closeSync(fd);
    }
  }
}

class OverDeclared extends Error {
  constructor(readonly size: number) {
    super(`more than ${size} bytes`);
  }
}

/** An aborted fetch's reason as text: our own timeout's message, else the error's. */
function timeoutText(err: unknown, ms: number): string {
  if (err instanceof TransientError) return err.message;
  if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) return `no answer within ${ms / 1000} s`;
  return errorText(err);
}

export class ManifestNotFound extends InvalidInputError {
  constructor(readonly what: string) {
    super(`image ${what} not found: manifest unknown`, { code: "manifest_unknown", hint: "check the name and tag" });
  }
}

function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}

export function registryErrorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return `: ${[first.code, first.message].filter(Boolean).join(" ").toLowerCase()}`;
  } catch {}
  return "";
}
