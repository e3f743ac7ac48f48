/**
 * Restart policies as docker applies them (moby daemon/restartmanager): no, always,
 * unless-stopped, on-failure[:max]. The delay before a restart starts at 100 ms and doubles on
 * each restart up to one minute; a container that ran for 10 s or more resets it to 100 ms.
 * A manual stop (stop, kill, down) cancels restarting whatever the policy, as docker's
 * RestartManager.Cancel does. always and unless-stopped differ only when containers are adopted
 * after no supervisor watched them: a container stopped by hand stays down under both.
 */
import { InvalidInputError } from "../../core/errors.ts";

export type RestartPolicy =
  | { name: "no" }
  | { name: "always" }
  | { name: "unless-stopped" }
  | { name: "on-failure"; maxRetries?: number };

export const BACKOFF = {
  /** moby restartmanager defaultTimeout */
  initialMs: 100,
  /** backoffMultiplier */
  multiplier: 2,
  /** maxRestartTimeout */
  maxMs: 60_000,
  /** a run this long resets the delay ("if the container ran for more than 10s") */
  stableMs: 10_000,
} as const;

export function parseRestartPolicy(text: string | undefined): RestartPolicy {
  if (text === undefined || text === "" || text === "no") return { name: "no" };
  if (text === "always" || text === "unless-stopped") return { name: text };
  const m = /^on-failure(?::(\d+))?$/.exec(text);
  if (m) return m[1] === undefined || m[1] === "0" ? { name: "on-failure" } : { name: "on-failure", maxRetries: Number(m[1]) };
  throw new InvalidInputError(`restart policy "${text}" is not one of no, always, on-failure[:N], unless-stopped`);
}

export interface ExitInfo {
  exitCode: number;
  /** how long the container ran before this exit */
  ranForMs: number;
  /** stopped or killed by a user (stop, kill, down), not by itself */
  manual: boolean;
}

export type RestartDecision = { restart: true; delayMs: number; count: number } | { restart: false; reason: string };

/** The restart state of one container: its policy, how many times it was restarted, the current backoff. */
export class RestartTracker {
  constructor(
    readonly policy: RestartPolicy,
    public count = 0,
    /** the delay of the last restart (0: none yet), carried over when another process took over */
    private delayMs = 0,
  ) {}

  /** the delay of the last restart decided */
  get delay(): number {
    return this.delayMs;
  }

  decide(exit: ExitInfo): RestartDecision {
    if (exit.manual) return { restart: false, reason: "stopped by the user" };
    if (exit.ranForMs >= BACKOFF.stableMs) this.delayMs = 0;
    const p = this.policy;
    let restart = false;
    let reason = "";
    switch (p.name) {
      case "no":
        reason = "restart policy is no";
        break;
      case "always":
      case "unless-stopped":
        restart = true;
        break;
      case "on-failure":
        if (exit.exitCode === 0) reason = "exited with code 0 under on-failure";
        else if (p.maxRetries !== undefined && this.count >= p.maxRetries) reason = `gave up after ${this.count} restarts (on-failure:${p.maxRetries})`;
        else restart = true;
        break;
    }
    if (!restart) return { restart: false, reason };
    this.delayMs = this.delayMs === 0 ? BACKOFF.initialMs : Math.min(this.delayMs * BACKOFF.multiplier, BACKOFF.maxMs);
    this.count++;
    return { restart: true, delayMs: this.delayMs, count: this.count };
  }
}
