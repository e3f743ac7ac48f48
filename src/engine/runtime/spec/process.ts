/** The container process as docker resolves it: argv from entrypoint/cmd, env merge, cwd. */
import { posix } from "node:path";
import { InvalidInputError } from "../../../core/errors.ts";
import type { OciImageConfig } from "../../image/types.ts";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * docker semantics: an entrypoint override replaces the image's and also drops the image's Cmd;
 * a command override replaces the image's Cmd; null / [] entrypoint clears it.
 * undefined means "use the image's".
 */
export function resolveArgs(image: OciImageConfig, entrypoint: string[] | null | undefined, command: string[] | null | undefined, name: string): string[] {
  const ep = entrypoint === undefined ? (image.Entrypoint ?? []) : (entrypoint ?? []);
  const cmd = command !== undefined ? (command ?? []) : entrypoint !== undefined ? [] : (image.Cmd ?? []);
  const args = [...ep, ...cmd];
  if (args.length === 0) {
    throw new InvalidInputError(`container "${name}": no command specified`, { hint: "the image has no entrypoint or cmd: give a command after the image" });
  }
  return args;
}

/** Image env, then HOSTNAME/HOME defaults, then the spec's env (later wins); PATH always set. */
export function mergeEnv(imageEnv: string[] = [], specEnv: Record<string, string> = {}, extra: { hostname: string; home: string; tty: boolean }): string[] {
  const env = new Map<string, string>();
  env.set("PATH", DEFAULT_PATH);
  env.set("HOSTNAME", extra.hostname);
  for (const kv of imageEnv) {
    const i = kv.indexOf("=");
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const [k, v] of Object.entries(specEnv)) env.set(k, v);
  if (!env.has("HOME")) env.set("HOME", extra.home);
  if (extra.tty && !env.has("TERM")) env.set("TERM", "xterm");
  return [...env].map(([k, v]) => `${k}=${v}`);
}

export function resolveCwd(image: OciImageConfig, workingDir: string | undefined, name: string): string {
  const dir = workingDir || image.WorkingDir || "/";
  if (!dir.startsWith("/")) throw new InvalidInputError(`container "${name}": working directory "${dir}" must be absolute`);
  const normal = posix.normalize(dir);
  return normal.length > 1 ? normal.replace(/\/+$/, "") : normal;
}
