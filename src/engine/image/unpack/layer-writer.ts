/**
 * Applies a layer's tar entries to a directory so it can serve as an overlayfs lower dir
 * (runs inside the unpacker's user namespace, never on the host as root):
 *
 * - whiteouts `.wh.<name>` become char 0:0 devices and `.wh..wh..opq` the `user.overlay.opaque=y`
 *   xattr — what the kernel's overlay reads when mounted with `userxattr`, the only xattr form an
 *   overlay inside a user namespace can use (trusted.* is not writable there; measured on 6.18);
 * - modes, mtimes and numeric ownership are kept (uid 999 stays 999 inside the namespace);
 * - an entry that would escape the root is rejected: absolute paths, `..`, a parent that is a
 *   symlink (nothing is ever written through one), a hardlink whose target is outside the layer.
 *   Every parent is checked with lstat, and entries are made only with calls that fail on an
 *   existing path instead of following it (O_EXCL|O_NOFOLLOW open, mkdir, symlink, link, mknod);
 *   whatever is in the way is removed first, so a symlink planted earlier in the same layer cannot
 *   redirect a write.
 */
import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync,
  rmSync, symlinkSync, chmodSync, chownSync, utimesSync, writeSync, type Stats,
} from "node:fs";
import { InvalidInputError } from "../../../core/errors.ts";
import type { TarHeader, TarSink } from "./tar-reader.ts";
import { EEXIST, EPERM, S_IFBLK, S_IFCHR, S_IFIFO, SyscallError, lsetxattr, mknod } from "./libc.ts";

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";
export const OPAQUE_XATTR = "user.overlay.opaque";

export interface LayerWriterOptions {
  /** called for entries skipped with a reason (device nodes when unprivileged, xattrs that can't be set) */
  warn?: (message: string) => void;
  /** `.wh.` names are plain files (a Dockerfile ADD extracting an archive, as docker's Untar does), not whiteouts */
  plainFiles?: boolean;
}

function lstatOrNull(path: string): Stats | null {
  // most entries are new: no exception for a missing path (they cost more than the syscall)
  return lstatSync(path, { throwIfNoEntry: false }) ?? null;
}

export class LayerWriter implements TarSink {
  private fd: number | null = null;
  private readonly dirs = new Set<string>([""]);
  /** final mode and mtime of each directory, applied last (see finish) */
  private readonly dirMeta = new Map<string, { mode: number; mtime: number }>();
  private warnedDevices = 0;
  /** who we create files as: entries owned by the same ids need no chown (most files in images are 0:0) */
  private readonly uid = process.getuid?.() ?? -1;
  private readonly gid = process.getgid?.() ?? -1;
  entries = 0;

  /** the process umask; the unpacker runs with 0 so modes apply as created */
  private readonly umask: number;

  constructor(
    private readonly root: string,
    private readonly layerName: string,
    private readonly options: LayerWriterOptions = {},
  ) {
    this.umask = process.umask();
  }

  private reject(entry: string, why: string): InvalidInputError {
    return new InvalidInputError(`layer ${this.layerName}: entry "${entry}" ${why}`, {
      code: "unsafe_layer",
      hint: "the image contains a layer that would write outside its root; it was not unpacked",
    });
  }

  /** Relative, normalized path components of an entry name; rejects absolute paths and `..`. */
  private components(name: string, entry: string): string[] {
    if (name.startsWith("/")) throw this.reject(entry, "has an absolute path");
    const parts: string[] = [];
    for (const part of name.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") throw this.reject(entry, "contains '..'");
      if (part.includes("\0")) throw this.reject(entry, "contains a NUL byte");
      parts.push(part);
    }
    return parts;
  }

  private full(parts: string[]): string {
    return parts.length === 0 ? this.root : `${this.root}/${parts.join("/")}`;
  }

