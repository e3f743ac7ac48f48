/**
 * BlobUploader against a scripted registry (Bun.serve on 127.0.0.1) that keeps upload sessions
 * the way distribution does: POST opens one (or mounts), PATCH appends a Content-Range chunk that
 * must start where the session stands, GET reports `Range: 0-<last>`, PUT ?digest= closes it and
 * checks the digest. Faults are injected per request to exercise retries and resumption.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient } from "../../../../src/engine/image/registry-client.ts";
import { BlobUploader } from "../../../../src/engine/image/upload.ts";
import { InvalidInputError, RuntimeFailure } from "../../../../src/core/errors.ts";

const sha = (b: Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;
const BLOB = new Uint8Array(100_000).map((_, i) => (i * 7) % 253);
const DIGEST = sha(BLOB);

let server: ReturnType<typeof Bun.serve> | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.stop(true);
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

type Fault = "none" | "503-before" | "500-after-store" | "deny";

interface FakeRegistry {
  blobs: Map<string, Uint8Array>;
  manifests: Map<string, { bytes: Uint8Array; type: string }>;
  log: string[];
}

/** `fault(method, n)` decides per request (n counts requests of that method). */
function fakeRegistry(options: { fault?: (method: string, n: number) => Fault; mountable?: boolean; rewriteManifest?: boolean } = {}): FakeRegistry {
  const state: FakeRegistry = { blobs: new Map(), manifests: new Map(), log: [] };
  const sessions = new Map<string, Uint8Array[]>();
  const counts = new Map<string, number>();
  let nextId = 0;
  const size = (parts: Uint8Array[]) => parts.reduce((n, p) => n + p.length, 0);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const n = (counts.get(req.method) ?? 0) + 1;
      counts.set(req.method, n);
      state.log.push(`${req.method} ${url.pathname}${url.search}`);
      if (url.pathname === "/v2/") return new Response("{}");
      const fault = options.fault?.(req.method, n) ?? "none";
      if (fault === "deny") return Response.json({ errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] }, { status: 403 });
      if (fault === "503-before") return new Response("busy", { status: 503 });
      const blob = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]+)$/.exec(url.pathname);
      if (blob && req.method === "HEAD") return new Response(null, { status: state.blobs.has(`${blob[1]}@${blob[2]}`) ? 200 : 404 });
      const start = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(url.pathname);
      if (start && req.method === "POST") {
        const mount = url.searchParams.get("mount");
        const from = url.searchParams.get("from");
        if (mount && from && options.mountable && state.blobs.has(`${from}@${mount}`)) {
          state.blobs.set(`${start[1]}@${mount}`, state.blobs.get(`${from}@${mount}`)!);
          return new Response(null, { status: 201 });
        }
        const id = String(++nextId);
        sessions.set(id, []);
        return new Response(null, { status: 202, headers: { location: `/v2/${start[1]}/blobs/uploads/${id}?_state=x${id}` } });
      }
      const session = /^\/v2\/(.+)\/blobs\/uploads\/(\d+)$/.exec(url.pathname);
      if (session) {
        const parts = sessions.get(session[2]!);
        if (!parts) return Response.json({ errors: [{ code: "BLOB_UPLOAD_UNKNOWN" }] }, { status: 404 });
        const range = () => (size(parts) > 0 ? { range: `0-${size(parts) - 1}` } : undefined);
        if (req.method === "DELETE") {
          sessions.delete(session[2]!);
          return new Response(null, { status: 204 });
        }
        if (req.method === "GET") return new Response(null, { status: 204, headers: { location: url.pathname, ...range() } });
        const body = new Uint8Array(await req.arrayBuffer());
        if (req.method === "PATCH") {
          const cr = /^(\d+)-(\d+)$/.exec(req.headers.get("content-range") ?? "");
          if (!cr || Number(cr[1]) !== size(parts) || Number(cr[2]) - Number(cr[1]) + 1 !== body.length) return new Response(null, { status: 416 });
          parts.push(body);
          if (fault === "500-after-store") return new Response("lost", { status: 500 });
          return new Response(null, { status: 202, headers: { location: url.pathname, ...range() } });
        }
        if (req.method === "PUT") {
          parts.push(body);
          const all = new Uint8Array(size(parts));
          let off = 0;
          for (const p of parts) {
            all.set(p, off);
            off += p.length;
          }
          if (sha(all) !== url.searchParams.get("digest")) return Response.json({ errors: [{ code: "DIGEST_INVALID" }] }, { status: 400 });
          sessions.delete(session[2]!);
          state.blobs.set(`${session[1]}@${sha(all)}`, all);
          return new Response(null, { status: 201 });
        }
      }
      const manifest = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
      if (manifest && req.method === "PUT") {
        const bytes = new Uint8Array(await req.arrayBuffer());
        state.manifests.set(`${manifest[1]}:${manifest[2]}`, { bytes, type: req.headers.get("content-type") ?? "" });
        const digest = options.rewriteManifest ? sha(new Uint8Array([...bytes, 10])) : sha(bytes);
        return new Response(null, { status: 201, headers: { "docker-content-digest": digest } });
      }
      return new Response("not found", { status: 404 });
    },
  });
  return state;
}

