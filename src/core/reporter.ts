/**
 * The engine never prints (STYLE.md §5): it reports typed events through a Reporter, and each
 * front end (CLI text, `--format json` lines, the HTTP API) decides how to render them.
 */
export type KittenEvent =
  | { type: "warning"; message: string }
  | { type: "info"; message: string }
  | { type: "progress"; id: string; action: string; current?: number; total?: number; done?: boolean }
  | { type: "container"; action: string; container: string; service?: string; exitCode?: number; detail?: string }
  /** image builds (issue #11): a step `#id [stage i/n] INSTRUCTION` changed state, or wrote output */
  | { type: "build-step"; id: number; name: string; status: "running" | "cached" | "done" | "error"; durationMs?: number; image?: string }
  | { type: "build-log"; id: number; stream: "stdout" | "stderr"; text: string };

export interface Reporter {
  emit(event: KittenEvent): void;
}

/** Collects events in memory — the reporter used by unit tests and by callers that batch. */
export class MemoryReporter implements Reporter {
  readonly events: KittenEvent[] = [];
  emit(event: KittenEvent): void {
    this.events.push(event);
  }
  get warnings(): string[] {
    return this.events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
  }
}

export const silentReporter: Reporter = { emit() {} };
