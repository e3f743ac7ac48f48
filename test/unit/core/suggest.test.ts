import { describe, expect, test } from "bun:test";
import { didYouMean, didYouMeanHint, editDistance } from "../../../src/core/suggest.ts";

describe("editDistance", () => {
  test.each([
    ["", "", 0],
    ["db", "", 2],
    ["db", "dbb", 1],
    ["kitten", "sitting", 3],
    ["web", "wbe", 1],
    ["image", "imgae", 1],
    ["ca", "abc", 3],
    ["same", "same", 0],
  ])("distance between %p and %p is %p", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("didYouMean", () => {
  test("suggests the closest candidate for a typo", () => {
    expect(didYouMean("dbb", ["web", "db", "cache"])).toBe("db");
    expect(didYouMean("postgress", ["postgres", "redis"])).toBe("postgres");
  });

  test("counts swapped adjacent letters as one typo", () => {
    expect(didYouMean("wbe", ["web", "db"])).toBe("web");
  });

  test("suggests nothing when no candidate is close", () => {
    expect(didYouMean("frontend", ["db", "cache"])).toBeUndefined();
    expect(didYouMean("x", [])).toBeUndefined();
  });

  test("breaks ties alphabetically", () => {
    expect(didYouMean("ab", ["ac", "aa"])).toBe("aa");
  });

  test("ignores case when measuring", () => {
    expect(didYouMean("DB", ["db"])).toBe("db");
  });

  test("formats the hint with the name quoted", () => {
    expect(didYouMeanHint("dbb", ["db"])).toBe('did you mean "db"?');
    expect(didYouMeanHint("zzz", ["db"])).toBeUndefined();
  });
});
