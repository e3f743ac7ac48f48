/** Reading (and following) a container's log until it exits. */
import { containerFiles } from "./container-files.ts";
import { LogReader, tailRecords, type LogRecord } from "./logs.ts";
import type { RootlessRuntime } from "./rootless-runtime.ts";

export async function followLogs(rt: RootlessRuntime, name: string, options: { follow: boolean; tail?: number; write: (r: LogRecord) => void }): Promise<void> {
  const rec = rt.record(name);
  const reader = new LogReader(containerFiles(rec.dir).log);
  for (const r of tailRecords(reader.read(), options.tail)) options.write(r);
  if (!options.follow) return;
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once("SIGINT", onSignal);
  try {
    let interval = 5;
    while (!stop) {
      const records = reader.read();
      for (const r of records) options.write(r);
      if ((await rt.waitExit(rec, 0)) !== undefined) {
        for (const r of reader.read()) options.write(r);
        return;
      }
      interval = records.length ? 5 : Math.min(interval * 2, 100);
      await Bun.sleep(interval);
    }
  } finally {
    process.off("SIGINT", onSignal);
  }
}
