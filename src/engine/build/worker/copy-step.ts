/**
 * COPY, ADD and WORKDIR's mkdir inside the namespace, written through the step's overlay so the
 * kernel does copy-up and the upper dir is the layer (no container). Destinations are resolved
 * inside the rootfs (a `/bin -> usr/bin` symlink in the image is followed there, never to the
 * host); sources are selected by context/select.ts, the same code the host hashed them with;
 * entries are created without following anything at their own path. Owners: --chown (names from
 * the rootfs's /etc/passwd and /etc/group; a user alone gives the same number as group), else
 * the source's for COPY --from, else 0:0; ids outside the namespace's range are refused by name.
 * ADD extracts local tar archives (plain, gzip, bzip2, xz; detected by content) through the
 * image store's safe layer writer, so no entry can leave the destination.
 */
import {
  chmodSync, closeSync, constants, copyFileSync, fchmodSync, fchownSync, futimesSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readSync,
  readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync, writeSync, type Stats,
} from "node:fs";
import { basename, join, posix } from "node:path";
import { InvalidInputError } from "../../../core/errors.ts";
import { parseGroup, parsePasswd } from "../../runtime/spec/user.ts";
import { LayerWriter } from "../../image/unpack/layer-writer.ts";
import { TarReader } from "../../image/unpack/tar-reader.ts";
import { IgnoreMatcher } from "../context/ignore.ts";
import { resolveInRoot } from "../context/scoped-path.ts";
import { MissingSourceError, selectSources, type SelectedEntry } from "../context/select.ts";
import type { CopyRequest, MkdirRequest } from "./protocol.ts";
import { commitLayer, mountLayersReadOnly, mountRootfs, unmount } from "./rootfs.ts";
import { readRootfsFile } from "./run-step.ts";

/** How many ids the namespace maps (uid_map / gid_map of this process), for clear chown errors. */
export function mappedCount(kind: "uid" | "gid"): number {
  try {
    return readFileSync(`/proc/self/${kind}_map`, "utf8")
      .trim()
      .split("\n")
      .reduce((n, line) => {
        const [inside, , count] = line.trim().split(/\s+/).map(Number);
        return Math.max(n, (inside ?? 0) + (count ?? 0));
      }, 0);
  } catch {
    return 65536;
  }
}

function checkId(kind: "uid" | "gid", id: number, what: string): void {
  const n = mappedCount(kind);
  if (id >= n) {
    throw new InvalidInputError(`${what}: ${kind} ${id} is outside the range 0-${n - 1} this user's namespace maps`, {
      code: "build_chown_range",
      hint: `allocate more subordinate ids (/etc/sub${kind}) to build with ${kind} ${id}, or use an id below ${n}`,
    });
  }
}

/** `--chown=user[:group]` → numeric ids, names looked up in the rootfs. */
export function resolveChown(spec: string, passwd: string, group: string): { uid: number; gid: number } {
  const [u = "", g] = spec.split(":", 2);
  const num = (s: string) => /^\d+$/.test(s);
  let uid: number;
  if (num(u)) uid = Number(u);
  else {
    const e = parsePasswd(passwd).find((p) => p.name === u);
    if (!e) throw new InvalidInputError(`--chown=${spec}: unable to find user ${u}: no matching entries in passwd file`, { code: "build_chown" });
    uid = e.uid;
  }
  let gid = uid;
  if (g !== undefined && g !== "") {
    if (num(g)) gid = Number(g);
    else {
      const e = parseGroup(group).find((x) => x.name === g);
      if (!e) throw new InvalidInputError(`--chown=${spec}: unable to find group ${g}: no matching entries in group file`, { code: "build_chown" });
      gid = e.gid;
    }
  }
  checkId("uid", uid, `--chown=${spec}`);
  checkId("gid", gid, `--chown=${spec}`);
  return { uid, gid };
}

