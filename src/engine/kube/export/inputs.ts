/**
 * What export reads before mapping (host side, the only I/O of an export): the configs of images
 * already in kitten's store (for EXPOSE and HEALTHCHECK; nothing is pulled), the files of bind
 * mounts (they become ConfigMaps), and the loader's env-file keys and ignored keys.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { KittenPaths } from "../../../core/paths.ts";
import type { LoadedProject } from "../../compose/index.ts";
import { isRootfsPath } from "../../compose/kitten-format.ts";
import type { OciImageConfig } from "../../image/types.ts";
import type { ExportInputs, HostPath } from "./types.ts";
import { parseDotenv } from "../../compose/dotenv.ts";

/** Directories are read one level deep and only while small: a ConfigMap holds 1 MiB. */
const READ_LIMIT = 2 * 1024 * 1024;

export function readHostPath(path: string): HostPath {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return { kind: "missing" };
  }
  if (st.isFile()) return st.size > READ_LIMIT ? { kind: "other", why: `${st.size} bytes is more than a ConfigMap holds (1 MiB)` } : { kind: "file", content: new Uint8Array(readFileSync(path)) };
  if (st.isSocket()) return { kind: "other", why: "a socket cannot be shipped to a cluster" };
  if (!st.isDirectory()) return { kind: "other", why: "not a regular file or directory" };
  const files: Record<string, Uint8Array> = {};
  const skipped: string[] = [];
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile()) {
      skipped.push(entry.isDirectory() ? `${entry.name}/` : entry.name);
      continue;
    }
    const content = readFileSync(join(path, entry.name));
    total += content.byteLength;
    if (total > READ_LIMIT) return { kind: "other", why: "more than a ConfigMap holds (1 MiB)" };
    files[entry.name] = new Uint8Array(content);
  }
  return { kind: "dir", files, skipped };
}

/** Image configs of the project's images that are present in kitten's store (opened only if it exists). */
export async function storedImageConfigs(paths: KittenPaths, refs: string[]): Promise<Record<string, OciImageConfig>> {
  const out: Record<string, OciImageConfig> = {};
  if (!existsSync(join(paths.data, "state.db")) || refs.length === 0) return out;
  const [{ ImageStore }, { parseReference }, { storedName }] = await Promise.all([import("../../image/store.ts"), import("../../image/reference.ts"), import("../../image/pull.ts")]);
  const store = new ImageStore(paths);
  for (const ref of refs) {
    try {
      const record = store.find(storedName(parseReference(ref)));
      if (record) out[ref] = (record.config.config ?? {}) as OciImageConfig;
    } catch {
      // a reference the store cannot parse is reported by the mapping (image: as written)
    }
  }
  return out;
}

export async function gatherInputs(loaded: LoadedProject, paths: KittenPaths, env: Record<string, string | undefined> = process.env): Promise<ExportInputs> {
  const services = Object.values(loaded.project.services);
  const refs = [...new Set(services.flatMap((s) => (s.image && !isRootfsPath(s.image) ? [s.image] : [])))];
  const hostPaths: ExportInputs["hostPaths"] = {};
  for (const s of services) for (const m of s.volumes ?? []) if (m.type === "bind" && m.source) hostPaths[m.source] ??= readHostPath(m.source);
  return { imageConfigs: await storedImageConfigs(paths, refs), hostPaths, envFiles: loaded.envFiles ?? {}, ignoredKeys: loaded.ignoredKeys ?? {}, fileSources: fileSources(loaded, env) };
}

/**
 * The values of the project's secrets and configs: a file's bytes, the content, or the variable
 * of the project environment (the shell over the project's .env, as the loader reads them).
 */
function fileSources(loaded: LoadedProject, env: Record<string, string | undefined>): ExportInputs["fileSources"] {
  const out: ExportInputs["fileSources"] = {};
  let dotenv: Record<string, string> | undefined;
  const lookup = (k: string): string | undefined => {
    if (env[k] !== undefined) return env[k];
    if (dotenv === undefined) {
      const file = join(loaded.workingDir, ".env");
      try {
        dotenv = existsSync(file) ? parseDotenv(readFileSync(file, "utf8"), (x) => env[x]) : {};
      } catch {
        dotenv = {};
      }
    }
    return dotenv[k];
  };
  for (const kind of ["secret", "config"] as const) {
    for (const [key, def] of Object.entries((kind === "secret" ? loaded.project.secrets : loaded.project.configs) ?? {})) {
      let value: Uint8Array | undefined;
      if (def.content !== undefined) value = new TextEncoder().encode(def.content);
      else if (def.environment !== undefined) {
        const v = lookup(def.environment);
        if (v !== undefined) value = new TextEncoder().encode(v);
      } else if (def.file !== undefined) {
        const h = readHostPath(def.file);
        if (h.kind === "file") value = h.content;
      }
      if (value !== undefined) out[`${kind}:${key}`] = value;
    }
  }
  return out;
}
