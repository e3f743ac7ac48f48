/**
 * Container logs as conmon writes them (CRI "k8s-file" format, one record per line):
 * `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>` — P marks a partial line whose
 * newline is still to come. The reader is ./log-reader.ts (bounded memory, tail from the end,
 * rotated files); these names stay for the runtime's callers.
 */
export { K8sFileReader as LogReader, parseK8sFileLine as parseLogLine, type LogRecord } from "./log-reader.ts";
import type { LogRecord } from "./log-reader.ts";

/** The last `n` records of a list (whole list when n is undefined). */
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
