/**
 * Writes per-container /etc/hosts files (contents from ./hosts.ts). Runs on either side of the
 * namespace boundary: the files live in the project's runtime dir, owned by the user.
 *
 * The file is bind-mounted into the running container at /etc/hosts. A bind mount pins the
 * inode, not the path: writing a temp file and renaming it over the path (the usual atomic
 * update, core/atomic-file.ts) would leave the container looking at the old, unlinked inode
 * forever. So the update rewrites the SAME inode: write the new bytes from offset 0, then
 * truncate to the new length. A reader racing the write can see a mix for a moment; resolvers
 * re-read /etc/hosts on every lookup, so the next lookup is right. Files whose content is
 * unchanged are not touched at all.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync, constants, fsyncSync } from "node:fs";
import { dirname, join } from "node:path";
import { renderAllHostsFiles, type HostsPeer } from "./hosts.ts";

/** Where a container's hosts file lives (the runtime bind-mounts it at /etc/hosts). */
export function hostsFilePath(runtimeDir: string, container: string): string {
  return join(runtimeDir, "net", "hosts", `${encodeURIComponent(container)}.hosts`);
}

/** Rewrites `path` in place; returns false when it already had this content. */
export function writeInPlace(path: string, content: string): boolean {
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {}
  if (current === content) return false;
  mkdirSync(dirname(path), { recursive: true });
  // no O_TRUNC: truncating first would show readers an empty hosts file for longer
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    const bytes = Buffer.from(content);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, off);
    ftruncateSync(fd, bytes.length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Brings the hosts file of every container in `running` up to date; call after any container
 * starts, stops or gets a new address. Returns the names of the containers whose file changed.
 */
export function syncHostsFiles(runtimeDir: string, running: HostsPeer[]): string[] {
  const changed: string[] = [];
  for (const [name, content] of renderAllHostsFiles(running)) {
    if (writeInPlace(hostsFilePath(runtimeDir, name), content)) changed.push(name);
  }
  return changed;
}
