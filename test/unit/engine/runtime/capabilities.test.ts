import { expect, test } from "bun:test";
import { ALL_CAPS, DOCKER_DEFAULT_CAPS, effectiveCaps } from "../../../../src/engine/runtime/spec/capabilities.ts";

const cases: Array<[string, string[], string[], (caps: string[]) => void]> = [
  ["keeps docker's defaults without flags", [], [], (c) => expect(c.length).toBe(DOCKER_DEFAULT_CAPS.length)],
  ["cap_add ALL gives every capability", ["ALL"], [], (c) => expect(c).toEqual(ALL_CAPS)],
  ["cap_add ALL with a drop removes only that one", ["all"], ["SYS_ADMIN"], (c) => expect(c).toEqual(ALL_CAPS.filter((x) => x !== "CAP_SYS_ADMIN"))],
  ["cap_drop ALL with an add keeps only the added one", ["NET_BIND_SERVICE"], ["ALL"], (c) => expect(c).toEqual(["CAP_NET_BIND_SERVICE"])],
  ["cap_drop ALL alone leaves nothing", [], ["ALL"], (c) => expect(c).toEqual([])],
];

test.each(cases)("%s", (_n, add, drop, check) => check(effectiveCaps(add, drop)));

test("refuses an unknown capability by name", () => {
  expect(() => effectiveCaps(["FLY"])).toThrow('unknown capability "FLY"');
});
