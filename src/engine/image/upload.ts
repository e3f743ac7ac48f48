/**
 * The push half of the OCI distribution spec (spec.md "Pushing blobs", "Pushing Manifests") over
 * RegistryClient's auth and retries: a HEAD to ask whether the registry has a blob, cross-repository
 * mount (`POST .../blobs/uploads/?mount=<digest>&from=<repo>`: 201 mounted, 202 an ordinary
 * upload session instead), a monolithic upload (POST, then PUT `?digest=` with the whole blob) for
 * blobs up to the chunk size, a chunked one (PATCH with Content-Range per chunk, then PUT
 * `?digest=`) above it, continued after a broken chunk from the offset the registry reports
 * (GET on the session: `Range: 0-<last>`), and the manifest PUT.
 */
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { registryErrorText, statusError, TRANSIENT_STATUS, type RegistryClient } from "./registry-client.ts";

export const DEFAULT_CHUNK_SIZE = 16 << 20;

export interface BlobFile {
  digest: string;
  size: number;
  /** a file holding exactly the blob's bytes */
  path: string;
}

/** A refused push (403 DENIED, 401 after the token exchange) is the user's to fix; other failures are the registry's. */
async function failure(res: Response, what: string, host: string): Promise<Error> {
  const detail = registryErrorText(await res.text());
  if (res.status === 401 || res.status === 403) {
    return new InvalidInputError(`${what}: the registry refused the push (HTTP ${res.status}${detail})`, { code: "registry_denied", hint: `check your access to the repository, or run \`kitten login ${host}\`` });
  }
  return new RuntimeFailure(`${what}: HTTP ${res.status}${detail}`, { code: "registry_error" });
}

export class BlobUploader {
  private readonly scope: string;

  constructor(
    private readonly client: RegistryClient,
    readonly repository: string,
    private readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    this.scope = `repository:${repository}:pull,push`;
  }

  private get host(): string {
    return this.client.endpoint.host;
  }

  /** A Location header as a path under the registry's base URL (upload sessions stay on the registry). */
  private sessionPath(location: string | null, what: string): string {
    if (!location) throw new RuntimeFailure(`${what}: the registry started no upload session (no Location header)`, { code: "registry_error" });
    const base = new URL(this.client.baseUrl!);
    const url = new URL(location, base);
    if (url.origin !== base.origin) {
      throw new RuntimeFailure(`${what}: the registry sent the upload to another host (${url.origin})`, { code: "registry_error", hint: "kitten uploads only to the registry itself" });
    }
    return `${url.pathname}${url.search}`;
  }

  private withDigest(path: string, digest: string): string {
    return `${path}${path.includes("?") ? "&" : "?"}digest=${encodeURIComponent(digest)}`;
  }

  /** Whether the registry has the blob in this repository (HEAD, 200 or 404). */
  async exists(digest: string): Promise<boolean> {
    const what = `blob ${digest.slice(7, 19)}`;
    return this.client.withRetries(what, async () => {
      const res = await this.client.request(`/v2/${this.repository}/blobs/${digest}`, this.scope, { method: "HEAD" });
      if (TRANSIENT_STATUS.has(res.status)) throw statusError(res);
      if (res.status !== 200 && res.status !== 404) throw await failure(res, what, this.host);
      await res.arrayBuffer().catch(() => undefined);
      return res.status === 200;
    });
  }

