/**
 * Reading a container's log as conmon writes it (CRI "k8s-file": one record per line,
 * `<RFC3339Nano time> <stdout|stderr> <F|P> <text>`, P for a partial line whose newline is still
 * to come), with the bounds of issue #13:
 * - memory stays small whatever the log's size: at most `chunkBytes` are read per call;
 * - `--tail N` reads from the end backwards (a 10 GB log costs a few kilobytes);
 * - rotated files (`ctr.log.<n>` … `ctr.log.1`, log-rotation.ts) come first, in order;
 * - a follower never loses lines to a rotation: it keeps the file it reads open, drains it to
 *   its end once the path names a new file (rotated or truncated by conmon), then moves on.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";

export interface LogRecord {
  /** RFC 3339 with nanoseconds, as conmon writes it */
  time: string;
  stream: "stdout" | "stderr";
  /** the text with its newline; a partial (P) record has none */
  text: string;
}

/** Where a reader has read up to: the file's inode (a replaced file starts over) and byte offset. */
export interface LogPosition {
  ino: number;
  offset: number;
}

/** One k8s-file record: `<time> <stdout|stderr> <F|P> <text>`. */
export function parseK8sFileLine(line: string): LogRecord | undefined {
  const a = line.indexOf(" ");
  const b = a < 0 ? -1 : line.indexOf(" ", a + 1);
  if (b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const c = line.indexOf(" ", b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? "" : line.slice(c + 1);
  return { time: line.slice(0, a), stream, text: tag === "P" ? text : `${text}\n` };
}

/** Whether a raw record line (without its newline) ends a line of output (tag F). */
function isFullRecord(line: Buffer): boolean {
  let spaces = 0;
  for (let i = 0; i < line.length && i < 64; i++) {
    if (line[i] !== 0x20) continue;
    if (++spaces === 2) return line[i + 1] !== 0x50; // "P"
  }
  return true;
}

/** The rotated files of a log, oldest first (`<path>.<n>` … `<path>.1`), as they are now. */
export function rotatedFiles(path: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < 1000 && existsSync(`${path}.${i}`); i++) out.unshift(`${path}.${i}`);
  return out;
}

interface Open {
  fd: number;
  ino: number;
  offset: number;
}

export const CHUNK_BYTES = 4 * 1024 * 1024;

export class K8sFileReader {
  /** files still to read, oldest first; the last is the one the path named when opened */
  private files: Open[] = [];
  /** the bytes of an incomplete last line, kept as bytes so a character split by a read stays whole */
  private rest: Buffer = Buffer.alloc(0);
  private started = false;

  /** `from`: continue where an earlier reader stopped (from its start when that file is gone) */
  constructor(
    private readonly path: string,
    private readonly from?: LogPosition,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  private open(p: string): Open | undefined {
    try {
      const fd = openSync(p, "r");
      return { fd, ino: fstatSync(fd).ino, offset: 0 };
    } catch {
      return undefined;
    }
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.files = [...rotatedFiles(this.path), this.path].flatMap((p) => this.open(p) ?? []);
    if (!this.from) return;
    const at = this.files.findIndex((f) => f.ino === this.from!.ino);
    if (at < 0) return;
    for (const f of this.files.splice(0, at)) closeSync(f.fd);
    this.files[0]!.offset = Math.min(this.from.offset, fstatSync(this.files[0]!.fd).size);
  }

  /** Positions the reader so that what it reads next are the last n lines (n records ending a line). */
  seekTail(n: number): void {
    this.start();
    this.rest = Buffer.alloc(0);
    // backwards from the newest file: past n+1 full records, the last n lines begin after it
    // (partial records before a line's full one belong to it; a last line without its newline
    // is not a line yet)
    let found = 0;
    for (let i = this.files.length - 1; i >= 0; i--) {
      const f = this.files[i]!;
      // no further than the end stopAtCurrentEnd fixed (the file grows while this looks back)
      let pos = this.endOf(f);
      /** absolute offset of the newline that ends the line whose start is being looked for */
      let lineEnd: number | undefined;
      let carry = Buffer.alloc(0);
      while (pos > 0) {
        const len = Math.min(64 * 1024, pos);
        pos -= len;
        const buf = Buffer.alloc(len);
        readSync(f.fd, buf, 0, len, pos);
        const data = carry.length ? Buffer.concat([buf, carry]) : buf;
        for (let j = data.length - 1; j >= 0; j--) {
          if (data[j] !== 10) continue;
          if (lineEnd !== undefined && isFullRecord(data.subarray(j + 1, lineEnd - pos)) && ++found > n) return this.skipTo(i, lineEnd + 1);
          lineEnd = pos + j;
        }
        carry = lineEnd === undefined ? Buffer.alloc(0) : data.subarray(0, lineEnd - pos);
      }
      // the file's first line
      if (lineEnd !== undefined && isFullRecord(carry) && ++found > n) return this.skipTo(i, lineEnd + 1);
    }
    // fewer than n lines in all: everything
    for (const f of this.files) f.offset = 0;
  }

  private endOf(f: Open): number {
    const size = fstatSync(f.fd).size;
    return this.until && f.ino === this.until.ino ? Math.min(size, this.until.size) : size;
  }

  private skipTo(index: number, offset: number): void {
    for (const f of this.files.splice(0, index)) closeSync(f.fd);
    this.files[0]!.offset = offset;
  }

  /**
   * Reads no further than what is written now: `logs` without --follow ends at the log's end as
   * it was, even while the container keeps writing (it would never catch up with `yes`).
   */
  stopAtCurrentEnd(): void {
    this.start();
    const last = this.files.at(-1);
    this.until = last ? { ino: last.ino, size: fstatSync(last.fd).size } : { ino: -1, size: 0 };
  }

  private until?: { ino: number; size: number };

  /** The position after the last complete record returned. */
  position(): LogPosition {
    this.start();
    const f = this.files[0];
    return f ? { ino: f.ino, offset: f.offset - this.rest.length } : { ino: -1, offset: 0 };
  }

  /** More is there to read now: the last read stopped at its byte limit, or a newer file waits. */
  more(): boolean {
    if (!this.started) return false;
    const f = this.files[0];
    if (!f) return false;
    if (this.files.length > 1) return true;
    let size = fstatSync(f.fd).size;
    if (this.until && f.ino === this.until.ino) size = Math.min(size, this.until.size);
    return size > f.offset;
  }

  /** The next records, from at most chunkBytes of the log; [] when there is nothing new. */
  read(): LogRecord[] {
    if (!this.until) return this.readRaw();
    // without --follow: a line's partial records wait for the record that ends it, so a line still
    // being written when the end was fixed is not shown — even when its first part ends a rotated file
    for (;;) {
      const out = this.readRaw();
      if (out.length === 0) {
        this.held = [];
        return [];
      }
      const all = this.held.length ? [...this.held, ...out] : out;
      let cut = all.length;
      while (cut > 0 && !all[cut - 1]!.text.endsWith("\n")) cut--;
      this.held = all.slice(cut);
      // a line longer than a chunk goes out in parts rather than held whole in memory
      if (this.held.reduce((n, r) => n + r.text.length, 0) > this.chunkBytes) {
        cut = all.length;
        this.held = [];
      }
      if (cut > 0) return all.slice(0, cut);
    }
  }

  /** partial records read but not returned yet (see read) */
  private held: LogRecord[] = [];

  private readRaw(): LogRecord[] {
    this.start();
    for (;;) {
      const f = this.files[0];
      if (!f) {
        // nothing was there when opened: the path may exist by now
        const opened = this.open(this.path);
        if (!opened) return [];
        this.files.push(opened);
        continue;
      }
      let size = fstatSync(f.fd).size;
      if (this.until && f.ino === this.until.ino) {
        if (f.offset >= this.until.size) return [];
        size = Math.min(size, this.until.size);
      }
      if (size < f.offset) {
        // truncated in place: start over
        f.offset = 0;
        this.rest = Buffer.alloc(0);
      }
      if (size > f.offset) {
        const out = this.take(f, Math.min(size - f.offset, this.chunkBytes));
        // a chunk that ended inside a long line gave nothing yet: read on
        if (out.length === 0 && f.offset < size) continue;
        return out;
      }
      // at the end of this file: go on with the next one, or with the file the path names now
      if (this.files.length > 1) {
        this.next();
        continue;
      }
      if (this.until) return [];
      let now: number | undefined;
      try {
        now = statSync(this.path).ino;
      } catch {}
      if (now === undefined || now === f.ino) return [];
      const opened = this.open(this.path);
      if (!opened) return [];
      // drained up to here; anything conmon wrote before it reopened was read above
      if (fstatSync(f.fd).size > f.offset) {
        closeSync(opened.fd);
        continue;
      }
      this.files.push(opened);
      this.next();
    }
  }

  private next(): void {
    const done = this.files.shift();
    if (done) closeSync(done.fd);
    // a partial line at the end of a rotated file does not continue in the next one
    this.rest = Buffer.alloc(0);
  }

  private take(f: Open, len: number): LogRecord[] {
    const buf = Buffer.alloc(len);
    const n = readSync(f.fd, buf, 0, len, f.offset);
    f.offset += n;
    const chunk = this.rest.length ? Buffer.concat([this.rest, buf.subarray(0, n)]) : buf.subarray(0, n);
    const end = chunk.lastIndexOf(10);
    if (end < 0) {
      this.rest = Buffer.from(chunk);
      return [];
    }
    this.rest = Buffer.from(chunk.subarray(end + 1));
    const out: LogRecord[] = [];
    for (const line of chunk.subarray(0, end).toString("utf8").split("\n")) {
      const r = parseK8sFileLine(line);
      if (r) out.push(r);
    }
    return out;
  }

  close(): void {
    for (const f of this.files) closeSync(f.fd);
    this.files = [];
  }
}

/** Every record from where the reader stands to the end of what is written now (or its limit). */
export function readAll(reader: K8sFileReader): LogRecord[] {
  const out: LogRecord[] = [];
  for (let batch = reader.read(); batch.length > 0; batch = reader.read()) out.push(...batch);
  return out;
}

/** The last n lines of a log (its rotated files included), read from the end. */
export function lastRecords(path: string, n: number): LogRecord[] {
  const reader = new K8sFileReader(path);
  try {
    reader.stopAtCurrentEnd();
    reader.seekTail(n);
    return readAll(reader);
  } finally {
    reader.close();
  }
}