/** `--chmod`: octal, or symbolic like `u=rwX,go=rX` (applied to the entry's own mode). */
export function applyChmod(spec: string, mode: number, isDir: boolean): number {
  if (/^[0-7]+$/.test(spec)) return Number.parseInt(spec, 8);
  let m = mode & 0o7777;
  for (const clause of spec.split(",")) {
    const c = /^([ugoa]*)([-+=])([rwxXst]*|[ugo])$/.exec(clause);
    if (!c) continue;
    const who = c[1] === "" || c[1]!.includes("a") ? "ugo" : c[1]!;
    let bits = 0;
    for (const p of c[3]!) {
      if (p === "r") bits |= 0o444;
      else if (p === "w") bits |= 0o222;
      else if (p === "x" || (p === "X" && (isDir || (mode & 0o111) !== 0))) bits |= 0o111;
      else if (p === "s") bits |= 0o6000;
      else if (p === "t") bits |= 0o1000;
    }
    let mask = 0;
    if (who.includes("u")) mask |= 0o4700;
    if (who.includes("g")) mask |= 0o2070;
    if (who.includes("o")) mask |= 0o1007;
    bits &= mask;
    if (c[2] === "+") m |= bits;
    else if (c[2] === "-") m &= ~bits;
    else m = (m & ~mask) | bits;
  }
  return m;
}

type Compression = "gzip" | "bzip2" | "xz" | "zstd" | "none";

function sniff(path: string): { compression: Compression; tar: boolean } | undefined {
  const fd = openSync(path, "r");
  const head = Buffer.alloc(512);
  const n = readSync(fd, head, 0, 512, 0);
  closeSync(fd);
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { compression: "gzip", tar: true };
  if (n >= 3 && head.subarray(0, 3).toString("latin1") === "BZh") return { compression: "bzip2", tar: true };
  if (n >= 6 && head[0] === 0xfd && head.subarray(1, 6).toString("latin1") === "7zXZ\0") return { compression: "xz", tar: true };
  if (n >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return { compression: "zstd", tar: true };
  if (n >= 262 && head.subarray(257, 262).toString("latin1") === "ustar") return { compression: "none", tar: true };
  return undefined;
}

/** Extracts a local archive into `dir` with the safe layer writer (ADD). */
async function extract(archive: string, dir: string, name: string, warn: (m: string) => void): Promise<void> {
  const kind = sniff(archive)!;
  const writer = new LayerWriter(dir, name, { warn, plainFiles: true });
  const reader = new TarReader(writer);
  const tool = { gzip: ["gzip", "-dc"], bzip2: ["bzip2", "-dc"], xz: ["xz", "-dc"], zstd: ["zstd", "-dc"], none: ["cat"] }[kind.compression];
  const proc = Bun.spawn([...tool, archive], { stdout: "pipe", stderr: "pipe" });
  for await (const chunk of proc.stdout) if (!reader.finished) reader.write(chunk);
  const code = await proc.exited;
  if (code !== 0) throw new InvalidInputError(`ADD ${name}: cannot decompress the archive (${tool[0]} exit ${code})`, { code: "build_add_archive" });
  reader.close();
  writer.finish();
}

interface Owner {
  uid: number;
  gid: number;
}

class DestWriter {
  private readonly dirs = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly created: Owner,
  ) {}

  /** The host path of a directory of the rootfs, resolved inside it; missing parts created 0755. */
  dir(rel: string): string {
    const key = rel.replace(/^\/+|\/+$/g, "");
    const known = this.dirs.get(key);
    if (known) return known;
    const r = resolveInRoot(this.root, key, true);
    if (r.stat === null) {
      const parent = this.dir(posix.dirname(key) === "." ? "" : posix.dirname(key));
      const path = join(parent, posix.basename(key));
      mkdirSync(path, { mode: 0o755 });
      chmodSync(path, 0o755);
      lchownSync(path, this.created.uid, this.created.gid);
      this.dirs.set(key, path);
      return path;
    }
    if (!r.stat.isDirectory()) throw new InvalidInputError(`cannot copy to "/${key}": it exists and is not a directory`, { code: "build_copy_conflict" });
    this.dirs.set(key, r.path);
    return r.path;
  }

  /** Clears the place for a new non-directory entry (never following a symlink there). */
  clear(path: string, rel: string): void {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) throw new InvalidInputError(`cannot copy a file to "/${rel}": a directory is in the way`, { code: "build_copy_conflict" });
    rmSync(path, { force: true });
  }
}

const COPY_CHUNK = 1 << 20;
let copyBuffer: Buffer | undefined;

