/**
 * Registry credentials: kitten's own file ($config/auth.json, mode 0600, written by `kitten login`)
 * first, then the files users already have — $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json
 * (podman, skopeo) and ~/.docker/config.json (or $DOCKER_CONFIG/config.json). All share docker's
 * `{"auths": {"<host>": {"auth": base64("user:password")}}}` shape. Secrets never leave this module
 * except as an Authorization header value; nothing here logs or prints them.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../core/atomic-file.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { DEFAULT_REGISTRY } from "./reference.ts";

export interface Credentials {
  username: string;
  password: string;
}

type Env = Record<string, string | undefined>;
type AuthFile = { auths?: Record<string, { auth?: string; username?: string; password?: string }> } & Record<string, unknown>;

export function kittenAuthFile(paths: KittenPaths = kittenPaths()): string {
  return join(paths.config, "auth.json");
}

/** Files searched for credentials, in order. */
export function authFiles(paths: KittenPaths = kittenPaths(), env: Env = process.env): string[] {
  const files = [kittenAuthFile(paths)];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  files.push(join(env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker"), "config.json"));
  return files;
}

/** `https://index.docker.io/v1/` → docker.io, `http://host:5000/v2/` → host:5000. */
export function normalizeAuthKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, "").split("/")[0]!;
  if (host === "index.docker.io" || host === "registry-1.docker.io") return DEFAULT_REGISTRY;
  return host;
}

function readAuthFile(file: string): AuthFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as AuthFile;
  } catch {
    throw new InvalidInputError(`credentials file ${file} is not valid JSON`, { code: "bad_auth_file", hint: `fix or remove ${file}` });
  }
}

function decode(entry: { auth?: string; username?: string; password?: string }): Credentials | undefined {
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const text = Buffer.from(entry.auth, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function findCredentials(host: string, paths: KittenPaths = kittenPaths(), env: Env = process.env): Credentials | undefined {
  const wanted = normalizeAuthKey(host);
  for (const file of authFiles(paths, env)) {
    const auths = readAuthFile(file)?.auths ?? {};
    for (const [key, entry] of Object.entries(auths)) {
      if (normalizeAuthKey(key) !== wanted) continue;
      const creds = decode(entry);
      if (creds) return creds;
    }
  }
  return undefined;
}

export function saveCredentials(host: string, creds: Credentials, paths: KittenPaths = kittenPaths()): string {
  const file = kittenAuthFile(paths);
  mkdirSync(paths.config, { recursive: true, mode: 0o700 });
  const data = readAuthFile(file) ?? {};
  const auths = { ...(data.auths ?? {}) };
  const key = normalizeAuthKey(host);
  for (const k of Object.keys(auths)) if (normalizeAuthKey(k) === key) delete auths[k];
  auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") };
  writeFileAtomic(file, `${JSON.stringify({ ...data, auths }, null, 2)}\n`, 0o600);
  return file;
}

/** Removes kitten's stored credentials for a host; false when there were none. */
export function removeCredentials(host: string, paths: KittenPaths = kittenPaths()): boolean {
  const file = kittenAuthFile(paths);
  const data = readAuthFile(file);
  if (!data?.auths) return false;
  const key = normalizeAuthKey(host);
  const auths = Object.fromEntries(Object.entries(data.auths).filter(([k]) => normalizeAuthKey(k) !== key));
  if (Object.keys(auths).length === Object.keys(data.auths).length) return false;
  writeFileAtomic(file, `${JSON.stringify({ ...data, auths }, null, 2)}\n`, 0o600);
  return true;
}
