/**
 * The CLI's renderers of engine events (STYLE.md §5): text lines for people (`warning: ...`),
 * or one JSON object per line for `--format json`. Events go to stderr so that stdout carries
 * only a command's result (the plan, the project, the check list) and stays parseable.
 */
import type { KittenEvent, Reporter } from "../../core/reporter.ts";
import { invocation } from "../invocation.ts";

export type EventFormat = "text" | "json";

export interface CliReporterOptions {
  format?: EventFormat;
  /** where lines go; stderr by default */
  write?: (line: string) => void;
  /** colour the `warning:` prefix; default: stderr is a TTY and NO_COLOR is unset */
  color?: boolean;
}

const stderrWrite = (s: string) => void process.stderr.write(s);

export function cliReporter(options: CliReporterOptions = {}): Reporter {
  const write = options.write ?? stderrWrite;
  // compose's global --progress: json lines, or quiet (warnings only)
  const progress = invocation().global.progress;
  if (options.format === "json" || (options.format === undefined && progress === "json")) return { emit: (event) => write(`${JSON.stringify(event)}\n`) };
  if (progress === "quiet") return { emit: (event) => (event.type === "warning" ? write(`${textLine(event, false)}\n`) : undefined) };
  const color = options.color ?? (Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
  const buildLines = buildLogLines(write);
  return { emit: (event) => buildLines(event) || write(`${textLine(event, color)}\n`) };
}

/**
 * A build step's output as whole lines: it comes in chunks that split lines anywhere (apt writes
 * "E", ": " and the message apart), so each line is printed once complete and a step's rest when
 * the step ends. Returns whether it printed the event itself (build-log events).
 */
export function buildLogLines(write: (s: string) => void): (event: KittenEvent) => boolean {
  const partial = new Map<number, string>();
  return (event) => {
    if (event.type === "build-log") {
      const parts = ((partial.get(event.id) ?? "") + event.text).split("\n");
      partial.set(event.id, parts.pop() ?? "");
      for (const line of parts) write(`#${event.id} ${line}\n`);
      return true;
    }
    if (event.type === "build-step" && event.status !== "running") {
      const rest = partial.get(event.id);
      partial.delete(event.id);
      if (rest) write(`#${event.id} ${rest}\n`);
    }
    return false;
  };
}

/** One line of text for an event. */
export function textLine(event: KittenEvent, color = false): string {
  switch (event.type) {
    case "warning":
      return `${color ? "\x1b[33mwarning:\x1b[0m" : "warning:"} ${event.message}`;
    case "info":
      return event.message;
    case "progress": {
      const count = event.total === undefined ? "" : ` ${event.current ?? 0}/${event.total}`;
      return `${event.id}: ${event.action}${count}${event.done ? " done" : ""}`;
    }
    case "container": {
      const exit = event.exitCode === undefined ? "" : ` (exit ${event.exitCode})`;
      const detail = event.detail ? `: ${event.detail}` : "";
      return `container ${event.container} ${event.action}${exit}${detail}`;
    }
    case "build-step":
      return `#${event.id} ${event.name}${event.status === "running" ? "" : ` ${event.status.toUpperCase()}`}`;
    case "build-log":
      return `#${event.id} ${event.text.replace(/\n$/, "")}`;
  }
}