/**
 * Creates `path` (which must not exist: O_EXCL, never following a symlink) with the content of
 * `source`, then sets owner, mode and mtime on the open descriptor: no further lookups of the
 * path through the overlay, which is what a COPY of thousands of small files spends its time on.
 * Returns false when something is in the way (the caller clears it and tries again).
 */
function writeFile(source: string, path: string, owner: Owner, mode: number, mtime: Date | undefined): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    const src = openSync(source, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      copyBuffer ??= Buffer.allocUnsafe(COPY_CHUNK);
      for (let n = readSync(src, copyBuffer, 0, COPY_CHUNK, null); n > 0; n = readSync(src, copyBuffer, 0, COPY_CHUNK, null)) {
        let off = 0;
        while (off < n) off += writeSync(fd, copyBuffer, off, n - off);
      }
    } finally {
      closeSync(src);
    }
    fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, mode); // after chown, which clears setuid/setgid
    if (mtime) futimesSync(fd, mtime, mtime);
  } finally {
    closeSync(fd);
  }
  return true;
}

function meta(path: string, owner: Owner, mode: number, st: { atime: Date; mtime: Date } | undefined, symlink = false): void {
  lchownSync(path, owner.uid, owner.gid);
  if (!symlink) chmodSync(path, mode);
  if (st) (symlink ? lutimesSync : utimesSync)(path, st.mtime, st.mtime);
}

