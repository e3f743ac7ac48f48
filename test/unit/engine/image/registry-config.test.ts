import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endpointsFor, isLoopbackHost, loadRegistrySettings, parseMirrorEnv } from "../../../../src/engine/image/registry-config.ts";
import { kittenPaths } from "../../../../src/core/paths.ts";

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function withConfig(yaml?: string) {
  root = mkdtempSync(join(tmpdir(), "kitten-regconf-"));
  const paths = kittenPaths({ KITTEN_ROOT: root });
  if (yaml !== undefined) {
    mkdirSync(paths.config, { recursive: true });
    writeFileSync(join(paths.config, "config.yaml"), yaml);
  }
  return paths;
}

describe("registry settings", () => {
  test("reads mirror pairs from KITTEN_REGISTRY_MIRROR", () => {
    expect([...parseMirrorEnv("docker.io=http://127.0.0.1:5000, ghcr.io=mirror.local,docker.io=https://m2")]).toEqual([
      ["docker.io", ["http://127.0.0.1:5000", "https://m2"]],
      ["ghcr.io", ["mirror.local"]],
    ]);
    expect(() => parseMirrorEnv("docker.io")).toThrow("is not registry=mirror");
  });

  test("tries the env mirrors, then the config mirrors, then the registry itself", () => {
    const paths = withConfig('registries:\n  docker.io:\n    mirrors: ["127.0.0.1:5001", {location: "mirror.corp:443", insecure: true}]\n');
    const settings = loadRegistrySettings(paths, { KITTEN_REGISTRY_MIRROR: "docker.io=http://127.0.0.1:5000" });
    expect(endpointsFor("docker.io", settings)).toEqual([
      { host: "127.0.0.1:5000", urls: ["http://127.0.0.1:5000"], mirror: true, insecure: true },
      { host: "127.0.0.1:5001", urls: ["https://127.0.0.1:5001", "http://127.0.0.1:5001"], mirror: true, insecure: true },
      { host: "mirror.corp:443", urls: ["https://mirror.corp:443", "http://mirror.corp:443"], mirror: true, insecure: true },
      { host: "docker.io", urls: ["https://registry-1.docker.io"], mirror: false, insecure: false },
    ]);
  });

  test("uses HTTPS only, unless the host is loopback or configured insecure", () => {
    const settings = loadRegistrySettings(withConfig("registries:\n  reg.internal:5000:\n    insecure: true\n"), {});
    expect(endpointsFor("ghcr.io", settings)[0]!.urls).toEqual(["https://ghcr.io"]);
    expect(endpointsFor("reg.internal:5000", settings)[0]!.urls).toEqual(["https://reg.internal:5000", "http://reg.internal:5000"]);
    expect(endpointsFor("localhost:5000", settings)[0]!.urls).toEqual(["https://localhost:5000", "http://localhost:5000"]);
  });

  test.each([
    ["localhost", true],
    ["localhost:5000", true],
    ["127.0.0.1:5000", true],
    ["127.1.2.3", true],
    ["[::1]:5000", true],
    ["10.0.0.1:5000", false],
    ["localhost.evil.com", false],
  ])("treats %s as loopback: %p", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  test("names the config file when its registries section is invalid", () => {
    const paths = withConfig("registries:\n  docker.io:\n    mirrors: 5\n");
    expect(() => loadRegistrySettings(paths, {})).toThrow(`${join(paths.config, "config.yaml")}: invalid registries settings`);
  });
});
