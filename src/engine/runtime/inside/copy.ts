/**
 * INSIDE the project namespace (`kitten __cp`, run by copy.ts through nsenter into its user and
 * mount namespaces): the file end of `kitten cp`. A path in the container is resolved the way the
 * container sees it — through its bind mounts and volumes, every symlink followed inside the
 * container's root, `..` never leaving it (docker's FollowSymlinkInScope) — so a symlink the
 * container made can never send a copy into the host's files. Then tar streams it: out to
 * stdout, or in from stdin.
 */
import { spawn } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { z } from "zod";

export const CopyRequestSchema = z.object({
  /** the container's rootfs (overlay) as the namespace sees it */
  root: z.string(),
  /** bind mounts (volumes too) as the container has them: container path → source in the namespace */
  mounts: z.array(z.object({ destination: z.string(), source: z.string() })),
  /** container paths that are not files kitten can reach (tmpfs, /proc, /sys, /dev) */
  unreachable: z.array(z.string()),
  /** out: tar to stdout; in: tar from stdin; rm: remove the path (watch sync of a deleted file) */
  direction: z.enum(["out", "in", "rm"]),
  /** the container path (absolute) */
  path: z.string(),
  /** out: follow a symlink named by path itself (-L) */
  followLink: z.boolean().default(false),
  /** in: keep the archive's owners (-a); default: container root */
  archive: z.boolean().default(false),
  /** in: the name of the copied entry inside the archive */
  entry: z.string().optional(),
  /** in: make missing parent directories (watch's sync; cp wants them to exist, as docker cp) */
  parents: z.boolean().default(false),
});
export type CopyRequest = z.infer<typeof CopyRequestSchema>;

export class CopyError extends Error {}

/** Where a container path is in the namespace, symlinks resolved inside the container's root (the last one only when followLast). */
export function resolveInContainer(req: Pick<CopyRequest, "root" | "mounts" | "unreachable">, path: string, followLast: boolean, lstat = lstatSync, readlink = readlinkSync): { container: string; real: string } {
  const mounts = [...req.mounts].sort((a, b) => b.destination.length - a.destination.length);
  const where = (p: string): string => {
    for (const u of req.unreachable) if (p === u || p.startsWith(`${u}/`)) throw new CopyError(`${path} is on a ${u === "/proc" || u === "/sys" || u === "/dev" ? "kernel" : "tmpfs"} mount kitten cannot copy from or to`);
    const m = mounts.find((m) => p === m.destination || p.startsWith(`${m.destination}/`));
    return m ? join(m.source, p.slice(m.destination.length)) : join(req.root, p);
  };
  let parts = posix.normalize(`/${path}`).split("/").filter(Boolean);
  let done: string[] = [];
  for (let links = 0; parts.length > 0; ) {
    const name = parts.shift()!;
    if (name === "..") {
      done.pop();
      continue;
    }
    const candidate = `/${[...done, name].join("/")}`;
    let isLink = false;
    try {
      isLink = lstat(where(candidate)).isSymbolicLink();
    } catch (err) {
      if (err instanceof CopyError) throw err;
    }
    if (isLink && (parts.length > 0 || followLast)) {
      if (++links > 40) throw new CopyError(`${path}: too many levels of symbolic links`);
      const target = readlink(where(candidate)).toString();
      // an absolute target starts again at the container's root, a relative one beside the link
      if (target.startsWith("/")) done = [];
      parts = [...target.split("/").filter(Boolean), ...parts];
      continue;
    }
    done.push(name);
  }
  const container = `/${done.join("/")}`;
  return { container, real: where(container) };
}

function tar(args: string[], stdio: "out" | "in"): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("tar", args, { stdio: stdio === "out" ? ["ignore", "inherit", "pipe"] : ["inherit", "ignore", "pipe"] });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new CopyError(err.trim().split("\n")[0] || `tar exited with ${code}`))));
  });
}

export async function runCopy(req: CopyRequest): Promise<void> {
  if (req.direction === "out") {
    const contents = req.path.endsWith("/.");
    const { container, real } = resolveInContainer(req, contents ? req.path.slice(0, -2) || "/" : req.path, req.followLink || contents);
    try {
      lstatSync(real);
    } catch {
      throw new CopyError(`could not find the file ${container} in container`);
    }
    await tar(contents ? ["-c", "-C", real, "."] : ["-c", "-C", dirname(real), basename(real)], "out");
    return;
  }
  if (req.direction === "rm") {
    const { container, real } = resolveInContainer(req, req.path, false);
    if (container === "/") throw new CopyError("refusing to remove the container's root");
    rmSync(real, { recursive: true, force: true });
    return;
  }
  const { container, real } = resolveInContainer(req, req.path, true);
  const owners = req.archive ? ["--same-owner", "--numeric-owner"] : ["--no-same-owner"];
  let isDir = false;
  try {
    isDir = statSync(real).isDirectory();
  } catch {}
  if (isDir || !req.entry) {
    // a directory's contents (`src/.`) go into DEST, made when missing
    if (!isDir) mkdirSync(real, { recursive: true });
    await tar(["-x", ...owners, "-C", real], "in");
    return;
  }
  // DEST does not exist: the entry becomes DEST (docker cp), its parent must exist
  if (req.parents) mkdirSync(dirname(real), { recursive: true });
  try {
    if (!statSync(dirname(real)).isDirectory()) throw new Error();
  } catch {
    throw new CopyError(`${dirname(container)} does not exist in the container`);
  }
  const tmp = mkdtempSync(join(dirname(real), ".kitten-cp-"));
  try {
    await tar(["-x", ...owners, "-C", tmp], "in");
    renameSync(join(tmp, req.entry), real);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
