/** `kitten login` / `logout`: credentials are checked against the registry itself (not a mirror) before being stored. */
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { normalizeAuthKey, removeCredentials, saveCredentials, type Credentials } from "./auth.ts";
import { endpointsFor, loadRegistrySettings } from "./registry-config.ts";
import { RegistryClient } from "./registry-client.ts";

export async function login(registry: string, creds: Credentials, paths: KittenPaths = kittenPaths()): Promise<string> {
  const host = normalizeAuthKey(registry);
  const endpoints = endpointsFor(host, loadRegistrySettings(paths));
  const client = new RegistryClient(endpoints[endpoints.length - 1]!, { credentials: creds });
  await client.login();
  return saveCredentials(host, creds, paths);
}

export function logout(registry: string, paths: KittenPaths = kittenPaths()): boolean {
  return removeCredentials(normalizeAuthKey(registry), paths);
}
