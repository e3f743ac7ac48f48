/**
 * Path resolution inside a root, as if the root were `/` (what securejoin / openat2
 * RESOLVE_IN_ROOT do): every symlink met — absolute or relative — is resolved against the
 * root, and `..` stops at it. Nothing resolved here can name a path outside the root, so a
 * symlink in a build context, in an image, or planted by a RUN step never leads a COPY, a mount
 * or a read to the host (issue #11 §9).
 */
import { lstatSync, readlinkSync, type Stats } from "node:fs";

export interface Resolved {
  /** the resolved path, relative to the root, no leading `/` ("" is the root) */
  rel: string;
  /** the full host path */
  path: string;
  /** lstat of the final component, null when it does not exist */
  stat: Stats | null;
}

const MAX_LINKS = 40;

export class ScopedPathError extends Error {}

/**
 * Resolves `path` (absolute or relative, interpreted from the root) inside `root`.
 * `followFinal`: resolve a symlink in the last component too. A missing component ends the
 * resolution: missing parents are reported with `stat: null` for the whole remaining path.
 */
export function resolveInRoot(root: string, path: string, followFinal = true): Resolved {
  const rootPath = root.replace(/\/+$/, "") || "/";
  const join = (parts: string[]) => (parts.length === 0 ? rootPath : `${rootPath === "/" ? "" : rootPath}/${parts.join("/")}`);
  let pending = path.split("/").filter((p) => p !== "" && p !== ".");
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "..") {
      done.pop();
      continue;
    }
    const candidate = [...done, part];
    const st = lstatSync(join(candidate), { throwIfNoEntry: false }) ?? null;
    if (st === null) {
      const rel = [...candidate, ...pending.filter((p) => p !== "..")].join("/");
      return { rel, path: join(rel === "" ? [] : rel.split("/")), stat: null };
    }
    const last = pending.length === 0;
    if (st.isSymbolicLink() && (!last || followFinal)) {
      if (++links > MAX_LINKS) throw new ScopedPathError(`too many levels of symbolic links in ${path}`);
      const target = readlinkSync(join(candidate));
      const targetParts = target.split("/").filter((p) => p !== "" && p !== ".");
      if (target.startsWith("/")) done.length = 0;
      pending = [...targetParts, ...pending];
      continue;
    }
    if (!last && !st.isDirectory()) {
      return { rel: [...candidate, ...pending].join("/"), path: join([...candidate, ...pending]), stat: null };
    }
    done.push(part);
    if (last) return { rel: done.join("/"), path: join(done), stat: st };
  }
  return { rel: done.join("/"), path: join(done), stat: lstatSync(join(done), { throwIfNoEntry: false }) ?? null };
}
