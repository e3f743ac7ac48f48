import { describe, expect, test } from "bun:test";
import { parseScale } from "../../../../src/cli/commands/up.ts";

describe("parseScale", () => {
  test("reads repeated svc=N values, the last one winning", () => {
    expect(parseScale(["web=3", "api=0", "web=2"])).toEqual({ web: 2, api: 0 });
  });

  test.each(["web", "web=", "=2", "web=-1", "web=two"])("refuses %p with a usage error", (value) => {
    expect(() => parseScale([value])).toThrow(`invalid --scale option "${value}". Should be SERVICE=NUM`);
  });
});
