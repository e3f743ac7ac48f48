/**
 * The live per-service status `up` shows on a terminal while it works: one line per container
 * (created, started, healthy, …) and per waiting service ("waiting for db (demo-db-1 is
 * starting)"), redrawn in place; warnings and info scroll above it. Off a terminal every event is
 * one plain line, as cliReporter prints it.
 */
import type { KittenEvent, Reporter } from "../../core/reporter.ts";
import { buildLogLines, textLine } from "./reporter.ts";

export interface LiveStatus extends Reporter {
  /** leaves the last state on screen and stops redrawing */
  done(): void;
}

export function liveStatus(
  write: (s: string) => void = (s) => void process.stderr.write(s),
  tty = Boolean(process.stderr.isTTY),
  color = !process.env.NO_COLOR,
): LiveStatus {
  const buildLines = buildLogLines(write);
  if (!tty) return { emit: (e) => buildLines(e) || write(`${textLine(e)}\n`), done() {} };
  const lines = new Map<string, string>();
  let drawn = 0;
  const clear = () => {
    if (drawn > 0) write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    const text = [...lines.values()];
    write(text.map((l) => `${l}\n`).join(""));
    drawn = text.length;
  };
  return {
    emit(e: KittenEvent) {
      clear();
      if (e.type === "container") {
        const service = e.service ? lines.get(`service ${e.service}`) : undefined;
        if (service !== undefined) lines.delete(`service ${e.service}`);
        lines.set(`container ${e.container}`, `  ${e.container.padEnd(24)} ${e.action}${e.detail ? ` ${e.detail}` : ""}${e.exitCode === undefined ? "" : ` (exit ${e.exitCode})`}`);
      } else if (e.type === "progress") {
        lines.set(`service ${e.id}`, `  ${e.id.padEnd(24)} ${e.action}`);
      } else if (!buildLines(e)) {
        write(`${textLine(e, color)}\n`);
      }
      draw();
    },
    done() {
      drawn = 0;
    },
  };
}
