/**
 * How to run kitten's own hidden roles (supervisor, unpacker, in-namespace helper) as a child
 * process: the compiled binary is re-executed directly; in development (`bun src/cli/main.ts`)
 * the same entry file is run by the same bun.
 */
import { fileURLToPath } from "node:url";
import { basename } from "node:path";

export function selfCommand(): string[] {
  const exe = process.execPath;
  // npm's bun package installs the binary as bun.exe, even on Linux
  const isBun = /^bun(-[\w.-]+)?(\.exe)?$/.test(basename(exe));
  if (!isBun) return [exe];
  return [exe, fileURLToPath(new URL("../cli/main.ts", import.meta.url))];
}
