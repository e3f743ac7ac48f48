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
import type { Endpoint } from "./registry-config.ts";

export interface ClientOptions {
  credentials?: Credentials;
  /** attempts per request for transient failures */
  attempts?: number;
  backoffMs?: number;
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
export function statusError(res: Response): TransientError {
  const after = Number(res.headers.get("retry-after"));
  return new TransientError(`HTTP ${res.status}`, Number.isFinite(after) && after > 0 ? Math.min(after, 30) * 1000 : undefined);
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

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: ClientOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 200;
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
        const res = await fetch(`${url}/v2/`, this.fetchInit({ redirect: "follow", signal: AbortSignal.timeout(15_000) }));
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 401) {
          this.base = url;
          return;
        }
        failures.push(`${url}: HTTP ${res.status}`);
      } catch (err) {
        failures.push(`${url}: ${errorText(err)}`);
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
    try {
      res = await fetch(url, this.fetchInit({ headers, signal: AbortSignal.timeout(30_000) }));
    } catch (err) {
      throw new RuntimeFailure(`registry ${this.endpoint.host}: token service ${url.origin} is not reachable: ${errorText(err)}`, { code: "registry_auth" });
    }
    if (res.status === 401 || res.status === 403) {
      await res.arrayBuffer();
      throw new InvalidInputError(`registry ${this.endpoint.host}: ${this.options.credentials ? "the registry rejected the credentials" : "authentication required"}`, {
        code: "registry_auth",
        hint: `run \`kitten login ${this.endpoint.host}\``,
      });
    }
    if (!res.ok) throw new RuntimeFailure(`registry ${this.endpoint.host}: token service answered HTTP ${res.status}`, { code: "registry_auth" });
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RuntimeFailure(`registry ${this.endpoint.host}: token service returned no token`, { code: "registry_auth" });
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
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, this.fetchInit({ method: init.method ?? "GET", headers, body: init.body?.() as BodyInit | undefined, redirect: "manual" }));
      } catch (err) {
        throw new TransientError(errorText(err));
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
        // blob storage redirects (S3, CDNs): follow without our Authorization header
        await res.arrayBuffer();
        const location = new URL(res.headers.get("location")!, `${this.base}${path}`).toString();
        const { authorization: _drop, ...rest } = headers;
        try {
          return await fetch(location, this.fetchInit({ method: init.method ?? "GET", headers: rest, redirect: "follow" }));
        } catch (err) {
          throw new TransientError(errorText(err));
        }
      }
      if (res.status !== 401) return res;
      await res.arrayBuffer();
      const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
      if (round > 0 || !challenge) {
        throw new InvalidInputError(`registry ${this.endpoint.host}: ${this.options.credentials ? "the registry rejected the credentials" : "authentication required"}`, {
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
      } else throw new RuntimeFailure(`registry ${this.endpoint.host}: unsupported auth scheme "${challenge.scheme}"`, { code: "registry_auth" });
    }
    throw new RuntimeFailure(`registry ${this.endpoint.host}: authentication did not succeed`, { code: "registry_auth" });
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
      await res.arrayBuffer();
      if (TRANSIENT_STATUS.has(res.status)) throw statusError(res);
      if (!res.ok) throw new RuntimeFailure(`registry ${this.endpoint.host}: login answered HTTP ${res.status}`, { code: "registry_auth" });
    });
  }

  async getManifest(repository: string, reference: string): Promise<ManifestResponse> {
    const what = `${this.endpoint.host}/${repository}:${reference}`;
    return this.withRetries(`manifest ${what}`, async () => {
      const res = await this.request(`/v2/${repository}/manifests/${reference}`, `repository:${repository}:pull`, { headers: { accept: MANIFEST_ACCEPT } });
      if (TRANSIENT_STATUS.has(res.status)) {
        await res.arrayBuffer();
        throw statusError(res);
      }
      if (res.status === 404) {
        await res.arrayBuffer();
        throw new ManifestNotFound(what);
      }
      if (!res.ok) {
        const text = await res.text();
        throw new RuntimeFailure(`manifest ${what}: HTTP ${res.status}${registryErrorText(text)}`, { code: "registry_error" });
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
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
      if (!whole()) await this.withRetries(`blob ${desc.digest.slice(7, 19)}`, async () => {
        const headers: Record<string, string> = {};
        if (received > 0) headers.range = `bytes=${received}-`;
        const res = await this.request(`/v2/${repository}/blobs/${desc.digest}`, `repository:${repository}:pull`, { headers });
        if (TRANSIENT_STATUS.has(res.status)) {
          await res.arrayBuffer();
          throw statusError(res);
        }
        if (!(res.status === 200 || (res.status === 206 && received > 0))) {
          const text = await res.text();
          throw new RuntimeFailure(`blob ${desc.digest}: HTTP ${res.status}${registryErrorText(text)}`, { code: "registry_error" });
        }
        if (res.status === 200 && received > 0) {
          ftruncateSync(fd, 0);
          hasher = new Bun.CryptoHasher("sha256");
          received = 0;
        }
        if (!res.body) throw new TransientError("empty response body");
        try {
          for await (const chunk of res.body) {
            hasher.update(chunk);
            let off = 0;
            while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off, received + off);
            received += chunk.length;
            onProgress?.(received);
          }
        } catch (err) {
          throw new TransientError(`download interrupted: ${errorText(err)}`);
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
