import { describe, expect, test } from "bun:test";
import { DotenvError, parseDotenv } from "../../../../src/engine/compose/dotenv.ts";

describe("parseDotenv", () => {
  const cases: [string, string, Record<string, string>][] = [
    ["simple pairs", "A=1\nB=two", { A: "1", B: "two" }],
    ["comments and blank lines", "# comment\n\nA=1\n  # indented comment", { A: "1" }],
    ["export prefix", "export A=1", { A: "1" }],
    ["spaces around the value are trimmed", "A =  spaced value  ", { A: "spaced value" }],
    ["inline comment after whitespace", "A=value # comment", { A: "value" }],
    ["hash without whitespace is part of the value", "A=val#ue", { A: "val#ue" }],
    ["single quotes are literal", "A='${B} \\n # x'", { A: "${B} \\n # x" }],
    ["double quotes keep inline hashes", 'A="a # b"', { A: "a # b" }],
    ["double quotes unescape", 'A="line1\\nline2\\t\\"q\\""', { A: 'line1\nline2\t"q"' }],
    ["double quotes interpolate earlier keys", 'A=1\nB="${A}-x"', { A: "1", B: "1-x" }],
    ["unquoted values interpolate with defaults", "B=${MISSING:-fallback}", { B: "fallback" }],
    ["escaped dollar in double quotes stays literal", 'A="\\$HOME"', { A: "$HOME" }],
    ["multi-line double-quoted value", 'A="one\ntwo"\nB=3', { A: "one\ntwo", B: "3" }],
    ["empty value", "A=\nB=''", { A: "", B: "" }],
    ["comment after a quoted value", "A='x' # note", { A: "x" }],
    ["CRLF line endings", "A=1\r\nB=2\r\n", { A: "1", B: "2" }],
    ["a bare key takes the environment's value", "HOME_DIR", { HOME_DIR: "/home/k" }],
    ["a bare key missing from the environment is skipped", "NOPE", {}],
  ];
  test.each(cases)("parses %s", (_name, text, expected) => {
    expect(parseDotenv(text, (k) => (k === "HOME_DIR" ? "/home/k" : undefined))).toEqual(expected);
  });

  test("prefers the shell environment over keys of the same file when interpolating", () => {
    expect(parseDotenv("A=file\nB=${A}", (k) => (k === "A" ? "shell" : undefined))).toEqual({ A: "file", B: "shell" });
  });

  const bad: [string, number][] = [
    ["A=1\nnot a pair", 2],
    ['A="unterminated', 1],
    ["1A=x", 1],
    ["A=${B:?need B}", 1],
  ];
  test.each(bad)("rejects %p and names line %p", (text, line) => {
    let err: unknown;
    try {
      parseDotenv(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DotenvError);
    expect((err as DotenvError).line).toBe(line);
  });
});