  /** Starts an upload session; with `mount`, asks the registry to link the blob from another repository instead (true when it did). */
  private async start(what: string, mount?: { digest: string; from: string }): Promise<{ mounted: true } | { mounted: false; path: string }> {
    const query = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : "";
    const scope = mount ? `${this.scope} repository:${mount.from}:pull` : this.scope;
    return this.client.withRetries(what, async () => {
      const res = await this.client.request(`/v2/${this.repository}/blobs/uploads/${query}`, scope, { method: "POST", headers: { "content-length": "0" } });
      if (res.status !== 201 && res.status !== 202) {
        if (TRANSIENT_STATUS.has(res.status)) throw statusError(res);
        throw await failure(res, what, this.host);
      }
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 201 && mount) return { mounted: true as const };
      return { mounted: false as const, path: this.sessionPath(res.headers.get("location"), what) };
    });
  }

  /** Links the blob from `from` on the same registry; false when the registry started an upload instead (which is then dropped). */
  async mount(digest: string, from: string): Promise<boolean> {
    const what = `blob ${digest.slice(7, 19)}`;
    const started = await this.start(what, { digest, from });
    if (started.mounted) return true;
    // a registry without mount support opened a session: cancel it (spec: DELETE ends an upload); best effort
    await this.client.request(started.path, this.scope, { method: "DELETE" }).then((r) => r.arrayBuffer()).catch(() => undefined);
    return false;
  }

  /** Uploads a blob (monolithic up to the chunk size, chunked above), reporting bytes sent. */
  async upload(blob: BlobFile, onProgress?: (sent: number) => void): Promise<void> {
    const what = `blob ${blob.digest.slice(7, 19)}`;
    if (blob.size <= this.chunkSize) {
      // a failed PUT invalidates its session: every attempt starts a new one
      await this.client.withRetries(what, async () => {
        const started = await this.start(what);
        if (started.mounted) return;
        const res = await this.client.request(this.withDigest(started.path, blob.digest), this.scope, {
          method: "PUT",
          headers: { "content-type": "application/octet-stream" },
          body: () => Bun.file(blob.path).slice(0, blob.size),
        });
        await this.finished(res, what);
      });
      onProgress?.(blob.size);
      return;
    }
    const session = await this.start(what);
    if (session.mounted) return;
    let path = session.path;
    let offset = 0;
    let broken = false;
    while (offset < blob.size) {
      await this.client.withRetries(what, async () => {
        if (broken) ({ path, offset } = await this.resumePoint(path, what));
        broken = true;
        if (offset >= blob.size) return;
        const end = Math.min(offset + this.chunkSize, blob.size);
        const from = offset;
        const res = await this.client.request(path, this.scope, {
          method: "PATCH",
          headers: { "content-type": "application/octet-stream", "content-range": `${from}-${end - 1}` },
          body: () => Bun.file(blob.path).slice(from, end),
        });
        if (res.status !== 202) {
          if (TRANSIENT_STATUS.has(res.status)) throw statusError(res);
          throw await failure(res, what, this.host);
        }
        await res.arrayBuffer().catch(() => undefined);
        path = this.sessionPath(res.headers.get("location") ?? path, what);
        offset = end;
        broken = false;
      });
      onProgress?.(offset);
    }
    await this.client.withRetries(what, async () => {
      const res = await this.client.request(this.withDigest(path, blob.digest), this.scope, { method: "PUT", headers: { "content-length": "0" } });
      await this.finished(res, what);
    });
  }

  /** Where a session stands after a broken chunk: GET answers 204 with `Range: 0-<last byte>` (none yet: no Range). */
  private async resumePoint(path: string, what: string): Promise<{ path: string; offset: number }> {
    const res = await this.client.request(path, this.scope);
    if (res.status !== 204) {
      if (TRANSIENT_STATUS.has(res.status)) throw statusError(res);
      throw await failure(res, `${what}: upload status`, this.host);
    }
    await res.arrayBuffer().catch(() => undefined);
    const range = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get("range") ?? "");
    return { path: this.sessionPath(res.headers.get("location") ?? path, what), offset: range ? Number(range[1]) + 1 : 0 };
  }

  private async finished(res: Response, what: string): Promise<void> {
    if (TRANSIENT_STATUS.has(res.status)) {
      await res.arrayBuffer().catch(() => undefined);
      throw statusError(res);
    }
    if (res.status !== 201) throw await failure(res, what, this.host);
    await res.arrayBuffer().catch(() => undefined);
  }

  /** PUT /v2/<repo>/manifests/<tag>; the registry's Docker-Content-Digest must be the digest of the bytes sent. */
  async putManifest(reference: string, manifest: { bytes: Uint8Array; mediaType: string; digest: string }): Promise<void> {
    const what = `manifest ${this.host}/${this.repository}:${reference}`;
    await this.client.withRetries(what, async () => {
      const res = await this.client.request(`/v2/${this.repository}/manifests/${reference}`, this.scope, {
        method: "PUT",
        headers: { "content-type": manifest.mediaType },
        body: () => manifest.bytes,
      });
      await this.finished(res, what);
      const echoed = res.headers.get("docker-content-digest");
      if (echoed && echoed !== manifest.digest) {
        throw new RuntimeFailure(`${what}: the registry stored it as ${echoed}, not ${manifest.digest}`, { code: "digest_mismatch", hint: "the registry or a proxy changed the manifest" });
      }
    });
  }
}
