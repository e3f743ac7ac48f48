/**
 * The last lines a build step printed, kept while it runs so a failure can be recorded for
 * `kitten diagnose` (the progress renderer keeps its own copy for the screen). Output arrives in
 * chunks that split lines anywhere; each stream's partial line waits for its newline, complete
 * lines go into one ring in the order they completed. Pure.
 */
export class OutputTail {
  private readonly lines: string[] = [];
  private readonly partial = new Map<string, string>();

  constructor(private readonly max: number) {}

  add(stream: string, text: string): void {
    const parts = ((this.partial.get(stream) ?? "") + text).split("\n");
    this.partial.set(stream, parts.pop() ?? "");
    for (const p of parts) this.push(p);
  }

  private push(line: string): void {
    this.lines.push(line.replace(/\r$/, ""));
    if (this.lines.length > this.max) this.lines.shift();
  }

  /** The lines so far, unterminated last lines included. */
  take(): string[] {
    const out = [...this.lines];
    for (const rest of this.partial.values()) if (rest) out.push(rest);
    return out.slice(-this.max);
  }
}
