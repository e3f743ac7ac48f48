import { describe, expect, test } from "bun:test";
import { cliReporter, textLine } from "../../../../src/cli/render/reporter.ts";
import { parseFormat } from "../../../../src/cli/render/format.ts";
import type { KittenEvent } from "../../../../src/core/reporter.ts";

function collect(format: "text" | "json", events: KittenEvent[], color = false): string[] {
  const lines: string[] = [];
  const reporter = cliReporter({ format, write: (s) => lines.push(s), color });
  for (const e of events) reporter.emit(e);
  return lines;
}

describe("cliReporter", () => {
  test("prints a warning as one warning: line", () => {
    expect(collect("text", [{ type: "warning", message: "ignoring: service web: [secrets]" }])).toEqual([
      "warning: ignoring: service web: [secrets]\n",
    ]);
  });

  test("colours the warning prefix only when asked", () => {
    const [line] = collect("text", [{ type: "warning", message: "x" }], true);
    expect(line).toBe("\x1b[33mwarning:\x1b[0m x\n");
  });

  test("prints a build step's output line by line, however it was chunked, its rest when the step ends", () => {
    const events: KittenEvent[] = [
      { type: "build-log", id: 4, stream: "stderr", text: "E" },
      { type: "build-log", id: 4, stream: "stderr", text: ": " },
      { type: "build-log", id: 4, stream: "stderr", text: "Unable to locate package nosuchpkg\nlast" },
      { type: "build-step", id: 4, name: "[2/2] RUN apt-get install -y nosuchpkg", status: "error" },
    ];
    expect(collect("text", events)).toEqual(["#4 E: Unable to locate package nosuchpkg\n", "#4 last\n", "#4 [2/2] RUN apt-get install -y nosuchpkg ERROR\n"]);
  });

  test("writes each event as one JSON line in json format", () => {
    const events: KittenEvent[] = [
      { type: "warning", message: "a" },
      { type: "container", action: "start", container: "p-web-1", service: "web" },
    ];
    const lines = collect("json", events);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
    expect(lines.map((l) => JSON.parse(l))).toEqual(events);
  });
});

describe("textLine", () => {
  test.each([
    [{ type: "info", message: "pulling busybox" }, "pulling busybox"],
    [{ type: "progress", id: "busybox", action: "pull", current: 2, total: 5 }, "busybox: pull 2/5"],
    [{ type: "progress", id: "busybox", action: "pull", done: true }, "busybox: pull done"],
    [{ type: "container", action: "die", container: "p-web-1", exitCode: 3 }, "container p-web-1 die (exit 3)"],
    [{ type: "container", action: "restart", container: "p-web-1", detail: "backoff 2s" }, "container p-web-1 restart: backoff 2s"],
  ] as [KittenEvent, string][])("renders %p as %p", (event, line) => {
    expect(textLine(event)).toBe(line);
  });
});

describe("parseFormat", () => {
  test("defaults to the first allowed format", () => {
    expect(parseFormat(undefined, ["text", "json"])).toBe("text");
  });

  test("accepts an allowed format", () => {
    expect(parseFormat("json", ["yaml", "json"])).toBe("json");
  });

  test("refuses an unknown format with exit 2 and names the choices", () => {
    expect(() => parseFormat("xml", ["text", "json"])).toThrow('unknown format "xml"');
    try {
      parseFormat("xml", ["text", "json"]);
    } catch (err: any) {
      expect(err.exitCode).toBe(2);
      expect(err.hint).toBe("use --format text or --format json");
    }
  });
});
