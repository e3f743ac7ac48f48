/**
 * Registry credentials: kitten's own file ($config/auth.json, mode 0600, written by `kitten login`)
 * first, then the files users already have — $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json
 * (podman, skopeo) and ~/.docker/config.json (or $DOCKER_CONFIG/config.json). All share docker's
 * `{"auths": {"<host>": {"auth": base64("user:password")}}}` shape; a file may also name docker
 * credential helpers (`credHelpers` per host, `credsStore` for all), asked as docker does:
 * `docker-credential-<name> get` with the server URL on stdin, JSON {Username, Secret} out.
 * Secrets never leave this module except as an Authorization header value; nothing here logs or
 * prints them.
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
type AuthFile = {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
} & Record<string, unknown>;

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
    const data = readAuthFile(file);
    if (!data) continue;
    // docker's order: a helper for this host, then the file's entry, then the default store
    const helper = Object.entries(data.credHelpers ?? {}).find(([key]) => normalizeAuthKey(key) === wanted)?.[1];
    if (helper) {
      const creds = askHelper(helper, wanted, file, env);
      if (creds) return creds;
    }
    for (const [key, entry] of Object.entries(data.auths ?? {})) {
      if (normalizeAuthKey(key) !== wanted) continue;
      const creds = decode(entry);
      if (creds) return creds;
    }
    if (data.credsStore) {
      const creds = askHelper(data.credsStore, wanted, file, env);
      if (creds) return creds;
    }
  }
  return undefined;
}

/**
 * `docker-credential-<name> get`. An absent helper or "not found" means no credentials here
 * (an anonymous pull may still work); a helper that fails otherwise is an error naming it.
 */
function askHelper(name: string, host: string, file: string, env: Env): Credentials | undefined {
  const program = `docker-credential-${name}`;
  // docker stores docker.io under its v1 index URL
  const serverUrl = host === DEFAULT_REGISTRY ? "https://index.docker.io/v1/" : host;
  let r: { exitCode: number; stdout?: Buffer; stderr?: Buffer };
  try {
    r = Bun.spawnSync([program, "get"], { stdin: new TextEncoder().encode(serverUrl), stdout: "pipe", stderr: "pipe", env: env as Record<string, string> });
  } catch {
    return undefined; // not installed
  }
  const out = (r.stdout ?? "").toString().trim();
  if (r.exitCode !== 0) {
    if (/credentials not found/i.test(out + (r.stderr ?? "").toString())) return undefined;
    throw new InvalidInputError(`credential helper ${program} (named in ${file}) failed for ${host}`, {
      code: "credential_helper",
      hint: `run \`echo ${serverUrl} | ${program} get\` to see why, or remove it from ${file}`,
    });
  }
  try {
    const reply = JSON.parse(out) as { Username?: string; Secret?: string };
    if (reply.Username && reply.Secret) return { username: reply.Username, password: reply.Secret };
  } catch {}
  throw new InvalidInputError(`credential helper ${program} (named in ${file}) gave no username and secret for ${host}`, {
    code: "credential_helper",
    hint: `check its output with \`echo ${serverUrl} | ${program} get\``,
  });
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
