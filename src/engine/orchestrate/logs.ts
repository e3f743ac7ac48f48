/**
 * `kitten logs` for a project: the log files of every container of the selected services
 * (conmon's k8s-file format), interleaved by timestamp, with --tail per container (as compose
 * counts it), --since / --until, and --follow that keeps following across restarts (the same
 * file grows; a truncated or replaced file is read again from its start) and across replicas
 * that come and go (the container set is re-read on every tick). docker/compose#8925 and
 * nerdctl#2572 are the bugs this avoids.
 */
import { timeKey } from "./log-time.ts";
import { K8sFileReader, parseK8sFileLine, type LogPosition, type LogRecord } from "../runtime/log-reader.ts";

export { K8sFileReader, parseK8sFileLine, type LogPosition, type LogRecord };

export interface LogLine extends LogRecord {
  container: string;
  service: string;
}

export interface LogContainer {
  name: string;
  service: string;
  logPath?: string;
}

/** Per container name: how far its log was delivered. An SSE stream resumes from it (Last-Event-ID). */
export type LogCursor = Record<string, LogPosition>;

export interface LogReader {
  /** the next records (a bounded amount); [] when there is nothing new */
  read(): LogRecord[];
  /** the position after the last complete record returned */
  position?(): LogPosition;
  /** what is read next are the last n lines (read from the end, whatever the log's size) */
  seekTail?(n: number): void;
  /** reads no further than the log's end as it is now (logs without --follow) */
  stopAtCurrentEnd?(): void;
  close?(): void;
  /** the last read stopped at its byte limit: more is there to read now */
  more?(): boolean;
}

export interface LogFiles {
  /** the project's containers now (selected services only) */
  containers(): LogContainer[];
  open(path: string, from?: LogPosition, limit?: number): LogReader;
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
  /** bytes one read takes from a file at most (a stream that starts far behind goes in steps, not one huge batch) */
  readLimit?: number;
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

/**
 * Joins partial records (conmon's P, written when a line is longer than its buffer or the
 * output stops without a newline) into the line they belong to, so a long line prints once
 * with one prefix instead of in pieces. A partial still open at the end is kept for the next
 * read; `flush` lets it out as it is.
 */
export class PartialJoiner {
  private readonly open = new Map<string, LogLine>();

  push(lines: LogLine[]): LogLine[] {
    const out: LogLine[] = [];
    for (const l of lines) {
      const key = `${l.container}\0${l.stream}`;
      const before = this.open.get(key);
      const joined = before ? { ...before, text: before.text + l.text } : l;
      if (joined.text.endsWith("\n")) {
        this.open.delete(key);
        out.push(joined);
      } else this.open.set(key, joined);
    }
    return out;
  }

  flush(): LogLine[] {
    const out = [...this.open.values()];
    this.open.clear();
    return out;
  }
}

export async function projectLogs(files: LogFiles, o: ProjectLogsOptions, onLine: (l: LogLine) => void): Promise<void> {
  const readers = new Map<string, { reader: LogReader; path: string }>();
  // partial records are joined into whole lines, except for a reader that resumes from a cursor
  // (`kitten serve`'s streams): a held-back part would be behind the cursor it is given
  const joiner = o.onTick ? undefined : new PartialJoiner();
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /** one round: at most a chunk of each container's log (memory stays bounded on a huge log) */
  const collect = (first: boolean): LogLine[][] => {
    const batches: LogLine[][] = [];
    const current = files.containers();
    for (const c of current) {
      if (!c.logPath) continue;
      let entry = readers.get(c.name);
      const resumed = first ? o.from?.[c.name] : undefined;
      let records: LogRecord[] | undefined;
      if (!entry || entry.path !== c.logPath) {
        entry?.reader.close?.();
        // a new replica, or a recreated container with a new file: read it from the start
        // --tail needs the whole file at once; otherwise a read takes at most readLimit bytes
        const limit = first && !resumed && o.tail !== undefined ? undefined : o.readLimit;
        entry = { reader: files.open(c.logPath, resumed, limit), path: c.logPath };
        readers.set(c.name, entry);
        // without --follow: up to the end as it is now, however fast the container writes
        if (!o.follow) entry.reader.stopAtCurrentEnd?.();
        if (first && !resumed && o.tail !== undefined && o.tail >= 0) {
          // --tail from the end: only the last lines are read at all
          if (entry.reader.seekTail) entry.reader.seekTail(o.tail);
          else records = tailLines(entry.reader.read(), o.tail);
        }
      }
      records ??= entry.reader.read();
      records = records.filter((r) => inWindow(r, o.since, o.until));
      const lines = records.map((r) => ({ ...r, container: c.name, service: c.service }));
      batches.push(joiner ? joiner.push(lines) : lines);
    }
    const names = new Set(current.map((c) => c.name));
    for (const [name, entry] of readers) {
      if (names.has(name)) continue;
      entry.reader.close?.();
      readers.delete(name);
    }
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
  const behind = () => [...readers.values()].some((e) => e.reader.more?.());
  try {
    deliver(collect(true));
    while (!o.signal?.aborted && (o.follow || behind())) {
      // still behind: read on at once (yielding to the loop); caught up: wait for the next write
      if (behind()) await new Promise<void>((r) => setImmediate(r));
      else await sleep(o.pollMs ?? 100);
      if (o.signal?.aborted) break;
      deliver(collect(false));
    }
    // after a stop (every container exited, or cancelled): their last lines may have landed after
    // the last read (conmon writes the log before the exit file, but the exit can be seen first)
    if (o.follow) {
      deliver(collect(false));
      while (!o.signal?.aborted && behind()) deliver(collect(false));
    }
    if (joiner) for (const l of joiner.flush()) onLine(l);
  } finally {
    for (const { reader } of readers.values()) reader.close?.();
  }
}