export async function copyStep(req: CopyRequest, warn: (message: string) => void): Promise<{ diffId: string; size: number } | undefined> {
  const fs = await mountRootfs(req.workDir, req.layers);
  const mounted = [fs.merged];
  try {
    let srcRoot: string;
    let ignore: IgnoreMatcher | undefined;
    if (req.from.type === "dir") {
      srcRoot = req.from.root;
      if (req.from.ignore) ignore = new IgnoreMatcher(req.from.ignore);
    } else {
      srcRoot = join(req.workDir, "src");
      await mountLayersReadOnly(srcRoot, req.from.lowerDirs, req.workDir);
      mounted.push(srcRoot);
    }
    const chown = req.chown ? resolveChown(req.chown, readRootfsFile(fs.merged, "/etc/passwd"), readRootfsFile(fs.merged, "/etc/group")) : undefined;
    const created: Owner = chown ?? { uid: 0, gid: 0 };
    const out = new DestWriter(fs.merged, created);
    const destRel = req.dest.replace(/^\/+/, "").replace(/\/+$/, "");
    const destNow = resolveInRoot(fs.merged, destRel, true);
    const destIsDir = req.destIsDir || Boolean(destNow.stat?.isDirectory());
    let entries: SelectedEntry[] = [];
    if (req.sources.length > 0) {
      try {
        entries = selectSources(srcRoot, req.sources, { ignore, exclude: req.exclude, parents: req.parents, destIsDir });
      } catch (err) {
        if (err instanceof MissingSourceError) throw new InvalidInputError(`${req.add ? "ADD" : "COPY"} failed: ${err.message}`, { code: "build_missing_source" });
        throw err;
      }
    }
    const target = (entryDest: string) => (entryDest === "" ? destRel : destRel === "" ? entryDest : `${destRel}/${entryDest}`);
    const ownerOf = (st: Stats): Owner => {
      if (chown) return chown;
      if (!req.keepOwners) return { uid: 0, gid: 0 };
      return { uid: st.uid, gid: st.gid };
    };
    const modeOf = (st: Stats, isDir: boolean) => (req.chmod ? applyChmod(req.chmod, st.mode, isDir) : st.mode & 0o7777);
    const dirMeta: { path: string; owner: Owner; mode: number; st: Stats }[] = [];
    for (const e of entries) {
      const rel = target(e.dest);
      const owner = ownerOf(e.stat);
      if (e.type === "dir") {
        if (rel === destRel && e.dest === "") {
          // the destination itself: made when missing, an existing one keeps its metadata
          const existed = resolveInRoot(fs.merged, destRel, true).stat?.isDirectory();
          const path = out.dir(destRel);
          if (!existed && destRel !== "") dirMeta.push({ path, owner, mode: modeOf(e.stat, true), st: e.stat });
          continue;
        }
        const parent = out.dir(posix.dirname(rel) === "." ? "" : posix.dirname(rel));
        const path = join(parent, posix.basename(rel));
        const st = lstatSync(path, { throwIfNoEntry: false });
        if (st && !st.isDirectory()) rmSync(path, { force: true });
        if (!st?.isDirectory()) mkdirSync(path, { mode: 0o700 });
        dirMeta.push({ path, owner, mode: modeOf(e.stat, true), st: e.stat });
        continue;
      }
      if (rel === "") throw new InvalidInputError(`cannot copy a file to "/": give a file name or a directory ending in /`, { code: "build_copy_conflict" });
      const parent = out.dir(posix.dirname(rel) === "." ? "" : posix.dirname(rel));
      const path = join(parent, posix.basename(rel));
      if (e.type === "file" && req.add && req.unpack !== false && req.from.type === "dir" && sniff(e.path)?.tar) {
        const dir = out.dir(destIsDir ? posix.dirname(rel) === "." ? "" : posix.dirname(rel) : destRel);
        await extract(e.path, dir, basename(e.rel), warn);
        continue;
      }
      if (e.type === "file") {
        if (!writeFile(e.path, path, owner, modeOf(e.stat, false), e.stat.mtime)) {
          out.clear(path, rel);
          writeFile(e.path, path, owner, modeOf(e.stat, false), e.stat.mtime);
        }
        continue;
      }
      out.clear(path, rel);
      if (e.type === "symlink") {
        symlinkSync(readlinkSync(e.path), path);
        meta(path, owner, 0, e.stat, true);
      } else warn(`skipped "${e.rel}": only files, directories and symlinks are copied`);
    }
    const loose = (name: string) => (destIsDir ? target(name) : destRel);
    for (const f of req.inline) {
      const rel = loose(f.name);
      const path = join(out.dir(posix.dirname(rel) === "." ? "" : posix.dirname(rel)), posix.basename(rel));
      out.clear(path, rel);
      writeFileSync(path, f.content, { flag: "wx" });
      meta(path, created, req.chmod ? applyChmod(req.chmod, 0o644, false) : 0o644, undefined);
    }
    for (const d of req.downloads) {
      const rel = loose(d.name);
      const path = join(out.dir(posix.dirname(rel) === "." ? "" : posix.dirname(rel)), posix.basename(rel));
      out.clear(path, rel);
      copyFileSync(d.file, path, constants.COPYFILE_EXCL);
      const when = d.mtime === undefined ? undefined : { atime: new Date(d.mtime), mtime: new Date(d.mtime) };
      meta(path, created, req.chmod ? applyChmod(req.chmod, 0o600, false) : 0o600, when);
    }
    // directory metadata last, deepest first: creating entries changes a directory's mtime
    for (const d of dirMeta.sort((a, b) => b.path.length - a.path.length)) meta(d.path, d.owner, d.mode, d.st);
    for (const m of mounted.reverse()) await unmount(m);
    mounted.length = 0;
    return await commitLayer(fs.upper, req);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EINVAL" && /chown/.test(String((err as Error).message))) {
      throw new InvalidInputError(`COPY: a source file's owner is outside the id range this user's namespace maps (0-${mappedCount("uid") - 1})`, { code: "build_chown_range", hint: "allocate more subordinate ids (/etc/subuid, /etc/subgid), or use --chown" });
    }
    throw err;
  } finally {
    for (const m of mounted.reverse()) await unmount(m);
  }
}

/** WORKDIR: `mkdir -p` owned by the stage's USER (BuildKit dispatchWorkdir), mode 0755. */
export async function mkdirStep(req: MkdirRequest): Promise<{ diffId: string; size: number } | undefined> {
  const fs = await mountRootfs(req.workDir, req.layers);
  try {
    let owner: Owner = { uid: 0, gid: 0 };
    if (req.user) {
      const { resolveUser } = await import("../../runtime/spec/user.ts");
      const u = resolveUser(req.user, readRootfsFile(fs.merged, "/etc/passwd"), readRootfsFile(fs.merged, "/etc/group"));
      owner = { uid: u.uid, gid: u.gid };
    }
    new DestWriter(fs.merged, owner).dir(req.path);
  } finally {
    await unmount(fs.merged);
  }
  return commitLayer(fs.upper, req);
}

