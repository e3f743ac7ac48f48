import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCredentials, normalizeAuthKey, removeCredentials, saveCredentials } from "../../../../src/engine/image/auth.ts";
import { kittenPaths } from "../../../../src/core/paths.ts";

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("registry credentials", () => {
  test.each([
    ["https://index.docker.io/v1/", "docker.io"],
    ["index.docker.io", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
    ["http://127.0.0.1:5000/v2/", "127.0.0.1:5000"],
    ["ghcr.io", "ghcr.io"],
  ])("keys %s as %s", (key, host) => {
    expect(normalizeAuthKey(key)).toBe(host);
  });

  test("prefers kitten's own file, then REGISTRY_AUTH_FILE, containers' auth.json, docker's config", () => {
    root = mkdtempSync(join(tmpdir(), "kitten-auth-"));
    const paths = kittenPaths({ KITTEN_ROOT: join(root, "k") });
    const write = (file: string, user: string) => {
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: b64(`${user}:pw:with:colons`) } } }));
    };
    const env = { HOME: join(root, "home"), REGISTRY_AUTH_FILE: join(root, "reg.json"), XDG_RUNTIME_DIR: join(root, "run") };
    write(join(root, "home/.docker/config.json"), "docker");
    expect(findCredentials("docker.io", paths, env)).toEqual({ username: "docker", password: "pw:with:colons" });
    write(join(root, "run/containers/auth.json"), "podman");
    expect(findCredentials("docker.io", paths, env)?.username).toBe("podman");
    write(join(root, "reg.json"), "env");
    expect(findCredentials("docker.io", paths, env)?.username).toBe("env");
    saveCredentials("index.docker.io", { username: "kitten", password: "secret" }, paths);
    expect(findCredentials("docker.io", paths, env)).toEqual({ username: "kitten", password: "secret" });
    expect(findCredentials("ghcr.io", paths, env)).toBeUndefined();
  });

  /** A docker credential helper as a real executable on PATH: known hosts from a JSON map, "fail" for one host. */
  function helper(dir: string, name: string, secrets: Record<string, [string, string]>) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `docker-credential-${name}`);
    const table = Object.entries(secrets).map(([url, [u, p]]) => `  "${url}") echo '{"ServerURL":"${url}","Username":"${u}","Secret":"${p}"}' ;;`).join("\n");
    writeFileSync(file, `#!/bin/sh\n[ "$1" = get ] || exit 2\nread url\ncase "$url" in\n${table}\n  broken.example) echo "keychain locked" >&2; exit 1 ;;\n  *) echo "credentials not found in native keychain"; exit 1 ;;\nesac\n`);
    chmodSync(file, 0o755);
  }

  test("asks docker credential helpers: credHelpers for a host first, then the file's auths, then credsStore", () => {
    root = mkdtempSync(join(tmpdir(), "kitten-auth-"));
    const paths = kittenPaths({ KITTEN_ROOT: join(root, "k") });
    const bin = join(root, "bin");
    helper(bin, "pass", { "ghcr.io": ["gh-user", "gh-token"] });
    helper(bin, "desktop", { "https://index.docker.io/v1/": ["hub-user", "hub-token"], "quay.io": ["quay-store", "q"] });
    const env = { HOME: join(root, "home"), PATH: `${bin}:/usr/bin:/bin` };
    mkdirSync(join(root, "home/.docker"), { recursive: true });
    writeFileSync(
      join(root, "home/.docker/config.json"),
      JSON.stringify({ credsStore: "desktop", credHelpers: { "ghcr.io": "pass", "broken.example": "pass" }, auths: { "quay.io": { auth: b64("quay-file:f") } } }),
    );
    expect(findCredentials("ghcr.io", paths, env)).toEqual({ username: "gh-user", password: "gh-token" });
    expect(findCredentials("docker.io", paths, env)).toEqual({ username: "hub-user", password: "hub-token" });
    expect(findCredentials("quay.io", paths, env)).toEqual({ username: "quay-file", password: "f" });
    // "not found" from the store: anonymous
    expect(findCredentials("127.0.0.1:5000", paths, env)).toBeUndefined();
    // a helper that fails otherwise is named
    expect(() => findCredentials("broken.example", paths, env)).toThrow(`credential helper docker-credential-pass (named in ${join(root, "home/.docker/config.json")}) failed for broken.example`);
    // a helper that is not installed: no credentials from it
    expect(findCredentials("ghcr.io", paths, { ...env, PATH: "/usr/bin:/bin" })).toBeUndefined();
  });

  test("stores credentials 0600 under the registry's host and removes them", () => {
    root = mkdtempSync(join(tmpdir(), "kitten-auth-"));
    const paths = kittenPaths({ KITTEN_ROOT: root });
    const file = saveCredentials("http://127.0.0.1:5000", { username: "u", password: "p" }, paths);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ auths: { "127.0.0.1:5000": { auth: b64("u:p") } } });
    expect(removeCredentials("127.0.0.1:5000", paths)).toBe(true);
    expect(removeCredentials("127.0.0.1:5000", paths)).toBe(false);
    expect(findCredentials("127.0.0.1:5000", paths, { HOME: root })).toBeUndefined();
  });
});