function uploader(chunkSize?: number): BlobUploader {
  const client = new RegistryClient({ host: `127.0.0.1:${server!.port}`, urls: [`http://127.0.0.1:${server!.port}`], mirror: false, insecure: true }, { backoffMs: 1 });
  return new BlobUploader(client, "team/app", chunkSize);
}

function blobFile(): { digest: string; size: number; path: string } {
  dir = mkdtempSync(join(tmpdir(), "kitten-upload-"));
  const path = join(dir, "blob");
  writeFileSync(path, BLOB);
  return { digest: DIGEST, size: BLOB.length, path };
}

describe("BlobUploader", () => {
  test("a blob up to the chunk size goes up monolithically: POST, then one PUT with the digest", async () => {
    const reg = fakeRegistry();
    const up = uploader();
    expect(await up.exists(DIGEST)).toBe(false);
    const sent: number[] = [];
    await up.upload(blobFile(), (n) => sent.push(n));
    expect(reg.blobs.get(`team/app@${DIGEST}`)).toEqual(BLOB);
    expect(reg.log.filter((l) => !l.startsWith("HEAD") && l !== "GET /v2/")).toEqual([
      "POST /v2/team/app/blobs/uploads/",
      `PUT /v2/team/app/blobs/uploads/1?_state=x1&digest=${encodeURIComponent(DIGEST)}`,
    ]);
    expect(sent).toEqual([BLOB.length]);
    expect(await up.exists(DIGEST)).toBe(true);
  });

  test("a bigger blob goes up in Content-Range chunks, then a PUT without a body", async () => {
    const reg = fakeRegistry();
    const sent: number[] = [];
    await uploader(30_000).upload(blobFile(), (n) => sent.push(n));
    expect(reg.blobs.get(`team/app@${DIGEST}`)).toEqual(BLOB);
    expect(reg.log.filter((l) => l.startsWith("PATCH")).length).toBe(4);
    expect(sent).toEqual([30_000, 60_000, 90_000, 100_000]);
  });

  test("a chunk refused with 503 is sent again from where the registry stands", async () => {
    const reg = fakeRegistry({ fault: (method, n) => (method === "PATCH" && n === 2 ? "503-before" : "none") });
    await uploader(30_000).upload(blobFile());
    expect(reg.blobs.get(`team/app@${DIGEST}`)).toEqual(BLOB);
    // the status asked after the failure, then the same chunk again
    expect(reg.log.some((l) => l.startsWith("GET /v2/team/app/blobs/uploads/1"))).toBe(true);
  });

  test("a chunk the registry stored but answered 500 is not sent twice: the upload goes on after it", async () => {
    const reg = fakeRegistry({ fault: (method, n) => (method === "PATCH" && n === 2 ? "500-after-store" : "none") });
    await uploader(30_000).upload(blobFile());
    expect(reg.blobs.get(`team/app@${DIGEST}`)).toEqual(BLOB);
    expect(reg.log.filter((l) => l.startsWith("PATCH")).length).toBe(4);
  });

  test("a mount from a repository holding the blob links it (201); a registry that opens a session instead gets it cancelled", async () => {
    const reg = fakeRegistry({ mountable: true });
    reg.blobs.set(`other/app@${DIGEST}`, BLOB);
    expect(await uploader().mount(DIGEST, "other/app")).toBe(true);
    expect(reg.blobs.get(`team/app@${DIGEST}`)).toEqual(BLOB);
    expect(await uploader().mount(DIGEST, "nowhere/app")).toBe(false);
    expect(reg.log.at(-1)).toMatch(/^DELETE \/v2\/team\/app\/blobs\/uploads\/\d+/);
  });

  test("the manifest is put under its tag with its media type; a registry storing other bytes is an error", async () => {
    const reg = fakeRegistry();
    const bytes = new TextEncoder().encode('{"schemaVersion":2}');
    const manifest = { bytes, mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(bytes) };
    await uploader().putManifest("1", manifest);
    expect(reg.manifests.get("team/app:1")).toEqual({ bytes, type: manifest.mediaType });
    await server!.stop(true);
    fakeRegistry({ rewriteManifest: true });
    const err = await uploader().putManifest("1", manifest).catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeFailure);
    expect(err.message).toContain("the registry stored it as");
  });

  test("a push the registry denies is an exit-2 error naming the repository's registry, not a retry", async () => {
    const reg = fakeRegistry({ fault: (method) => (method === "POST" ? "deny" : "none") });
    const err = await uploader().upload(blobFile()).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toContain("the registry refused the push (HTTP 403: denied requested access to the resource is denied)");
    expect(err.hint).toContain("kitten login 127.0.0.1:");
    expect(reg.log.filter((l) => l.startsWith("POST")).length).toBe(1);
  });
});
