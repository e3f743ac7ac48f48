/**
 * Time as a port (STYLE.md §4): restart backoff, healthcheck intervals and dependency deadlines
 * read the clock and sleep through this interface, so unit tests drive them with a fake clock.
 */
export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  /** resolves after ms, or rejects with the signal's reason when it aborts first */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};
