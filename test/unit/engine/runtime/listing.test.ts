import { expect, test } from "bun:test";
import { statusText } from "../../../../src/engine/runtime/listing.ts";

const now = Date.parse("2026-11-23T20:00:00Z");
test.each([
  ["running", undefined, "2026-11-23T19:59:57Z", undefined, "Up 3 seconds"],
  ["running", undefined, "2026-11-23T18:00:00Z", undefined, "Up 2 hours"],
  ["exited", 3, "2026-11-23T19:00:00Z", "2026-11-23T19:58:00Z", "Exited (3) 2 minutes ago"],
  ["exited", undefined, undefined, undefined, "Exited (?)"],
  ["created", undefined, undefined, undefined, "Created"],
  ["dead", undefined, undefined, undefined, "Dead"],
] as const)("renders %s (%p) like docker ps", (status, code, started, finished, text) => {
  expect(statusText(status, code, started, finished, now)).toBe(text);
});
