/**
 * A change signal: whoever changes container state calls `notify()`; waiters (dependency
 * conditions, `wait-ready`) re-evaluate after each change instead of polling.
 */
export class ChangeFeed {
  private waiters: Array<() => void> = [];

  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** resolves at the next notify(); rejects when the signal aborts */
  next(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(signal!.reason);
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
