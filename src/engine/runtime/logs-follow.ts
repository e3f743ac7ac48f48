/** Reading (and following) a container's log until it exits. */
import { containerFiles } from "./container-files.ts";
import { K8sFileReader, readAll, type LogRecord } from "./log-reader.ts";
import type { RootlessRuntime } from "./rootless-runtime.ts";

export async function followLogs(rt: RootlessRuntime, name: string, options: { follow: boolean; tail?: number; write: (r: LogRecord) => void }): Promise<void> {
  const rec = rt.record(name);
  const reader = new K8sFileReader(containerFiles(rec.dir).log);
  // --tail from the end, and the rest in bounded reads: a huge log costs neither time nor memory
  if (!options.follow) reader.stopAtCurrentEnd();
  if (options.tail !== undefined && options.tail >= 0) reader.seekTail(options.tail);
  for (let batch = reader.read(); batch.length > 0; batch = reader.read()) for (const r of batch) options.write(r);
  if (!options.follow) return reader.close();
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
        for (const r of readAll(reader)) options.write(r);
        return;
      }
      interval = records.length ? 5 : Math.min(interval * 2, 100);
      await Bun.sleep(interval);
    }
  } finally {
    process.off("SIGINT", onSignal);
    reader.close();
  }
}
