/**
 * Writes image archives (`kitten image save`) as a tar stream: ustar headers (POSIX.1-1988), a pax
 * extended header for a name longer than 100 bytes, sizes beyond 8 GiB in base-256 as GNU tar and
 * Go's archive/tar write them. Every entry is a regular file owned by 0:0 with mtime 0, so saving
 * the same images twice gives the same bytes. Only names kitten chooses go in (blobs/sha256/<hex>,
 * manifest.json, ...): this writer never reads a path from the archive's content.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";

const BLOCK = 512;
const enc = new TextEncoder();

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** The 12-byte size field: octal up to 8 GiB - 1, base-256 above (a leading 0x80 byte). */
function sizeField(size: number): Uint8Array {
  if (size < 0o77777777777) return enc.encode(octal(size, 12));
  const field = new Uint8Array(12);
  let rest = BigInt(size);
  for (let i = 11; i > 0; i--) {
    field[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  field[0] = 0x80;
  return field;
}

function header(name: string, size: number, typeflag: "0" | "x"): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (offset: number, text: string) => h.set(enc.encode(text), offset);
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  h.set(sizeField(size), 124);
  put(136, octal(0, 12));
  put(148, "        ");
  put(156, typeflag);
  put(257, "ustar\u000000");
  put(265, "root");
  put(297, "root");
  let sum = 0;
  for (const b of h) sum += b;
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** A pax record `<len> path=<value>\n`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const len = enc.encode(body).length;
  let total = len + String(len).length;
  if (String(total).length !== String(len).length) total = len + String(total).length;
  return `${total}${body}`;
}

export class ArchiveWriter {
  constructor(private readonly out: Writable) {}

  private async write(chunk: Uint8Array): Promise<void> {
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  private async entryHeader(name: string, size: number): Promise<void> {
    if (enc.encode(name).length > 100) {
      const pax = enc.encode(paxRecord("path", name));
      await this.write(header("PaxHeaders/entry", pax.length, "x"));
      await this.write(pax);
      await this.padding(pax.length);
    }
    await this.write(header(name.slice(0, 100), size, "0"));
  }

  private async padding(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest !== 0) await this.write(new Uint8Array(BLOCK - rest));
  }

  /** A file with the given content. */
  async bytes(name: string, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    await this.entryHeader(name, bytes.length);
    await this.write(bytes);
    await this.padding(bytes.length);
  }

  /** A file copied from `path`, which must hold exactly `size` bytes (checked: a short file would corrupt the archive). */
  async file(name: string, path: string, size: number): Promise<void> {
    await this.entryHeader(name, size);
    let written = 0;
    for await (const chunk of Bun.file(path).stream()) {
      written += chunk.length;
      if (written > size) break;
      await this.write(chunk);
    }
    if (written !== size) throw new Error(`${path} changed while it was archived (${written} bytes, expected ${size})`);
    await this.padding(size);
  }

  /** The end-of-archive marker: two zero blocks. */
  async finish(): Promise<void> {
    await this.write(new Uint8Array(BLOCK * 2));
  }
}
