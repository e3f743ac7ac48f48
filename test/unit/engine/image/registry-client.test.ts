import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient, parseChallenge } from "../../../../src/engine/image/registry-client.ts";
import { RuntimeFailure } from "../../../../src/core/errors.ts";
import type { Endpoint } from "../../../../src/engine/image/registry-config.ts";

const BLOB = new Uint8Array(256 * 1024).map((_, i) => (i * 31) % 251);
const DIGEST = `sha256:${new Bun.CryptoHasher("sha256").update(BLOB).digest("hex")}`;

let server: ReturnType<typeof Bun.serve> | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.stop(true);
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A blob server whose behaviour per request is scripted by `plan` (request index → what to do). */
function serve(plan: (n: number, range: string | null) => "ok" | "cut" | "503" | "429" | "corrupt" | "ignore-range") {
  const seen: { range: string | null; at: number }[] = [];
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/v2/") return new Response("{}");
      const range = req.headers.get("range");
      seen.push({ range, at: performance.now() });
      const what = plan(seen.length, range);
      if (what === "503") return new Response("busy", { status: 503 });
      if (what === "429") return new Response("slow down", { status: 429, headers: { "retry-after": "1" } });
      if (what === "corrupt") return new Response(BLOB.slice().fill(1, 0, 10));
      const start = range && what !== "ignore-range" ? Number(/bytes=(\d+)-/.exec(range)![1]) : 0;
      const body = BLOB.subarray(start);
      if (what === "cut") {
        // send half, then break the connection
        let sent = false;
        const stream = new ReadableStream({
          async pull(controller) {
            if (!sent) {
              sent = true;
              controller.enqueue(body.subarray(0, body.length / 2));
              return;
            }
            await Bun.sleep(30);
            controller.error(new Error("connection reset"));
          },
        });
        return new Response(stream, { headers: { "content-length": String(body.length) } });
      }
      return new Response(body, { status: start > 0 ? 206 : 200, headers: start > 0 ? { "content-range": `bytes ${start}-${BLOB.length - 1}/${BLOB.length}` } : {} });
    },
  });
  const endpoint: Endpoint = { host: `127.0.0.1:${server.port}`, urls: [`http://127.0.0.1:${server.port}`], mirror: false, insecure: true };
  dir = mkdtempSync(join(tmpdir(), "kitten-client-"));
  return { seen, client: new RegistryClient(endpoint, { backoffMs: 1 }), file: join(dir, "blob") };
}

describe("registry client downloads", () => {
  test("resumes an interrupted download with a Range request and verifies the whole blob", async () => {
    const { seen, client, file } = serve((n) => (n === 1 ? "cut" : "ok"));
    await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file);
    expect(new Uint8Array(readFileSync(file))).toEqual(BLOB);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(seen[1]!.range!)![0])).toBeGreaterThan(0);
  });

  test("continues after the bytes an earlier, killed pull left in the file", async () => {
    const { seen, client, file } = serve(() => "ok");
    writeFileSync(file, BLOB.slice(0, 100_000));
    await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file);
    expect(new Uint8Array(readFileSync(file))).toEqual(BLOB);
    expect(seen.map((r) => r.range)).toEqual(["bytes=100000-"]);
  });

  test("only verifies a file that is already complete, and fetches again one whose bytes are wrong", async () => {
    const { seen, client, file } = serve(() => "ok");
    writeFileSync(file, BLOB);
    await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file);
    expect(seen).toHaveLength(0);
    writeFileSync(file, new Uint8Array(BLOB.length).fill(7));
    await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file);
    expect(new Uint8Array(readFileSync(file))).toEqual(BLOB);
    expect(seen.map((r) => r.range)).toEqual([null]);
  });

  test("restarts from zero when the server ignores the Range request", async () => {
    const { seen, client, file } = serve((n) => (n === 1 ? "cut" : "ignore-range"));
    await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file);
    expect(new Uint8Array(readFileSync(file))).toEqual(BLOB);
    expect(seen).toHaveLength(2);
  });

  test("retries transient server errors with backoff", async () => {
    const { seen, client, file } = serve((n) => (n <= 2 ? "503" : "ok"));
    await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file);
    expect(seen).toHaveLength(3);
  });

  test("waits as long as Retry-After asks before retrying a 429", async () => {
    const { seen, client, file } = serve((n) => (n === 1 ? "429" : "ok"));
    await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(900);
  });

  test("gives up after the last attempt and says why", async () => {
    const { seen, client, file } = serve(() => "503");
    const err = await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file).catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeFailure);
    expect(err.message).toContain(`answered 503 with the text "busy" (after 4 attempts)`);
    expect(seen).toHaveLength(4);
  });

  test("refuses content that does not match the digest", async () => {
    const { client, file } = serve(() => "corrupt");
    const err = await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, file).catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeFailure);
    expect(err.code).toBe("digest_mismatch");
  });
});

describe("blob redirects", () => {
  test("follows a storage redirect without sending the registry credentials there", async () => {
    const storageSaw: (string | null)[] = [];
    const storage = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        storageSaw.push(req.headers.get("authorization"));
        return new Response(BLOB);
      },
    });
    const registrySaw: (string | null)[] = [];
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        const auth = req.headers.get("authorization");
        registrySaw.push(auth);
        if (!auth) return new Response("{}", { status: 401, headers: { "www-authenticate": 'Basic realm="test"' } });
        if (new URL(req.url).pathname === "/v2/") return new Response("{}");
        return new Response(null, { status: 307, headers: { location: `http://127.0.0.1:${storage.port}/signed/blob?sig=abc` } });
      },
    });
    try {
      dir = mkdtempSync(join(tmpdir(), "kitten-client-"));
      const endpoint: Endpoint = { host: `127.0.0.1:${server.port}`, urls: [`http://127.0.0.1:${server.port}`], mirror: false, insecure: true };
      const client = new RegistryClient(endpoint, { credentials: { username: "u", password: "secret" } });
      await client.downloadBlob("lib/x", { digest: DIGEST, size: BLOB.length }, join(dir, "blob"));
      expect(new Uint8Array(readFileSync(join(dir, "blob")))).toEqual(BLOB);
      expect(registrySaw.some((a) => a?.startsWith("Basic "))).toBe(true);
      expect(storageSaw).toEqual([null]);
    } finally {
      await storage.stop(true);
    }
  });
});

describe("WWW-Authenticate challenges", () => {
  test.each([
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"', "bearer", { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/nginx:pull" }],
    ['Bearer realm="https://ghcr.io/token",scope="repository:a/b:pull,push",service="ghcr.io"', "bearer", { realm: "https://ghcr.io/token", scope: "repository:a/b:pull,push", service: "ghcr.io" }],
    ['Basic realm="Registry Realm"', "basic", { realm: "Registry Realm" }],
    ["Basic realm=plain", "basic", { realm: "plain" }],
  ])("parses %s", (header, scheme, params) => {
    expect(parseChallenge(header)).toEqual({ scheme, params });
  });
});
