/**
 * Paths that must stay inside a root (issue #14; the lesson of containerd's and umoci's path
 * CVEs and runc's CVE-2024-21626): a relative path taken from input is checked lexically before
 * it is joined, and what it names on disk is resolved with every symlink interpreted inside the
 * root (filepath-securejoin's rule), so neither `..` nor a symlink an image or a container left
 * behind can lead kitten to a host path.
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { isAbsolute, posix, relative, sep } from "node:path";
import { InvalidInputError } from "./errors.ts";

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

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS, namei.c); securejoin uses 255. */
const MAX_LINKS = 40;

/**
 * `path` resolved under `root` as if `root` were `/` (chroot semantics without a chroot): `..`
 * stops at the root, every symlink met on the way is read and its target taken relative to the
 * root (absolute targets too), and a missing component ends the walk, the rest joined lexically.
 * The result is `root` or a path below it — never outside, whatever the tree holds. This is
 * securejoin.SecureJoin as runc, containerd and umoci use it.
 *
 * What it cannot promise is that the tree does not change after the call (a container racing to
 * swap a directory for a symlink): callers resolve when nothing else writes the tree, or check
 * again at use.
 */
export function resolveInRoot(root: string, path: string): string {
  if (path.includes("\0")) throw new InvalidInputError(`invalid path ${JSON.stringify(path)}: it contains a NUL byte`, { code: "bad_path", hint: "remove the NUL byte from the path" });
  const base = posix.normalize(root).replace(/\/+$/, "") || "/";
  let current = ""; // below base, clean, no leading slash
  let pending = path.split("/");
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      current = current.includes("/") ? current.slice(0, current.lastIndexOf("/")) : "";
      continue;
    }
    const next = current === "" ? part : `${current}/${part}`;
    const full = `${base === "/" ? "" : base}/${next}`;
    let isLink = false;
    try {
      isLink = lstatSync(full).isSymbolicLink();
    } catch {
      // missing (or a file in the way): nothing more to resolve, the rest is only lexical
      current = posix.normalize(`/${next}/${pending.join("/")}`).slice(1).replace(/\/+$/, "");
      break;
    }
    if (!isLink) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) {
      throw new InvalidInputError(`too many levels of symbolic links resolving ${JSON.stringify(path)}`, { code: "bad_path", hint: "a symlink loop in the tree; remove it" });
    }
    const target = readlinkSync(full);
    if (target.startsWith("/")) current = "";
    pending = [...target.split("/"), ...pending];
  }
  return current === "" ? base : `${base === "/" ? "" : base}/${current}`;
}

/** Whether `path` (absolute or relative, already resolved) lies at or below `root`, lexically. */
export function isWithin(root: string, path: string): boolean {
  const rel = posix.relative(posix.normalize(root), posix.normalize(path));
  return rel === "" || (rel !== ".." && !rel.startsWith("../") && !posix.isAbsolute(rel));
}