  /** Makes sure every parent of `parts` is a real directory inside the root, creating missing ones. */
  private ensureParents(parts: string[], entry: string, create: boolean): void {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join("/");
      if (this.dirs.has(rel)) continue;
      const path = this.full(parts.slice(0, i));
      const st = lstatOrNull(path);
      if (st === null) {
        if (!create) throw this.reject(entry, `refers to "${rel}", which does not exist in the layer`);
        mkdirSync(path, { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        throw this.reject(entry, `would be written through the symlink "${rel}"`);
      } else if (!st.isDirectory()) {
        throw this.reject(entry, `has the non-directory "${rel}" as a parent`);
      }
      this.dirs.add(rel);
    }
  }

  /**
   * Creates an entry optimistically — most paths are new, so no lstat first; each creating call
   * (O_EXCL open, mkdir, symlink, link, mknod) fails with EEXIST rather than follow anything —
   * and on EEXIST removes what is there (never following it) and tries once more. With `keepDir`
   * an existing directory is kept as it is.
   */
  private create(parts: string[], make: () => void, keepDir = false): void {
    try {
      make();
    } catch (err) {
      const exists = (err as NodeJS.ErrnoException).code === "EEXIST" || (err instanceof SyscallError && err.errno === EEXIST);
      if (!exists) throw err;
      if (this.clear(parts, keepDir) !== null) return;
      make();
    }
  }

  /** Removes whatever is at `path` unless it is a directory and `keepDir` is set. */
  private clear(parts: string[], keepDir: boolean): Stats | null {
    const path = this.full(parts);
    const st = lstatOrNull(path);
    if (st === null || (keepDir && st.isDirectory())) return st;
    rmSync(path, { recursive: true, force: true });
    const rel = parts.join("/");
    for (const d of this.dirs) if (d === rel || d.startsWith(`${rel}/`)) this.dirs.delete(d);
    return null;
  }

  entry(h: TarHeader): void {
    this.entries++;
    const parts = this.components(h.path, h.path);
    const base = parts[parts.length - 1];
    if (base !== undefined && base.startsWith(WHITEOUT_PREFIX) && !this.options.plainFiles) return this.whiteout(parts, h);
    this.ensureParents(parts, h.path, true);
    const path = this.full(parts);
    switch (h.type) {
      case "dir": {
        if (parts.length > 0) this.create(parts, () => mkdirSync(path, { mode: 0o700 }), true);
        this.dirs.add(parts.join("/"));
        this.owner(path, h, false);
        this.dirMeta.set(path, { mode: h.mode, mtime: h.mtime });
        break;
      }
      case "file": {
        if (parts.length === 0) throw this.reject(h.path, "is a file at the layer root");
        // under the unpacker's umask 0 the file is created with its final mode
        this.create(parts, () => {
          this.fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, h.mode);
        });
        this.pendingFile = h;
        break;
      }
      case "symlink": {
        if (parts.length === 0) throw this.reject(h.path, "is a symlink at the layer root");
        this.create(parts, () => symlinkSync(h.linkname, path));
        this.owner(path, h, true);
        lutimesSync(path, h.mtime, h.mtime);
        break;
      }
      case "hardlink": {
        if (parts.length === 0) throw this.reject(h.path, "is a hardlink at the layer root");
        const target = this.components(h.linkname, h.path);
        if (target.length === 0) throw this.reject(h.path, "is a hardlink to the layer root");
        this.ensureParents(target, h.path, false);
        const st = lstatOrNull(this.full(target));
        if (st === null) throw this.reject(h.path, `is a hardlink to "${h.linkname}", which is not in the layer`);
        if (st.isDirectory()) throw this.reject(h.path, "is a hardlink to a directory");
        if (target.join("/") === parts.join("/")) break;
        this.create(parts, () => linkSync(this.full(target), path));
        break;
      }
      case "char":
      case "block":
      case "fifo": {
        if (parts.length === 0) throw this.reject(h.path, "is a device at the layer root");
        const kind = h.type === "fifo" ? S_IFIFO : h.type === "char" ? S_IFCHR : S_IFBLK;
        try {
          this.create(parts, () => mknod(path, kind | h.mode, h.devmajor, h.devminor));
        } catch (err) {
          if (err instanceof SyscallError && err.errno === EPERM) {
            if (this.warnedDevices++ === 0) this.options.warn?.(`layer ${this.layerName}: skipped device node "${h.path}" (creating devices needs privileges a rootless unpack does not have)`);
            return;
          }
          throw err;
        }
        this.owner(path, h, false);
        chmodSync(path, h.mode);
        utimesSync(path, h.mtime, h.mtime);
        break;
      }
    }
    this.xattrs(path, h);
  }

