import { describe, expect, test } from "bun:test";
import { BACKOFF, RestartTracker, parseRestartPolicy } from "../../../../src/engine/supervisor/restart-policy.ts";

const crash = { exitCode: 1, ranForMs: 50, manual: false };

describe("restart policy", () => {
  test.each([
    ["no", 1, false],
    ["no", 0, false],
    ["always", 0, true],
    ["always", 137, true],
    ["unless-stopped", 0, true],
    ["on-failure", 0, false],
    ["on-failure", 2, true],
    ["on-failure:3", 2, true],
  ] as const)("%s after exit code %d restarts: %p", (policy, exitCode, restarts) => {
    const d = new RestartTracker(parseRestartPolicy(policy)).decide({ exitCode, ranForMs: 1, manual: false });
    expect(d.restart).toBe(restarts);
  });

  test.each(["always", "unless-stopped", "on-failure"])("a manual stop never restarts under %s", (policy) => {
    const d = new RestartTracker(parseRestartPolicy(policy)).decide({ exitCode: 137, ranForMs: 1, manual: true });
    expect(d).toEqual({ restart: false, reason: "stopped by the user" });
  });

  test("delays double from 100 ms up to one minute and the count grows", () => {
    const t = new RestartTracker(parseRestartPolicy("always"));
    const delays = Array.from({ length: 12 }, () => {
      const d = t.decide(crash);
      return d.restart ? d.delayMs : -1;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
    expect(t.count).toBe(12);
  });

  test("a run of ten seconds resets the delay but not the restart count", () => {
    const t = new RestartTracker(parseRestartPolicy("always"));
    t.decide(crash);
    t.decide(crash);
    const d = t.decide({ exitCode: 1, ranForMs: BACKOFF.stableMs, manual: false });
    expect(d).toEqual({ restart: true, delayMs: 100, count: 3 });
  });

  test("on-failure:2 gives up after two restarts and says so", () => {
    const t = new RestartTracker(parseRestartPolicy("on-failure:2"));
    expect(t.decide(crash).restart).toBe(true);
    expect(t.decide(crash).restart).toBe(true);
    expect(t.decide(crash)).toEqual({ restart: false, reason: "gave up after 2 restarts (on-failure:2)" });
  });

  test("a tracker adopted with an earlier count keeps counting from it", () => {
    const t = new RestartTracker(parseRestartPolicy("on-failure:3"), 3);
    expect(t.decide(crash).restart).toBe(false);
  });

  test.each([["sometimes"], ["on-failure:x"], ["always:3"]])("refuses the policy %s", (text) => {
    expect(() => parseRestartPolicy(text)).toThrow(`restart policy "${text}"`);
  });
});
