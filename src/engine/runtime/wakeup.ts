/** Waiting for files to change without a busy poll: inotify (fs.watch) wakes the waiter, and a
 * periodic timeout covers anything the watch misses (e.g. a dir that did not exist yet). */
import { watch, type FSWatcher } from "node:fs";

export class Wakeup {
  private resolve?: () => void;
  private pending = false;
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(dirs: string[]) {
    for (const dir of dirs) this.add(dir);
  }

  /** Watches one more directory (once; a directory that does not exist is left to the timeout). */
  add(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      this.watchers.set(dir, watch(dir, () => this.fire()));
    } catch {}
  }

  fire(): void {
    this.pending = true;
    this.resolve?.();
  }

  /** Resolves on the next change (or one that happened since the last wait), or after maxMs. */
  wait(maxMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.resolve = undefined;
        self.pending = false;
        resolve();
      }
      this.resolve = done;
    });
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
