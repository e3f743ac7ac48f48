/**
 * Unix socket paths that fit. sun_path holds 108 bytes with its NUL (unix(7)), and a bind or a
 * connect with a longer path fails — with a project name of 95 characters the supervisor's socket
 * could not be made, `up` waited for it and `down` could never reach it (issue #14). A path that
 * is too long is replaced by a short one named by its hash under `<runtime>/s/`, so every name
 * kitten accepts gets a socket; both ends compute the same path from the same inputs.
 */
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { RuntimeFailure } from "./errors.ts";

/** sun_path is 108 bytes, the last one the NUL */
export const MAX_SOCKET_PATH_BYTES = 107;

function shortName(preferred: string, suffix: string): string {
  return `${createHash("sha256").update(preferred).digest("hex").slice(0, 24)}${suffix}`;
}

function tooLong(runtimeRoot: string, path: string): RuntimeFailure {
  return new RuntimeFailure(`kitten's runtime directory ${runtimeRoot} is too long for unix sockets (${path} would exceed ${MAX_SOCKET_PATH_BYTES} bytes)`, {
    code: "socket_path_too_long",
    hint: "set KITTEN_ROOT or XDG_RUNTIME_DIR to a shorter directory",
  });
}

/** `preferred` when it fits in sun_path, else `<runtimeRoot>/s/<hash>.<ext>` (create that dir before binding). */
export function fitSocketPath(runtimeRoot: string, preferred: string): string {
  if (Buffer.byteLength(preferred) <= MAX_SOCKET_PATH_BYTES) return preferred;
  const ext = basename(preferred).includes(".") ? basename(preferred).slice(basename(preferred).lastIndexOf(".")) : "";
  const short = join(runtimeRoot, "s", shortName(preferred, ext));
  if (Buffer.byteLength(short) > MAX_SOCKET_PATH_BYTES) throw tooLong(runtimeRoot, short);
  return short;
}

/**
 * A directory in which another program creates a socket named `socketName` (rootlesskit's
 * --state-dir holds api.sock): `preferred` when the socket fits, else `<runtimeRoot>/s/<hash>.d`.
 */
export function fitSocketDir(runtimeRoot: string, preferred: string, socketName: string): string {
  if (Buffer.byteLength(join(preferred, socketName)) <= MAX_SOCKET_PATH_BYTES) return preferred;
  const short = join(runtimeRoot, "s", shortName(preferred, ".d"));
  if (Buffer.byteLength(join(short, socketName)) > MAX_SOCKET_PATH_BYTES) throw tooLong(runtimeRoot, join(short, socketName));
  return short;
}
