import { describe, expect, test } from "bun:test";
import { HealthMonitor, healthCommand, resolveHealthConfig, type HealthConfig, type HealthStatus } from "../../../../src/engine/supervisor/healthcheck.ts";
import type { ExecResult } from "../../../../src/engine/runtime/types.ts";
import { FakeClock } from "./fake-clock.ts";

const config = (c: Partial<HealthConfig> = {}): HealthConfig => ({
  command: ["check"],
  intervalMs: 1000,
  timeoutMs: 500,
  retries: 3,
  startPeriodMs: 0,
  startIntervalMs: 100,
  ...c,
});

/** A probe whose exit codes come from a script: one entry per call, the last one repeating. */
function scripted(codes: Array<number | "hang">, clock: FakeClock) {
  const calls: number[] = [];
  const exec = async (): Promise<ExecResult> => {
    calls.push(clock.now());
    const code = codes[Math.min(calls.length - 1, codes.length - 1)]!;
    if (code === "hang") return new Promise<ExecResult>(() => {});
    return { exitCode: code, stdout: `probe ${calls.length}\n`, stderr: "" };
  };
  return { exec, calls };
}

function monitor(c: HealthConfig, codes: Array<number | "hang">) {
  const clock = new FakeClock();
  const { exec, calls } = scripted(codes, clock);
  const transitions: string[] = [];
  const m = new HealthMonitor({
    container: "p-db-1",
    config: c,
    exec,
    clock,
    startedAt: clock.now(),
    onStatus: (s: HealthStatus, prev: HealthStatus) => transitions.push(`${prev}->${s}`),
  });
  const abort = new AbortController();
  const done = m.run(abort.signal);
  return { m, clock, calls, transitions, stop: async () => (abort.abort(), await done) };
}

describe("healthcheck test command", () => {
  test.each([
    [["CMD", "pg_isready", "-U", "x"], ["pg_isready", "-U", "x"]],
    [["CMD-SHELL", "curl -f localhost || exit 1"], ["/bin/sh", "-c", "curl -f localhost || exit 1"]],
    [["NONE"], undefined],
    [[], undefined],
  ])("%p runs %p", (test, argv) => {
    expect(healthCommand(test)).toEqual(argv);
  });
});

describe("health monitor", () => {
  test("becomes healthy after the first successful probe, one interval after start", async () => {
    const h = monitor(config(), [0]);
    await h.clock.advance(999);
    expect(h.m.status).toBe("starting");
    await h.clock.advance(1);
    expect(h.m.status).toBe("healthy");
    expect(h.transitions).toEqual(["starting->healthy"]);
    await h.stop();
  });

  test("goes unhealthy after `retries` consecutive failures and healthy again on the next success", async () => {
    const h = monitor(config(), [0, 1, 1, 1, 0]);
    await h.clock.advance(3000);
    expect(h.m.status).toBe("healthy");
    expect(h.m.failingStreak).toBe(2);
    await h.clock.advance(1000);
    expect(h.m.status).toBe("unhealthy");
    await h.clock.advance(1000);
    expect(h.m.status).toBe("healthy");
    expect(h.transitions).toEqual(["starting->healthy", "healthy->unhealthy", "unhealthy->healthy"]);
    await h.stop();
  });

  test("does not count failures during start_period and probes every start_interval meanwhile", async () => {
    const h = monitor(config({ startPeriodMs: 1000, startIntervalMs: 100, retries: 1 }), [1]);
    await h.clock.advance(999);
    expect(h.calls.length).toBe(9);
    expect(h.m.status).toBe("starting");
    expect(h.m.failingStreak).toBe(0);
    // the probe at 1000 ms is outside the start period and counts; the next ones are an interval apart
    await h.clock.advance(1);
    expect(h.m.status).toBe("unhealthy");
    await h.clock.advance(1000);
    expect(h.calls.length).toBe(11);
    await h.stop();
  });

  test("a success during start_period makes later failures count at once", async () => {
    const h = monitor(config({ startPeriodMs: 10_000, startIntervalMs: 100, intervalMs: 100, retries: 2 }), [0, 1]);
    await h.clock.advance(300);
    expect(h.m.status).toBe("unhealthy");
    expect(h.transitions).toEqual(["starting->healthy", "healthy->unhealthy"]);
    await h.stop();
  });

  test("a probe that hangs past the timeout fails with exit -1 and says why", async () => {
    const h = monitor(config({ retries: 1 }), ["hang"]);
    await h.clock.advance(1500);
    expect(h.m.status).toBe("unhealthy");
    expect(h.m.log[0]).toMatchObject({ exitCode: -1, output: "health check exceeded timeout (500ms)" });
    await h.stop();
  });

  test("keeps the output of the last five probes", async () => {
    const h = monitor(config(), [0]);
    await h.clock.advance(7000);
    expect(h.m.log.map((r) => r.output)).toEqual(["probe 3\n", "probe 4\n", "probe 5\n", "probe 6\n", "probe 7\n"]);
    await h.stop();
  });

  test("stops probing when stopped", async () => {
    const h = monitor(config(), [0]);
    await h.clock.advance(1000);
    await h.stop();
    await h.clock.advance(5000);
    expect(h.calls.length).toBe(1);
  });
});

describe("effective healthcheck", () => {
  test("uses docker's defaults for unset keys", () => {
    expect(resolveHealthConfig({ test: ["CMD", "true"] }, undefined)).toEqual({
      command: ["true"],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      retries: 3,
      startPeriodMs: 0,
      startIntervalMs: 5_000,
    });
  });

  test("takes the service's keys over the image's, and the image's (in ns) for the rest", () => {
    const c = resolveHealthConfig({ interval: "2s", retries: 5 }, { Test: ["CMD-SHELL", "check"], Interval: 9e9, Timeout: 1.5e9 });
    expect(c).toMatchObject({ command: ["/bin/sh", "-c", "check"], intervalMs: 2000, timeoutMs: 1500, retries: 5 });
  });

  test.each([
    ["disable: true", { disable: true, test: ["CMD", "true"] }],
    ["test NONE", { test: ["NONE"] }],
    ["no test anywhere", { interval: "1s" }],
  ])("%s means no healthcheck, even when the image has one", (_name, hc) => {
    const image = _name === "no test anywhere" ? undefined : { Test: ["CMD", "true"] };
    expect(resolveHealthConfig(hc, image)).toBeUndefined();
  });
});
