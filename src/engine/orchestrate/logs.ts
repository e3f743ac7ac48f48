/**
 * `kitten logs` for a project: the log files of every container of the selected services
 * (conmon's k8s-file format), interleaved by timestamp, with --tail per container (as compose
 * counts it), --since / --until, and --follow that keeps following across restarts (the same
 * file grows; a truncated or replaced file is read again from its start) and across replicas
 * that come and go (the container set is re-read on every tick). docker/compose#8925 and
 * nerdctl#2572 are the bugs this avoids.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { timeKey } from "./log-time.ts";

export interface LogRecord {
  /** RFC 3339 with nanoseconds, as conmon writes it */
  time: string;
  stream: "stdout" | "stderr";
  /** the text with its newline; a partial (P) record has none */
  text: string;
}

export interface LogLine extends LogRecord {
  container: string;
  service: string;
}

export interface LogContainer {
  name: string;
  service: string;
  logPath?: string;
}

/** Where a reader has read up to in a file: its inode (a replaced file starts over) and byte offset. */
export interface LogPosition {
  ino: number;
  offset: number;
}

/** Per container name: how far its log was delivered. An SSE stream resumes from it (Last-Event-ID). */
export type LogCursor = Record<string, LogPosition>;

export interface LogReader {
  read(): LogRecord[];
  /** the position after the last complete record returned */
  position?(): LogPosition;
}

export interface LogFiles {
  /** the project's containers now (selected services only) */
  containers(): LogContainer[];
  open(path: string, from?: LogPosition): LogReader;
}

export interface ProjectLogsOptions {
  follow?: boolean;
  /** lines per container from the end; undefined = all */
  tail?: number;
  since?: string;
  until?: string;
  signal?: AbortSignal;
  pollMs?: number;
  /** waits between follow ticks: a timer by default, an inotify wake-up in project-api's logs() */
  sleep?: (ms: number) => Promise<void>;
  /** resume: containers named here are read from their position, without --tail */
  from?: LogCursor;
  /** after each read's lines were delivered: the position every container's log was read to */
  onTick?: (cursor: LogCursor) => void;
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

/** Reads a growing log file from where it left off; starts over when the file shrank (replaced or truncated). */
export class K8sFileReader implements LogReader {
  private offset = 0;
  /** the bytes of an incomplete last line, kept as bytes so a character split by a read stays whole */
  private rest: Buffer = Buffer.alloc(0);
  private ino = -1;

  /** `from`: continue where an earlier reader stopped (ignored when the file was replaced since) */
  constructor(
    private readonly path: string,
    from?: LogPosition,
  ) {
    if (from) {
      this.ino = from.ino;
      this.offset = from.offset;
    }
  }

  position(): LogPosition {
    return { ino: this.ino, offset: this.offset - this.rest.length };
  }

  read(): LogRecord[] {
    let st;
    try {
      st = statSync(this.path);
    } catch {
      return [];
    }
    if (st.ino !== this.ino || st.size < this.offset) {
      this.ino = st.ino;
      this.offset = 0;
      this.rest = Buffer.alloc(0);
    }
    if (st.size === this.offset) return [];
    const fd = openSync(this.path, "r");
    try {
      const buf = Buffer.alloc(st.size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
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
    } finally {
      closeSync(fd);
    }
  }
}

/** The last n lines; a partial record belongs to the line that follows it. */
export function tailLines(records: LogRecord[], n: number | undefined): LogRecord[] {
  if (n === undefined || n < 0) return records;
  if (n === 0) return [];
  let lines = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i]!.text.endsWith("\n")) {
      lines++;
      if (lines > n) return records.slice(i + 1);
    }
  }
  return records;
}

function inWindow(r: LogRecord, since?: string, until?: string): boolean {
  const t = timeKey(r.time);
  return (since === undefined || t >= timeKey(since)) && (until === undefined || t <= timeKey(until));
}

/** Merges per-container batches by timestamp, keeping each container's own order. */
export function interleave(batches: LogLine[][]): LogLine[] {
  const all = batches.flatMap((b, bi) => b.map((l, i) => ({ l, k: timeKey(l.time), bi, i })));
  all.sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : x.bi - y.bi || x.i - y.i));
  return all.map((x) => x.l);
}

export async function projectLogs(files: LogFiles, o: ProjectLogsOptions, onLine: (l: LogLine) => void): Promise<void> {
  const readers = new Map<string, { reader: LogReader; path: string }>();
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const collect = (first: boolean): LogLine[][] => {
    const batches: LogLine[][] = [];
    const current = files.containers();
    for (const c of current) {
      if (!c.logPath) continue;
      let entry = readers.get(c.name);
      const resumed = first ? o.from?.[c.name] : undefined;
      if (!entry || entry.path !== c.logPath) {
        // a new replica, or a recreated container with a new file: read it from the start
        entry = { reader: files.open(c.logPath, resumed), path: c.logPath };
        readers.set(c.name, entry);
      }
      let records = entry.reader.read().filter((r) => inWindow(r, o.since, o.until));
      if (first && !resumed) records = tailLines(records, o.tail);
      batches.push(records.map((r) => ({ ...r, container: c.name, service: c.service })));
    }
    const names = new Set(current.map((c) => c.name));
    for (const name of readers.keys()) if (!names.has(name)) readers.delete(name);
    return batches;
  };
  const deliver = (batches: LogLine[][]) => {
    for (const l of interleave(batches)) onLine(l);
    if (o.onTick) {
      const cursor: LogCursor = {};
      for (const [name, { reader }] of readers) {
        const at = reader.position?.();
        if (at) cursor[name] = at;
      }
      o.onTick(cursor);
    }
  };
  deliver(collect(true));
  while (o.follow && !o.signal?.aborted) {
    await sleep(o.pollMs ?? 100);
    if (o.signal?.aborted) break;
    deliver(collect(false));
  }
  // after a stop (every container exited, or cancelled): their last lines may have landed after
  // the last read (conmon writes the log before the exit file, but the exit can be seen first)
  if (o.follow) deliver(collect(false));
}
