/**
 * Container logs as conmon writes them (CRI "k8s-file" format, one record per line):
 * `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>` — P marks a partial line whose
 * newline is still to come.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";

export interface LogRecord {
  time: string;
  stream: "stdout" | "stderr";
  /** the text, with "\n" appended for full lines */
  text: string;
}

export function parseLogLine(line: string): LogRecord | undefined {
  const a = line.indexOf(" ");
  const b = line.indexOf(" ", a + 1);
  const c = line.indexOf(" ", b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? "" : line.slice(c + 1);
  return { time: line.slice(0, a), stream, text: tag === "P" ? text : `${text}\n` };
}

/** Reads a log file incrementally from a byte offset; returns whole lines only. */
export class LogReader {
  private offset = 0;
  private rest = "";
  constructor(private readonly path: string) {}

  read(): LogRecord[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return [];
    }
    if (size <= this.offset) return [];
    const fd = openSync(this.path, "r");
    try {
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.rest + buf.subarray(0, n).toString("utf8");
      const lines = text.split("\n");
      this.rest = lines.pop() ?? "";
      return lines.flatMap((l) => parseLogLine(l) ?? []);
    } finally {
      closeSync(fd);
    }
  }
}

/** The last `n` records (whole log when n is undefined). */
export function tailRecords(records: LogRecord[], n?: number): LogRecord[] {
  if (n === undefined || n < 0) return records;
  // --tail counts lines, and a partial record is not yet a line of its own
  let lines = 0;
  let i = records.length;
  while (i > 0 && lines < n) {
    i--;
    if (records[i]!.text.endsWith("\n")) lines++;
  }
  while (i > 0 && !records[i - 1]!.text.endsWith("\n")) i--;
  return n === 0 ? [] : records.slice(i);
}
