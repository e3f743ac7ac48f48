/**
 * BuildKit-style build progress on stderr (issue #11 §7): `plain` prints every event as a line
 * (`#5 [2/3] RUN make`, `#5 <output>`, `#5 DONE 0.4s`, `#6 CACHED`); `tty` keeps the running
 * steps and their last output lines in a live region redrawn in place and folds a step to one
 * line when it succeeds; `json` prints the engine's events as JSON lines; `quiet` prints nothing
 * but warnings. Whatever the mode, a failed step's last output lines are shown before the error.
 */
import type { KittenEvent, Reporter } from "../../core/reporter.ts";
import { textLine } from "./reporter.ts";

export type ProgressMode = "tty" | "plain" | "json" | "quiet";

export interface BuildProgress extends Reporter {
  /** stops redrawing; call before printing the result or the error */
  done(): void;
}

const KEEP = 20;
const SHOWN = 6;

export function parseProgress(value: string | undefined, quiet: boolean, isTty = Boolean(process.stderr.isTTY)): ProgressMode {
  if (quiet) return "quiet";
  const v = value ?? "auto";
  if (v === "auto") return isTty && !process.env.NO_COLOR ? "tty" : "plain";
  if (v === "tty" || v === "plain" || v === "json" || v === "quiet") return v;
  if (v === "rawjson") return "json";
  throw new Error(`unknown progress mode "${v}"`);
}

const seconds = (ms?: number) => `${((ms ?? 0) / 1000).toFixed(1)}s`;

export function buildProgress(mode: ProgressMode, write: (s: string) => void = (s) => void process.stderr.write(s)): BuildProgress {
  const names = new Map<number, string>();
  const tails = new Map<number, string[]>();
  const partial = new Map<number, string>();
  const running = new Set<number>();
  let drawn = 0;

  const lines = (id: number, text: string): string[] => {
    const joined = (partial.get(id) ?? "") + text;
    const parts = joined.split("\n");
    partial.set(id, parts.pop() ?? "");
    const tail = tails.get(id) ?? [];
    tail.push(...parts);
    tails.set(id, tail.slice(-KEEP));
    return parts;
  };
  const failed = (id: number) => {
    const rest = partial.get(id);
    const tail = [...(tails.get(id) ?? []), ...(rest ? [rest] : [])];
    if (tail.length === 0) return;
    write(`------\n > ${names.get(id) ?? `#${id}`}:\n${tail.map((l) => `${l}\n`).join("")}------\n`);
  };

  if (mode === "json") return { emit: (e) => write(`${JSON.stringify(e)}\n`), done() {} };

  if (mode === "plain" || mode === "quiet") {
    return {
      emit(e: KittenEvent) {
        if (e.type === "build-step") {
          names.set(e.id, e.name);
          if (mode === "quiet") {
            if (e.status === "error") failed(e.id);
            return;
          }
          if (e.status === "running") write(`#${e.id} ${e.name}\n`);
          else if (e.status === "cached") write(`#${e.id} CACHED\n`);
          else if (e.status === "done") {
            const rest = partial.get(e.id);
            if (rest) write(`#${e.id} ${rest}\n`);
            partial.delete(e.id);
            write(`#${e.id} DONE ${seconds(e.durationMs)}\n`);
          } else {
            const rest = partial.get(e.id);
            if (rest) write(`#${e.id} ${rest}\n`);
            partial.delete(e.id);
            write(`#${e.id} ERROR\n`);
          }
        } else if (e.type === "build-log") {
          const out = lines(e.id, e.text);
          if (mode === "plain") for (const l of out) write(`#${e.id} ${l}\n`);
        } else if (mode === "plain" || e.type === "warning") write(`${textLine(e)}\n`);
      },
      done() {},
    };
  }

  // tty: finished steps scroll, running ones stay below with their last lines
  const clear = () => {
    if (drawn > 0) write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    const out: string[] = [];
    for (const id of running) {
      out.push(`\x1b[36m#${id} ${names.get(id)}\x1b[0m`);
      const tail = [...(tails.get(id) ?? []), ...(partial.get(id) ? [partial.get(id)!] : [])].slice(-SHOWN);
      for (const l of tail) out.push(`\x1b[2m#${id} ${l.slice(0, (process.stderr.columns ?? 120) - 8)}\x1b[0m`);
    }
    write(out.map((l) => `${l}\n`).join(""));
    drawn = out.length;
  };
  return {
    emit(e: KittenEvent) {
      clear();
      if (e.type === "build-step") {
        names.set(e.id, e.name);
        if (e.status === "running") running.add(e.id);
        else {
          running.delete(e.id);
          if (e.status === "cached") write(`#${e.id} ${e.name} \x1b[34mCACHED\x1b[0m\n`);
          else if (e.status === "done") write(`#${e.id} ${e.name} \x1b[32mDONE ${seconds(e.durationMs)}\x1b[0m\n`);
          else {
            write(`#${e.id} ${e.name} \x1b[31mERROR\x1b[0m\n`);
            failed(e.id);
          }
        }
      } else if (e.type === "build-log") lines(e.id, e.text);
      else write(`${textLine(e, true)}\n`);
      draw();
    },
    done() {
      clear();
    },
  };
}

/**
 * For `up`: builds render as `kitten build` renders them (folded on a terminal, plain lines
 * otherwise), everything else goes to `next`; a build's live region is closed before any other
 * line is written, so the two never draw over each other.
 */
export function buildAware(next: Reporter, mode: ProgressMode = parseProgress(undefined, false)): Reporter {
  let active: BuildProgress | undefined;
  return {
    emit(e: KittenEvent) {
      if (e.type === "build-step" || e.type === "build-log") {
        active ??= buildProgress(mode);
        active.emit(e);
        return;
      }
      active?.done();
      active = undefined;
      next.emit(e);
    },
  };
}
