/**
 * Healthchecks, with docker's semantics (moby daemon/health.go) for the compose-spec keys:
 * - status starts as "starting"; a probe exiting 0 makes it "healthy" and resets the failing
 *   streak; `retries` consecutive failures make it "unhealthy"; a later success makes it healthy again;
 * - during start_period, failures of a container that was never healthy don't count, and probes
 *   run every start_interval instead of every interval;
 * - a probe that outlives `timeout` fails with exit -1;
 * - the last 5 results are kept with their output (truncated to 4 KiB) for `ps`, events and the
 *   AI diagnosis.
 * Defaults are docker's: interval 30s, timeout 30s, retries 3, start_period 0, start_interval 5s.
 */
import type { ExecResult } from "../runtime/types.ts";
import type { Healthcheck } from "../compose/model.ts";
import { durationMs } from "../compose/duration.ts";
import type { OciImageConfig } from "../image/types.ts";
import type { Clock } from "./clock.ts";

export interface HealthConfig {
  /** argv to exec in the container */
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 } as const;
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT = 4096;

export type HealthStatus = "starting" | "healthy" | "unhealthy";

export interface ProbeResult {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** The argv of a compose/OCI healthcheck test, or undefined for NONE / no test. */
export function healthCommand(test: string[] | undefined): string[] | undefined {
  if (!test || test.length === 0) return undefined;
  const [kind, ...rest] = test;
  if (kind === "NONE") return undefined;
  if (kind === "CMD") return rest.length > 0 ? rest : undefined;
  if (kind === "CMD-SHELL") return rest.length > 0 ? ["/bin/sh", "-c", rest.join(" ")] : undefined;
  // a bare string list is a shell command, as compose treats `test: "curl ..."`
  return ["/bin/sh", "-c", test.join(" ")];
}

export interface HealthMonitorOptions {
  container: string;
  config: HealthConfig;
  exec: (command: string[], timeoutMs: number) => Promise<ExecResult>;
  clock: Clock;
  /** when the container (last) started, clock ms */
  startedAt: number;
  onProbe?: (result: ProbeResult, status: HealthStatus, failingStreak: number) => void;
  onStatus?: (status: HealthStatus, previous: HealthStatus, last: ProbeResult) => void;
}

export class HealthMonitor {
  status: HealthStatus = "starting";
  failingStreak = 0;
  readonly log: ProbeResult[] = [];

  constructor(private readonly o: HealthMonitorOptions) {}

  /** Probes until the signal aborts (the container stopped or the supervisor is shutting down). */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, config } = this.o;
    while (!signal.aborted) {
      const starting = this.status === "starting" && clock.now() - this.o.startedAt < config.startPeriodMs;
      try {
        await clock.sleep(starting ? config.startIntervalMs : config.intervalMs, signal);
      } catch {
        return;
      }
      const result = await this.probe();
      if (signal.aborted) return;
      this.record(result);
    }
  }

  async probe(): Promise<ProbeResult> {
    const { clock, config } = this.o;
    const start = clock.now();
    const stop = new AbortController();
    const timedOut = clock.sleep(config.timeoutMs, stop.signal).then(
      () => "timeout" as const,
      () => "aborted" as const,
    );
    const ran = this.o.exec(config.command, config.timeoutMs).then(
      (r) => r,
      (e: unknown) => ({ exitCode: -1, stdout: "", stderr: e instanceof Error ? e.message : String(e) }) as ExecResult,
    );
    const outcome = await Promise.race([ran, timedOut]);
    stop.abort();
    const end = new Date(clock.now()).toISOString();
    if (outcome === "timeout" || outcome === "aborted") {
      return { start: new Date(start).toISOString(), end, exitCode: -1, output: `health check exceeded timeout (${config.timeoutMs}ms)` };
    }
    const output = (outcome.stdout + outcome.stderr).slice(0, MAX_OUTPUT);
    return { start: new Date(start).toISOString(), end, exitCode: outcome.exitCode, output };
  }

  /** Applies one probe result to the status (docker's handleProbeResult). */
  record(result: ProbeResult): void {
    const previous = this.status;
    this.log.push(result);
    if (this.log.length > MAX_LOG_ENTRIES) this.log.shift();
    if (result.exitCode === 0) {
      this.failingStreak = 0;
      this.status = "healthy";
    } else {
      const inStartPeriod = this.status === "starting" && Date.parse(result.start) - this.o.startedAt < this.o.config.startPeriodMs;
      if (!inStartPeriod) {
        this.failingStreak++;
        if (this.failingStreak >= Math.max(1, this.o.config.retries)) this.status = "unhealthy";
      }
    }
    this.o.onProbe?.(result, this.status, this.failingStreak);
    if (this.status !== previous) this.o.onStatus?.(this.status, previous, result);
  }
}

/**
 * The effective healthcheck of a service: the service's keys over the image's HEALTHCHECK, as
 * docker merges a container's healthcheck with its image's (each unset key falls back); undefined
 * when there is none or it is disabled (`disable: true` or test NONE). Image durations are in ns.
 */
export function resolveHealthConfig(
  service: Healthcheck | undefined,
  image: OciImageConfig["Healthcheck"] | undefined,
): HealthConfig | undefined {
  if (service?.disable) return undefined;
  const command = healthCommand(service?.test ?? image?.Test);
  if (!command) return undefined;
  const ms = (text: string | undefined, ns: number | undefined, fallback: number) => {
    if (text !== undefined) return durationMs(text) || fallback;
    return ns ? ns / 1e6 : fallback;
  };
  const retries = service?.retries ?? image?.Retries ?? 0;
  return {
    command,
    intervalMs: ms(service?.interval, image?.Interval, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: ms(service?.timeout, image?.Timeout, HEALTH_DEFAULTS.timeoutMs),
    retries: retries > 0 ? retries : HEALTH_DEFAULTS.retries,
    startPeriodMs: ms(service?.start_period, image?.StartPeriod, HEALTH_DEFAULTS.startPeriodMs),
    startIntervalMs: ms(service?.start_interval, undefined, HEALTH_DEFAULTS.startIntervalMs),
  };
}
