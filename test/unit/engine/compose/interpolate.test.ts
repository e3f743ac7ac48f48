import { describe, expect, test } from "bun:test";
import { interpolate, InterpolationError } from "../../../../src/engine/compose/interpolate.ts";

const env: Record<string, string> = { NAME: "kitten", EMPTY: "", PORT: "8080", B: "bee" };
const lookup = (k: string) => env[k];

describe("interpolate", () => {
  const cases: [string, string][] = [
    ["plain text", "plain text"],
    ["$NAME", "kitten"],
    ["${NAME}", "kitten"],
    ["pre-${NAME}-post", "pre-kitten-post"],
    ["$NAME.suffix", "kitten.suffix"],
    ["${MISSING:-def}", "def"],
    ["${EMPTY:-def}", "def"],
    ["${EMPTY-def}", ""],
    ["${MISSING-def}", "def"],
    ["${NAME:-def}", "kitten"],
    ["${NAME:+alt}", "alt"],
    ["${EMPTY:+alt}", ""],
    ["${EMPTY+alt}", "alt"],
    ["${MISSING+alt}", ""],
    ["${NAME:?must be set}", "kitten"],
    ["$$NAME", "$NAME"],
    ["cost: $$5", "cost: $5"],
    ["${MISSING:-${B}}", "bee"],
    ["${MISSING:-${ALSO_MISSING:-deep}}", "deep"],
    ["${MISSING:-a:b-c}", "a:b-c"],
    ["${MISSING:-}", ""],
    ["${PORT}:80", "8080:80"],
    ["${MISSING:-{json}}", "{json}"],
  ];
  test.each(cases)("expands %p to %p", (input, expected) => {
    expect(interpolate(input, { lookup })).toBe(expected);
  });

  test("reports each plain unset variable and replaces it with an empty string", () => {
    const unset: string[] = [];
    expect(interpolate("a${X}b$Y", { lookup, onUnset: (n) => unset.push(n) })).toBe("ab");
    expect(unset).toEqual(["X", "Y"]);
  });

  test("does not report unset variables that have a default", () => {
    const unset: string[] = [];
    interpolate("${X:-1}${Y-2}${Z:+3}", { lookup, onUnset: (n) => unset.push(n) });
    expect(unset).toEqual([]);
  });

  const required: [string, string][] = [
    ["${MISSING:?set MISSING first}", "required variable MISSING is missing a value: set MISSING first"],
    ["${EMPTY:?empty}", "required variable EMPTY is missing a value: empty"],
    ["${MISSING?}", "required variable MISSING is missing a value"],
    ["${MISSING?need ${NAME}}", "required variable MISSING is missing a value: need kitten"],
  ];
  test.each(required)("refuses %p with a message naming the variable", (input, message) => {
    expect(() => interpolate(input, { lookup })).toThrow(message);
  });

  test("accepts an empty value for ${VAR?msg} because the variable is set", () => {
    expect(interpolate("${EMPTY?x}", { lookup })).toBe("");
  });

  test.each([
    ["a $ b", "a $ b"],
    ["trailing $", "trailing $"],
    ["awk '{print $1}'", "awk '{print $1}'"],
  ])("keeps a $ that starts no variable in %p", (input, expected) => {
    expect(interpolate(input, { lookup })).toBe(expected);
  });

  const invalid = ["${", "${NAME", "${1X}", "${NAME:x}", "${}", "${NAME }"];
  test.each(invalid)("rejects the malformed template %p", (input) => {
    let err: unknown;
    try {
      interpolate(input, { lookup });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InterpolationError);
    expect((err as InterpolationError).kind).toBe("invalid");
  });
});
