/**
 * `kitten __build-worker`: the build's hands inside the project's rootless namespace (entered
 * with nsenter by worker-client.ts). Reads requests as JSON lines on stdin, runs them
 * concurrently (independent stages build in parallel), answers on stdout. When stdin closes —
 * the build finished, failed or was killed — running RUN containers are killed and it exits.
 */
import { rmSync } from "node:fs";
import { errorText, isKittenError } from "../../../core/errors.ts";
import type { WorkerMessage, WorkerRequest } from "./protocol.ts";
import { RunFailed, killRunning, runStep } from "./run-step.ts";
import { copyStep, mappedCount, mkdirStep } from "./copy-step.ts";

export async function serveWorker(): Promise<number> {
  process.umask(0o022);
  // the build killed: a write to its closed pipe must not end the worker before its step dirs go
  process.stdout.on("error", () => {});
  const send = (m: WorkerMessage) => void process.stdout.write(`${JSON.stringify(m)}\n`);
  send({ id: 0, type: "ready", uidCount: mappedCount("uid"), gidCount: mappedCount("gid") });
  const inflight = new Set<Promise<void>>();
  const handle = async (req: WorkerRequest): Promise<void> => {
    try {
      let layer: { diffId: string; size: number } | undefined;
      if (req.op === "run") layer = await runStep(req, (stream, data) => send({ id: req.id, type: "output", stream, data }));
      else if (req.op === "copy") layer = await copyStep(req, (message) => send({ id: req.id, type: "output", stream: "stderr", data: `warning: ${message}\n` }));
      else if (req.op === "mkdir") layer = await mkdirStep(req);
      else for (const p of req.paths) rmSync(p, { recursive: true, force: true });
      send({ id: req.id, type: "done", ...(layer ? { layer } : {}) });
    } catch (err) {
      if (err instanceof RunFailed) send({ id: req.id, type: "error", message: err.message, exitCode: 1, runExit: err.exitCode });
      else if (isKittenError(err)) send({ id: req.id, type: "error", message: err.message, code: err.code, hint: err.hint, exitCode: err.exitCode === 2 ? 2 : 1 });
      else send({ id: req.id, type: "error", message: errorText(err), exitCode: 1 });
    } finally {
      if (req.op !== "remove") rmSync(req.workDir, { recursive: true, force: true });
    }
  };
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of Bun.stdin.stream()) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.trim()) continue;
      const p = handle(JSON.parse(line) as WorkerRequest);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
  }
  // the build went away: stop what still runs; its step dirs are removed by the handlers
  await killRunning();
  await Promise.allSettled([...inflight]);
  return 0;
}
