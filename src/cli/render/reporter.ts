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
  return { emit: (event) => write(`${textLine(event, color)}\n`) };
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
