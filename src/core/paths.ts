/**
 * Where kitten keeps things (DESIGN.md "Paths"): persistent state under $XDG_DATA_HOME/kitten,
 * runtime files under $XDG_RUNTIME_DIR/kitten (falling back to a 0700 dir under /tmp), config
 * under $XDG_CONFIG_HOME/kitten. KITTEN_ROOT overrides all three so tests isolate themselves.
 */
import { mkdirSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

export interface KittenPaths {
  /** images, volumes, state.db */
  data: string;
  /** sockets, pid files, per-project namespace dirs; wiped by reboot */
  runtime: string;
  /** config.yaml, auth */
  config: string;
}

type Env = Record<string, string | undefined>;

export function kittenPaths(env: Env = process.env): KittenPaths {
  const root = env.KITTEN_ROOT;
  if (root) {
    return { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  }
  const home = env.HOME || homedir();
  const data = join(env.XDG_DATA_HOME || join(home, ".local", "share"), "kitten");
  const config = join(env.XDG_CONFIG_HOME || join(home, ".config"), "kitten");
  return { data, runtime: runtimeBase(env), config };
}

function runtimeBase(env: Env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && isWritableDir(xdg)) return join(xdg, "kitten");
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  return join(tmpdir(), `kitten-${uid}`);
}

function isWritableDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** mkdir -p with a mode (0700 by default: runtime dirs hold sockets and secrets). */
export function ensureDir(path: string, mode = 0o700): string {
  mkdirSync(path, { recursive: true, mode });
  return path;
}