  private whiteout(parts: string[], h: TarHeader): void {
    const base = parts[parts.length - 1]!;
    const dirParts = parts.slice(0, -1);
    this.ensureParents(parts, h.path, true);
    if (base === OPAQUE_MARKER) {
      lsetxattr(this.full(dirParts), OPAQUE_XATTR, new TextEncoder().encode("y"));
      return;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (!name || name === "." || name === "..") throw this.reject(h.path, "is a whiteout without a name");
    const target = [...dirParts, name];
    this.clear(target, false);
    mknod(this.full(target), S_IFCHR, 0, 0);
  }

  private owner(path: string, h: TarHeader, link: boolean): void {
    if (h.uid === this.uid && h.gid === this.gid) return;
    try {
      if (link) lchownSync(path, h.uid, h.gid);
      else chownSync(path, h.uid, h.gid);
    } catch (err) {
      // an id outside the namespace's mapping (EINVAL): keep the file, owned by root inside
      if ((err as NodeJS.ErrnoException).code !== "EINVAL") throw err;
      this.options.warn?.(`layer ${this.layerName}: "${h.path}" is owned by ${h.uid}:${h.gid}, outside the mapped id range; kept as 0:0`);
    }
  }

  private xattrs(path: string, h: TarHeader): void {
    for (const [name, value] of Object.entries(h.xattrs)) {
      // trusted.* and overlay markers from the build host must not leak into our overlay
      if (name.startsWith("trusted.") || name.startsWith("user.overlay.")) continue;
      try {
        lsetxattr(path, name, Buffer.from(value, "latin1"));
      } catch {
        this.options.warn?.(`layer ${this.layerName}: could not set xattr ${name} on "${h.path}"`);
      }
    }
  }

  data(chunk: Uint8Array): void {
    if (this.fd === null) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
  }

  end(): void {
    // metadata of the file just written, set after its data
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    const h = this.pendingFile!;
    try {
      if (h.uid !== this.uid || h.gid !== this.gid) {
        try {
          fchownSync(fd, h.uid, h.gid);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EINVAL") throw err;
          this.options.warn?.(`layer ${this.layerName}: "${h.path}" is owned by ${h.uid}:${h.gid}, outside the mapped id range; kept as 0:0`);
        }
        fchmodSync(fd, h.mode); // after chown, which clears setuid/setgid
      } else if (this.umask !== 0 || (h.mode & 0o6000) !== 0) {
        fchmodSync(fd, h.mode); // writing the data cleared setuid/setgid
      }
      futimesSync(fd, h.mtime, h.mtime);
    } finally {
      closeSync(fd);
    }
  }

  private pendingFile?: TarHeader;

  /**
   * Directory modes and mtimes last, deepest first: writing into a directory changes its mtime,
   * and a read-only directory (0555) must stay writable until its children are in.
   */
  finish(): void {
    const dirs = [...this.dirMeta.entries()].sort((a, b) => b[0].length - a[0].length);
    for (const [path, { mode, mtime }] of dirs) {
      if (!lstatOrNull(path)?.isDirectory()) continue;
      chmodSync(path, mode);
      utimesSync(path, mtime, mtime);
    }
  }
}
