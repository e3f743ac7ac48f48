/**
 * Healthchecks as probes. A compose healthcheck gates dependants (`service_healthy`) and marks a
 * container unhealthy; it never restarts it. That is a Kubernetes readinessProbe: a failing pod
 * leaves its Service's endpoints. kompose made it a livenessProbe, which restarts healthy but
 * slow pods (kompose#1262); here liveness is opt-in (--liveness), with start_period as its
 * initialDelaySeconds so a slow start is not killed. The image's HEALTHCHECK is used when the
 * service has none, as compose does.
 */
import { durationMs } from "../../compose/duration.ts";
import type { Healthcheck } from "../../compose/model.ts";
import type { OciImageConfig } from "../../image/types.ts";
import type { Probe } from "../objects.ts";
import type { Findings } from "../findings.ts";

/** compose's defaults (compose-spec healthcheck: interval 30s, timeout 30s, retries 3) */
const DEFAULT_INTERVAL_S = 30;
const DEFAULT_TIMEOUT_S = 30;
const DEFAULT_RETRIES = 3;

function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = durationMs(text);
  return ms === undefined ? undefined : Math.max(1, Math.ceil(ms / 1000));
}

/** The image's HEALTHCHECK (durations in nanoseconds) as a compose healthcheck. */
export function imageHealthcheck(config: OciImageConfig | undefined): Healthcheck | undefined {
  const h = config?.Healthcheck;
  if (!h?.Test || h.Test.length === 0 || h.Test[0] === "NONE") return undefined;
  const ns = (v: number | undefined) => (v ? `${Math.round(v / 1e6)}ms` : undefined);
  return { test: h.Test, interval: ns(h.Interval), timeout: ns(h.Timeout), retries: h.Retries || undefined, start_period: ns(h.StartPeriod) };
}

export function probes(subject: string, h: Healthcheck | undefined, liveness: boolean, findings: Findings): { readinessProbe?: Probe; livenessProbe?: Probe } {
  if (!h || h.disable || !h.test || h.test[0] === "NONE") return {};
  const command = h.test[0] === "CMD-SHELL" ? ["/bin/sh", "-c", h.test.slice(1).join(" ")] : h.test.slice(1);
  const probe: Probe = {
    exec: { command },
    periodSeconds: seconds(h.interval) ?? DEFAULT_INTERVAL_S,
    timeoutSeconds: seconds(h.timeout) ?? DEFAULT_TIMEOUT_S,
    failureThreshold: Math.max(1, h.retries ?? DEFAULT_RETRIES),
    successThreshold: 1,
  };
  if (h.start_interval) findings.dropped(subject, "healthcheck.start_interval", "probes have one period; startupProbe semantics differ");
  if (!liveness) {
    if (h.start_period) findings.approximated(subject, "healthcheck.start_period", "readiness never restarts, so no grace period is needed (with --liveness it becomes initialDelaySeconds)");
    return { readinessProbe: probe };
  }
  const live: Probe = { ...probe, ...(h.start_period ? { initialDelaySeconds: seconds(h.start_period) } : {}) };
  findings.approximated(subject, "healthcheck", "also a livenessProbe (--liveness): Kubernetes restarts the container when it fails, compose only marks it unhealthy");
  return { readinessProbe: probe, livenessProbe: live };
}
