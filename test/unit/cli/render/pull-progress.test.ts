import { describe, expect, test } from "bun:test";
import { humanSize, pullReporter } from "../../../../src/cli/render/pull-progress.ts";
import type { KittenEvent } from "../../../../src/core/reporter.ts";

const events: KittenEvent[] = [
  { type: "progress", id: "aaa", action: "waiting", current: 0, total: 2_000_000 },
  { type: "progress", id: "aaa", action: "downloading", current: 500_000, total: 2_000_000 },
  { type: "progress", id: "aaa", action: "downloading", current: 1_500_000, total: 2_000_000 },
  { type: "warning", message: "layer aaa: skipped device node \"dev/null\"" },
  { type: "progress", id: "bbb", action: "already exists", done: true },
  { type: "progress", id: "aaa", action: "pull complete", done: true },
];

function render(display: "plain" | "json" | "quiet" | "tty"): string {
  let out = "";
  const r = pullReporter(display, (s) => (out += s));
  for (const e of events) r.emit(e);
  r.finish();
  return out;
}

describe("pull progress", () => {
  test("prints one plain line per state change, with the size once", () => {
    expect(render("plain")).toBe('aaa: waiting\naaa: downloading 2.0MB\nwarning: layer aaa: skipped device node "dev/null"\nbbb: already exists\naaa: pull complete\n');
  });

  test("prints every event as a JSON line", () => {
    expect(render("json").trim().split("\n").map((l) => JSON.parse(l))).toEqual(events);
  });

  test("prints only warnings when quiet", () => {
    expect(render("quiet")).toBe('warning: layer aaa: skipped device node "dev/null"\n');
  });

  test("redraws one line per layer in place on a terminal", () => {
    const out = render("tty");
    expect(out).toContain("\x1b[2Kaaa: pull complete\n\x1b[2Kbbb: already exists\n");
    expect(out).toContain('warning: layer aaa: skipped device node "dev/null"\n');
  });

  test.each([
    [0, "0B"],
    [999, "999B"],
    [1_000, "1.0kB"],
    [1_291_303, "1.3MB"],
    [116_026_368, "116MB"],
    [3_500_000_000, "3.5GB"],
  ])("shows %d bytes as %s", (bytes, text) => {
    expect(humanSize(bytes)).toBe(text);
  });
});
