/**
 * Reading an env file (env_file:, .env, --env-file) as a user's file, not kitten's: a missing,
 * unreadable, binary or directory path is an exit-2 error naming the file — before #14 a
 * directory was "a bug in kitten" — and no message ever shows what the file holds.
 */
import { statSync } from "node:fs";
import { FileTooLarge, readCapped } from "../../core/read-capped.ts";

export const ENV_FILE_HINT = "an env file holds KEY=VALUE lines (docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/#env-file-syntax)";

/**
 * An env file's text, or a user error naming the file: a directory, an unreadable or a binary
 * file is the user's mistake (exit 2), not a bug in kitten, and its content is never shown.
 */
export function readEnvFileText(path: string, fail: (message: string, hint: string) => never): string {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    return fail(`cannot read env file ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`, "check the path and its permissions");
  }
  if (st.isDirectory()) return fail(`env file ${path} is a directory`, "point env_file at a file of KEY=VALUE lines");
  if (st.isFile() && st.size > MAX_ENV_FILE_BYTES) return fail(`env file ${path} is larger than ${MAX_ENV_FILE_BYTES / 1024 / 1024} MB`, "an env file holds KEY=VALUE lines; is this the right file?");
  let bytes: Buffer;
  try {
    bytes = readCapped(path, MAX_ENV_FILE_BYTES);
  } catch (err) {
    if (err instanceof FileTooLarge) return fail(`env file ${path} is larger than ${MAX_ENV_FILE_BYTES / 1024 / 1024} MB`, "an env file holds KEY=VALUE lines; is this the right file?");
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return fail(`cannot read env file ${path}: ${code === "EACCES" ? "permission denied" : code}`, code === "EACCES" ? "make it readable by the user running kitten" : "check the path and its permissions");
  }
  if (bytes.includes(0)) return fail(`env file ${path} is not a text file (it has NUL bytes)`, "point env_file at a file of KEY=VALUE lines");
  return bytes.toString("utf8");
}

/** far beyond any real env file; a bigger one is a mistake (a disk image, a log) */
const MAX_ENV_FILE_BYTES = 32 * 1024 * 1024;
