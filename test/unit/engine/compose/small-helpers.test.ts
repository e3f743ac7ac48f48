import { describe, expect, test } from "bun:test";
import { durationMs, normalizeDuration } from "../../../../src/engine/compose/duration.ts";
import { shellSplit, ShellWordsError } from "../../../../src/engine/compose/shell-words.ts";

describe("normalizeDuration", () => {
  const cases: [string, string | undefined][] = [
    ["10s", "10s"],
    ["90s", "1m30s"],
    ["1m30s", "1m30s"],
    ["60s", "1m"],
    ["1h", "1h"],
    ["3600s", "1h"],
    ["1h30m", "1h30m"],
    ["1h0m5s", "1h0m5s"],
    ["500ms", "500ms"],
    ["1.5s", "1.5s"],
    ["1500ms", "1.5s"],
    ["0", "0s"],
    ["0s", "0s"],
    ["250us", "250µs"],
    ["10", undefined],
    ["ten seconds", undefined],
    ["5 s", undefined],
    ["", undefined],
  ];
  test.each(cases)("prints %p as %p", (input, expected) => {
    expect(normalizeDuration(input)).toBe(expected);
  });

  test("reads a normalized duration back in milliseconds", () => {
    expect(durationMs("1m30s")).toBe(90_000);
    expect(durationMs("500ms")).toBe(500);
  });
});

describe("shellSplit", () => {
  const cases: [string, string[]][] = [
    ["echo hello", ["echo", "hello"]],
    ["  spaced   out  ", ["spaced", "out"]],
    ['sh -c "echo a b"', ["sh", "-c", "echo a b"]],
    ["sh -c 'echo \"$HOME\"'", ["sh", "-c", 'echo "$HOME"']],
    ['echo "a \\"quoted\\" \\$x"', ["echo", 'a "quoted" $x']],
    ["a\\ b c", ["a b", "c"]],
    ['""', [""]],
    ["x''y", ["xy"]],
    ["python -m http.server 8001", ["python", "-m", "http.server", "8001"]],
    ["", []],
  ];
  test.each(cases)("splits %p", (input, expected) => {
    expect(shellSplit(input)).toEqual(expected);
  });

  test.each(["echo 'open", 'echo "open'])("rejects the unterminated quote in %p", (input) => {
    expect(() => shellSplit(input)).toThrow(ShellWordsError);
  });
});
