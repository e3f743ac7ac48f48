/**
 * A streaming tar parser: feed it chunks, it calls back once per entry with the header and
 * then with the entry's data. Reads ustar (with the prefix field), pax extended and global
 * headers (path, linkpath, size, uid, gid, mtime, xattrs), GNU long names and long link names
 * (`L`/`K`), and base-256 numbers — the formats docker, buildkit and skopeo layers use.
 */
export type TarType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarHeader {
  path: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** seconds since the epoch, fractional with pax */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Record<string, string>;
}

export interface TarSink {
  /** a new entry; its data follows through `data` */
  entry(header: TarHeader): void;
  data(chunk: Uint8Array): void;
  /** the current entry's data is complete */
  end(): void;
}

export class TarFormatError extends Error {}

const decoder = new TextDecoder();

function cstr(buf: Uint8Array, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && buf[end] !== 0) end++;
  return decoder.decode(buf.subarray(offset, end));
}

function num(buf: Uint8Array, offset: number, length: number): number {
  if ((buf[offset]! & 0x80) !== 0) {
    // base-256 (GNU/star): big-endian two's complement; negative values are not meaningful here
    let value = buf[offset]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + buf[offset + i]!;
    return value;
  }
  const text = cstr(buf, offset, length).trim();
  if (!text) return 0;
  const value = parseInt(text, 8);
  // the field's bytes are not shown: they may be anything (a corrupt or hostile layer)
  if (Number.isNaN(value)) throw new TarFormatError("a header has a number field that is not octal");
  return value;
}

const TYPES: Record<string, TarType> = { "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo" };

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    let space = pos;
    while (space < data.length && data[space] !== 0x20) space++;
    const len = parseInt(decoder.decode(data.subarray(pos, space)), 10);
    if (!len || len <= 0 || pos + len > data.length) throw new TarFormatError("bad pax record length");
    const record = decoder.decode(data.subarray(space + 1, pos + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

type State = "header" | "body" | "meta" | "padding" | "done";

export class TarReader {
  private state: State = "header";
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private remaining = 0;
  private padding = 0;
  private metaKind = "";
  private metaParts: Uint8Array[] = [];
  private pax: Record<string, string> = {};
  private globalPax: Record<string, string> = {};
  private longName?: string;
  private longLink?: string;
  private zeroBlocks = 0;

  constructor(private readonly sink: TarSink) {}

  get finished(): boolean {
    return this.state === "done";
  }

  write(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length && this.state !== "done") {
      if (this.state === "header") {
        const need = 512 - this.pendingLength;
        if (this.pendingLength === 0 && chunk.length - pos >= 512) {
          this.header(chunk.subarray(pos, pos + 512));
          pos += 512;
        } else {
          const take = Math.min(need, chunk.length - pos);
          this.pending.push(chunk.slice(pos, pos + take));
          this.pendingLength += take;
          pos += take;
          if (this.pendingLength === 512) {
            const block = concat(this.pending, 512);
            this.pending = [];
            this.pendingLength = 0;
            this.header(block);
          }
        }
      } else if (this.state === "body" || this.state === "meta") {
        const take = Math.min(this.remaining, chunk.length - pos);
        const part = chunk.subarray(pos, pos + take);
        if (this.state === "body") this.sink.data(part);
        else this.metaParts.push(part.slice());
        this.remaining -= take;
        pos += take;
        if (this.remaining === 0) this.finishData();
      } else if (this.state === "padding") {
        const take = Math.min(this.padding, chunk.length - pos);
        this.padding -= take;
        pos += take;
        if (this.padding === 0) this.state = "header";
      }
    }
  }

  /** Call at end of input: a truncated archive is an error, a missing end-of-archive marker is not (as GNU tar). */
  close(): void {
    if (this.state === "body" || this.state === "meta" || (this.state === "header" && this.pendingLength > 0)) {
      throw new TarFormatError("unexpected end of archive");
    }
  }

  private header(block: Uint8Array): void {
    if (block.every((b) => b === 0)) {
      if (++this.zeroBlocks >= 2) this.state = "done";
      return;
    }
    this.zeroBlocks = 0;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
    const stored = num(block, 148, 8);
    if (stored !== sum) throw new TarFormatError("bad header checksum");
    const flag = String.fromCharCode(block[156]!);
    const size = num(block, 124, 12);
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      this.metaKind = flag;
      this.metaParts = [];
      this.startData(size, "meta");
      return;
    }
    const type = TYPES[flag];
    if (!type) throw new TarFormatError(`unsupported entry type ${JSON.stringify(flag)}`);
    const magic = cstr(block, 257, 6);
    const prefix = magic === "ustar" && block[262] === 0 ? cstr(block, 345, 155) : "";
    let path = this.longName ?? (prefix ? `${prefix}/${cstr(block, 0, 100)}` : cstr(block, 0, 100));
    const pax = { ...this.globalPax, ...this.pax };
    if (pax.path !== undefined) path = pax.path;
    const xattrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(pax)) if (k.startsWith("SCHILY.xattr.")) xattrs[k.slice(13)] = v;
    const header: TarHeader = {
      path,
      type,
      mode: num(block, 100, 8) & 0o7777,
      uid: pax.uid !== undefined ? Number(pax.uid) : num(block, 108, 8),
      gid: pax.gid !== undefined ? Number(pax.gid) : num(block, 116, 8),
      size: pax.size !== undefined ? Number(pax.size) : size,
      mtime: pax.mtime !== undefined ? Number(pax.mtime) : num(block, 136, 12),
      linkname: pax.linkpath ?? this.longLink ?? cstr(block, 157, 100),
      devmajor: num(block, 329, 8),
      devminor: num(block, 337, 8),
      xattrs,
    };
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    // only regular files carry data (Go archive/tar's header-only types, which docker layers follow)
    if (type !== "file") header.size = 0;
    this.sink.entry(header);
    this.startData(header.size, "body");
  }

  private startData(size: number, state: "body" | "meta"): void {
    this.remaining = size;
    this.padding = (512 - (size % 512)) % 512;
    this.state = state;
    if (size === 0) this.finishData();
  }

  private finishData(): void {
    if (this.state === "body") this.sink.end();
    else {
      const data = concat(this.metaParts, this.metaParts.reduce((n, p) => n + p.length, 0));
      if (this.metaKind === "x") this.pax = parsePax(data);
      else if (this.metaKind === "g") this.globalPax = { ...this.globalPax, ...parsePax(data) };
      else if (this.metaKind === "L") this.longName = cstr(data, 0, data.length);
      else if (this.metaKind === "K") this.longLink = cstr(data, 0, data.length);
    }
    this.state = this.padding > 0 ? "padding" : "header";
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === length) return parts[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
