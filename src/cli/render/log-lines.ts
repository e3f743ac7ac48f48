/**
 * Log lines of several containers as compose prints them: `web-1 | <text>` — the container name
 * without its `<project>-` (compose getContainerNameWithoutProject) — the prefix padded to a
 * common width and coloured per container (NO_COLOR, --no-color or a non-TTY turn colour off),
 * `-t` adding the timestamp after the prefix.
 */
import type { LogLine } from "../../engine/orchestrate/logs.ts";

// the palette docker compose cycles through: cyan, yellow, green, magenta, blue, then bright ones
const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface LogPrinterOptions {
  color: boolean;
  timestamps?: boolean;
  /** one prefix for all lines is pointless with a single container (and --no-log-prefix) */
  prefix?: boolean;
  /** the project, whose name is left out of the prefix */
  project?: string;
  write?: (s: string) => void;
}

export function colorWanted(noColorFlag: boolean | undefined, stream: { isTTY?: boolean } = process.stdout): boolean {
  return !noColorFlag && !process.env.NO_COLOR && Boolean(stream.isTTY);
}

export function logPrinter(o: LogPrinterOptions): (l: LogLine) => void {
  const write = o.write ?? ((s: string) => void process.stdout.write(s));
  const colours = new Map<string, number>();
  let width = 0;
  return (l) => {
    let prefix = "";
    if (o.prefix !== false) {
      const name = o.project && l.container.startsWith(`${o.project}-`) ? l.container.slice(o.project.length + 1) : l.container;
      width = Math.max(width, name.length);
      if (!colours.has(l.container)) colours.set(l.container, COLOURS[colours.size % COLOURS.length]!);
      const text = `${name.padEnd(width)} | `;
      prefix = o.color ? `\x1b[${colours.get(l.container)}m${text}\x1b[0m` : text;
    }
    const ts = o.timestamps ? `${l.time} ` : "";
    write(`${prefix}${ts}${l.text.endsWith("\n") ? l.text : `${l.text}\n`}`);
  };
}
