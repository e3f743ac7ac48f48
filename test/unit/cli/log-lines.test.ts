import { describe, expect, test } from "bun:test";
import { logPrinter } from "../../../src/cli/render/log-lines.ts";
import type { LogLine } from "../../../src/engine/orchestrate/logs.ts";

const line = (container: string, text: string): LogLine => ({ container, service: container, time: "2026-01-01T00:00:00.000000001Z", stream: "stdout", text: `${text}\n` });

describe("log lines", () => {
  test("prefix each line with its container, padded, without colour when colour is off", () => {
    const out: string[] = [];
    const print = logPrinter({ color: false, write: (s) => out.push(s) });
    print(line("demo-web-10", "a"));
    print(line("demo-db-1", "b"));
    expect(out).toEqual(["demo-web-10 | a\n", "demo-db-1   | b\n"]);
  });

  test("colour the prefixes per container and add timestamps with -t", () => {
    const out: string[] = [];
    const print = logPrinter({ color: true, timestamps: true, write: (s) => out.push(s) });
    print(line("a", "x"));
    print(line("b", "y"));
    expect(out).toEqual(["\x1b[36ma | \x1b[0m2026-01-01T00:00:00.000000001Z x\n", "\x1b[33mb | \x1b[0m2026-01-01T00:00:00.000000001Z y\n"]);
  });
});
