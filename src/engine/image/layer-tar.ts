/**
 * An unpacked layer directory → its tar stream, the inverse of the layer writer: overlay
 * whiteouts (char 0:0 devices) become `.wh.<name>` entries and `user.overlay.opaque=y`
 * directories get a `.wh..wh..opq` entry (OCI image-spec layer.md). The stream is a pure function
 * of the directory — entries in byte order of their names, numeric owners, whole-second mtimes,
 * no user or group names, hard links by inode, whiteouts with zeroed metadata — so the layer's
 * diff id can be computed when a build commits it and the same bytes produced again when it is
 * pushed or saved. Runs where the layer's files are readable: inside the user namespace.
 */
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { lgetxattr } from "./unpack/libc.ts";

const BLOCK = 512;
const CHUNK = 1 << 20;

const enc = new TextEncoder();

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function paxRecord(key: string, value: string): string {
  // "%d %s=%s\n" where the length counts itself
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

interface Header {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  type: string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Uint8Array>;
}

function rawHeader(h: Header): Uint8Array {
  const buf = new Uint8Array(BLOCK);
  const put = (off: number, width: number, s: string) => {
    const b = enc.encode(s);
    buf.set(b.subarray(0, width), off);
  };
  put(0, 100, h.name);
  put(100, 8, octal(h.mode & 0o7777, 8));
  put(108, 8, octal(h.uid, 8));
  put(116, 8, octal(h.gid, 8));
  put(124, 12, octal(h.size, 12));
  put(136, 12, octal(h.mtime, 12));
  put(148, 8, "        ");
  put(156, 1, h.type);
  put(157, 100, h.linkname ?? "");
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  put(329, 8, octal(h.devmajor ?? 0, 8));
  put(337, 8, octal(h.devminor ?? 0, 8));
  let sum = 0;
  for (const b of buf) sum += b;
  put(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return buf;
}

const padding = (size: number) => (size % BLOCK === 0 ? 0 : BLOCK - (size % BLOCK));

/** A header, preceded by a PAX extended header when a field does not fit ustar. */
function headerBlocks(h: Header): Uint8Array[] {
  const records: string[] = [];
  if (Buffer.byteLength(h.name) > 100) records.push(paxRecord("path", h.name));
  if (h.linkname && Buffer.byteLength(h.linkname) > 100) records.push(paxRecord("linkpath", h.linkname));
  if (h.size > 0o77777777777) records.push(paxRecord("size", String(h.size)));
  if (h.uid > 0o7777777) records.push(paxRecord("uid", String(h.uid)));
  if (h.gid > 0o7777777) records.push(paxRecord("gid", String(h.gid)));
  for (const [k, v] of Object.entries(h.xattrs ?? {})) records.push(paxRecord(`SCHILY.xattr.${k}`, Buffer.from(v).toString("latin1")));
  const main = rawHeader({
    ...h,
    name: Buffer.byteLength(h.name) > 100 ? h.name.slice(0, 99) : h.name,
    linkname: h.linkname && Buffer.byteLength(h.linkname) > 100 ? "" : h.linkname,
    size: Math.min(h.size, 0o77777777777),
    uid: Math.min(h.uid, 0o7777777),
    gid: Math.min(h.gid, 0o7777777),
  });
  if (records.length === 0) return [main];
  const body = Buffer.from(records.join(""), "latin1");
  const pax = rawHeader({ name: "PaxHeader", mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 0, type: "x" });
  const bodyBlock = new Uint8Array(body.length + padding(body.length));
  bodyBlock.set(body);
  return [pax, bodyBlock, main];
}

export interface LayerTarOptions {
  /** called for each file whose content is streamed (progress) */
  onFile?: (rel: string, size: number) => void;
}

const WHITEOUT_TIME = 0;

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(path: string): boolean {
  const v = lgetxattr(path, "user.overlay.opaque");
  return v !== undefined && v.length === 1 && v[0] === 0x79; // "y"
}

/**
 * The tar stream of a layer directory, in chunks. A chunk is valid until the next one is asked
 * for (file data comes as a view of one reused buffer: a 1 GB layer never costs 1 GB of memory).
 */
export async function* layerTar(dir: string, options: LayerTarOptions = {}): AsyncGenerator<Uint8Array> {
  const seen = new Map<string, string>();
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  const flush = function* () {
    if (pendingSize === 0) return;
    const out = new Uint8Array(pendingSize);
    let off = 0;
    for (const b of pending) {
      out.set(b, off);
      off += b.length;
    }
    pending = [];
    pendingSize = 0;
    yield out;
  };
  const push = (b: Uint8Array) => {
    pending.push(b);
    pendingSize += b.length;
  };
  const buffer = new Uint8Array(CHUNK);

  function* entries(rel: string): Generator<{ rel: string; path: string; st: Stats }> {
    const base = rel === "" ? dir : `${dir}/${rel}`;
    // code unit order: the same everywhere this stream is produced (commit, push, save)
    const names = readdirSync(base).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const path = `${base}/${name}`;
      const st = lstatSync(path);
      yield { rel: childRel, path, st };
      if (st.isDirectory()) yield* entries(childRel);
    }
  }

  for (const { rel, path, st } of entries("")) {
    const mtime = Math.floor(st.mtimeMs / 1000);
    const owner = { uid: st.uid, gid: st.gid };
    if (isWhiteout(st)) {
      const slash = rel.lastIndexOf("/");
      const name = `${rel.slice(0, slash + 1)}.wh.${rel.slice(slash + 1)}`;
      for (const b of headerBlocks({ name, mode: 0, uid: 0, gid: 0, size: 0, mtime: WHITEOUT_TIME, type: "0" })) push(b);
    } else if (st.isDirectory()) {
      for (const b of headerBlocks({ name: `${rel}/`, mode: st.mode, ...owner, size: 0, mtime, type: "5" })) push(b);
      if (isOpaque(path)) for (const b of headerBlocks({ name: `${rel}/.wh..wh..opq`, mode: 0, uid: 0, gid: 0, size: 0, mtime: WHITEOUT_TIME, type: "0" })) push(b);
    } else if (st.isSymbolicLink()) {
      for (const b of headerBlocks({ name: rel, mode: st.mode, ...owner, size: 0, mtime, type: "2", linkname: readlinkSync(path) })) push(b);
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seen.get(key) : undefined;
      if (first !== undefined) {
        for (const b of headerBlocks({ name: rel, mode: st.mode, ...owner, size: 0, mtime, type: "1", linkname: first })) push(b);
        continue;
      }
      if (st.nlink > 1) seen.set(key, rel);
      const cap = lgetxattr(path, "security.capability");
      for (const b of headerBlocks({ name: rel, mode: st.mode, ...owner, size: st.size, mtime, type: "0", ...(cap ? { xattrs: { "security.capability": cap } } : {}) })) push(b);
      options.onFile?.(rel, st.size);
      const fd = openSync(path, "r");
      try {
        // headers so far go out first; file data is yielded as a view of one reused buffer
        yield* flush();
        let left = st.size;
        while (left > 0) {
          const n = readSync(fd, buffer, 0, Math.min(CHUNK, left), null);
          if (n <= 0) throw new Error(`${path}: file shrank while it was read`);
          yield buffer.subarray(0, n);
          left -= n;
        }
      } finally {
        closeSync(fd);
      }
      const pad = padding(st.size);
      if (pad) push(new Uint8Array(pad));
    } else if (st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice()) {
      const type = st.isFIFO() ? "6" : st.isCharacterDevice() ? "3" : "4";
      const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
      const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
      for (const b of headerBlocks({ name: rel, mode: st.mode, ...owner, size: 0, mtime, type, devmajor: major, devminor: minor })) push(b);
    }
    if (pendingSize >= CHUNK) yield* flush();
  }
  push(new Uint8Array(BLOCK * 2));
  yield* flush();
}

/** sha256 (the diff id) and size of a layer directory's tar stream. */
export async function layerDigest(dir: string): Promise<{ diffId: string; size: number }> {
  const hash = new Bun.CryptoHasher("sha256");
  let size = 0;
  for await (const chunk of layerTar(dir)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { diffId: `sha256:${hash.digest("hex")}`, size };
}
