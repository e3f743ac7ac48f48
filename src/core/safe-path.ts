/**
 * Paths that must stay inside a root (issue #14; the lesson of containerd's and umoci's path
 * CVEs and runc's CVE-2024-21626): a relative path taken from input is checked lexically before
 * it is joined, and what it names on disk is checked again once symlinks are resolved.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, posix, relative, sep } from "node:path";

/** A relative path with no `..` component and no NUL: safe to join under a root lexically. */
export function isLocalPath(path: string): boolean {
  if (path === "" || path.includes("\0") || isAbsolute(path)) return false;
  return !path.split(/[\\/]+/).includes("..");
}

/** Whether `path`, with every symlink resolved, is `root` or lies below it (root resolved too). */
export function resolvesInside(root: string, path: string): boolean {
  const realRoot = realpathSync(root);
  const real = realpathSync(path);
  const rel = relative(realRoot, real);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** `sub` joined under `root` after the lexical check; undefined when it would leave the root. */
export function joinLocal(root: string, sub: string): string | undefined {
  return isLocalPath(sub) ? posix.join(root, posix.normalize(sub)) : undefined;
}
