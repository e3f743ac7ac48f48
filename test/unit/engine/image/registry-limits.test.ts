/**
 * The registry client against a registry that misbehaves on purpose (test/fixtures/hostile-registry.ts):
 * every case ends quickly with a RuntimeFailure or InvalidInputError naming the registry, with a
 * hint, and never buffers more than its limit (#14).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient } from "../../../../src/engine/image/registry-client.ts";
import { summariseBody } from "../../../../src/engine/image/http-limits.ts";
import { startHostileRegistry, type HostileRegistry } from "../../../fixtures/hostile-registry.ts";

let reg: HostileRegistry;
let dir: string;
beforeAll(() => {
  reg = startHostileRegistry();
  dir = mkdtempSync(join(tmpdir(), "kitten-hostile-"));
});
afterAll(() => {
  reg.stop();
  rmSync(dir, { recursive: true, force: true });
});

const client = () =>
  new RegistryClient({ host: reg.host, urls: [`http://${reg.host}`], mirror: false, insecure: true }, { attempts: 2, backoffMs: 1, timeouts: { responseMs: 300, stallMs: 300 } });

describe("manifests", () => {
  test.each([
    ["huge-manifest", "the manifest of huge-manifest:latest is larger than 4 MiB"],
    ["endless-manifest", "the manifest of endless-manifest:latest is larger than 4 MiB"],
    ["silent", "sent nothing for 0.3 s (after 2 attempts)"],
    ["stall-manifest", "sent nothing for 0.3 s (after 2 attempts)"],
    ["redirect-loop", "more than 10 redirects"],
    ["redirect-file", "redirected to a file address"],
    ["html-401", "it answered 401 with an HTML page and no WWW-Authenticate challenge"],
    ["html-500", "answered 500 with an HTML page (after 2 attempts)"],
    ["token-html", "token service answered with an HTML page instead of a token"],
  ])("%s: %s", async (scenario, message) => {
    const t0 = performance.now();
    const err = (await client().getManifest(scenario, "latest").catch((e) => e)) as { message: string; hint?: string; exitCode?: number };
    expect(err.message).toContain(message);
    expect(err.message).toContain(reg.host);
    expect(err.hint).toBeDefined();
    expect([1, 2]).toContain(err.exitCode!);
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  test("a good manifest still comes through", async () => {
    const m = await client().getManifest("good", "latest");
    expect(JSON.parse(new TextDecoder().decode(m.bytes)).schemaVersion).toBe(2);
  });
});

describe("blobs", () => {
  test("a blob that goes on past its declared size is cut there, and the file never grows beyond it", async () => {
    const file = join(dir, "endless");
    const m = JSON.parse(new TextDecoder().decode((await client().getManifest("layer-endless", "latest")).bytes));
    const err = (await client().downloadBlob("layer-endless", m.layers[0], file).catch((e) => e)) as { message: string; code: string };
    expect(err.code).toBe("digest_mismatch");
    expect(err.message).toContain("is longer than the 1024 bytes its manifest declares");
    expect(statSync(file).size).toBeLessThanOrEqual(1024);
  });

  test("a blob that stalls is given up on after its retries, naming the registry", async () => {
    const m = JSON.parse(new TextDecoder().decode((await client().getManifest("layer-stall", "latest")).bytes));
    const err = (await client().downloadBlob("layer-stall", m.layers[0], join(dir, "stall")).catch((e) => e)) as { message: string };
    expect(err.message).toContain(`registry ${reg.host}: blob`);
    expect(err.message).toContain("sent nothing for 0.3 s (after 2 attempts)");
  });
});

describe("summaries of bodies that are not what was asked", () => {
  const enc = new TextEncoder();
  test.each([
    ["<!DOCTYPE html><html>…", null, "an HTML page"],
    ["<html><body>x</body></html>", "text/plain", "an HTML page"],
    ["whatever", "text/html; charset=utf-8", "an HTML page"],
    ['{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}', "application/json", "the error DENIED: requested access to the resource is denied"],
    ['{"x":1}', "application/json", "JSON that is not a registry error"],
    ["", null, "an empty body"],
    ["busy\nmore", null, 'the text "busy"'],
    ["a\u0007b\u001b[31mred", null, 'the text "a b [31mred"'],
  ])("%p is %p", (body, type, summary) => {
    expect(summariseBody(enc.encode(body), type)).toBe(summary);
  });
  test("binary data is counted, not shown", () => {
    expect(summariseBody(new Uint8Array([0, 1, 2, 255]), null)).toBe("4 bytes of binary data");
  });
});
