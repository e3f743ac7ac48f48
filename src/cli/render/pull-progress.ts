/**
 * How image pulls look: on a TTY one line per layer redrawn in place with a progress bar; in a
 * pipe one plain line per state change (no download ticks); `--format json` every event as a JSON
 * line; `--quiet` warnings only. All on stderr, so stdout carries only the pulled references.
 */
import type { KittenEvent, Reporter } from "../../core/reporter.ts";

export type PullDisplay = "tty" | "plain" | "json" | "quiet";

export function pullDisplay(options: { format: "text" | "json"; quiet: boolean }): PullDisplay {
  if (options.format === "json") return "json";
  if (options.quiet) return "quiet";
  return process.stderr.isTTY && process.env.TERM !== "dumb" ? "tty" : "plain";
}

export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

function bar(current: number, total: number, width = 30): string {
  const filled = total > 0 ? Math.min(width, Math.round((current / total) * width)) : 0;
  return `[${"=".repeat(Math.max(0, filled - 1))}${filled > 0 ? ">" : ""}${" ".repeat(width - filled)}]`;
}

export function pullReporter(display: PullDisplay, write: (s: string) => void = (s) => void process.stderr.write(s)): Reporter & { finish(): void } {
  if (display === "json") return { emit: (e) => write(`${JSON.stringify(e)}\n`), finish() {} };
  const warn = (e: KittenEvent) => e.type === "warning" && write(`warning: ${e.message}\n`);
  if (display === "quiet") return { emit: warn, finish() {} };
  if (display === "plain") {
    const last = new Map<string, string>();
    return {
      emit(e) {
        if (e.type === "warning") return warn(e);
        if (e.type === "info") return write(`${e.message}\n`);
        if (e.type !== "progress" || last.get(e.id) === e.action) return;
        last.set(e.id, e.action);
        const size = e.action === "downloading" && e.total ? ` ${humanSize(e.total)}` : "";
        write(`${e.id}: ${e.action}${size}\n`);
      },
      finish() {},
    };
  }
  // tty: a block of lines, one per layer, redrawn in place at most every 80 ms
  const order: string[] = [];
  const lines = new Map<string, string>();
  let drawn = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const draw = () => {
    timer = undefined;
    let out = drawn > 0 ? `\x1b[${drawn}A` : "";
    for (const id of order) out += `\x1b[2K${lines.get(id)}\n`;
    drawn = order.length;
    write(out);
  };
  const schedule = () => {
    timer ??= setTimeout(draw, 80);
  };
  return {
    emit(e) {
      if (e.type === "warning" || e.type === "info") {
        if (timer) clearTimeout(timer);
        draw();
        drawn = 0;
        write(e.type === "warning" ? `warning: ${e.message}\n` : `${e.message}\n`);
        return;
      }
      if (e.type !== "progress") return;
      if (!lines.has(e.id)) order.push(e.id);
      const detail = e.action === "downloading" && e.total ? ` ${bar(e.current ?? 0, e.total)} ${humanSize(e.current ?? 0)}/${humanSize(e.total)}` : "";
      lines.set(e.id, `${e.id}: ${e.action}${detail}`);
      schedule();
    },
    finish() {
      if (timer) clearTimeout(timer);
      if (order.length > 0) draw();
    },
  };
}
