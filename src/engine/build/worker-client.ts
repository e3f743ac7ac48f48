/**
 * The host side of the build worker: starts `kitten __build-worker` inside the project's rootless
 * namespace (nsenter into its user, mount, network and pid namespaces, as `kitten run -it` and
 * the port forwarder enter it), sends requests, routes the answers. The worker starts on the
 * first step that needs it: a fully cached build never enters the namespace.
 */
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { selfCommand } from "../../core/self.ts";
import type { WorkerMessage, WorkerRequest } from "./worker/protocol.ts";

type Pending = {
  resolve(layer: { diffId: string; size: number } | undefined): void;
  reject(err: unknown): void;
  output?: (stream: "stdout" | "stderr", data: string) => void;
};

/** A RUN whose command exited non-zero. */
export class StepExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
  }
}

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export type WorkerSend = (req: WithoutId<WorkerRequest>, output?: Pending["output"]) => Promise<{ diffId: string; size: number } | undefined>;

export interface BuildWorker {
  send: WorkerSend;
  close(): Promise<void>;
}

export async function startWorker(childPid: number): Promise<BuildWorker> {
  const argv = ["nsenter", "-t", String(childPid), "-U", "--preserve-credentials", "-m", "-n", "-p", "--", ...selfCommand(), "__build-worker"];
  const proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stderr = "";
  let ready: (() => void) | undefined;
  const readyP = new Promise<void>((r) => (ready = r));
  let closed = false;
  void (async () => {
    for await (const chunk of proc.stderr) stderr = (stderr + new TextDecoder().decode(chunk)).slice(-4000);
  })();
  const reader = (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += dec.decode(chunk, { stream: true });
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        let msg: WorkerMessage;
        try {
          msg = JSON.parse(line) as WorkerMessage;
        } catch {
          continue;
        }
        if (msg.type === "ready") {
          ready?.();
          continue;
        }
        const p = pending.get(msg.id);
        if (!p) continue;
        if (msg.type === "output") p.output?.(msg.stream, msg.data);
        else {
          pending.delete(msg.id);
          if (msg.type === "done") p.resolve(msg.layer);
          else if (msg.runExit !== undefined) p.reject(new StepExitError(msg.runExit));
          else p.reject(msg.exitCode === 2 ? new InvalidInputError(msg.message, { code: msg.code, hint: msg.hint }) : new RuntimeFailure(msg.message, { code: msg.code, hint: msg.hint }));
        }
      }
    }
  })();
  const exited = proc.exited.then((code) => {
    closed = true;
    const err = new RuntimeFailure(`the build worker stopped (exit ${code})${stderr.trim() ? `: ${stderr.trim().split("\n").at(-1)}` : ""}`, {
      code: "build_worker",
      hint: "the project's namespace may have gone away; run the build again",
    });
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    ready?.();
    return code;
  });
  await readyP;
  if (closed) await exited.then((code) => {
    throw new RuntimeFailure(`the build worker did not start (exit ${code}): ${stderr.trim().split("\n").at(-1) ?? ""}`, { code: "build_worker", hint: "`kitten doctor` checks that rootless namespaces work for this user" });
  });
  return {
    send(req, output) {
      if (closed) return Promise.reject(new RuntimeFailure("the build worker is gone", { code: "build_worker" }));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, output });
        proc.stdin.write(`${JSON.stringify({ ...req, id })}\n`);
        proc.stdin.flush();
      });
    },
    async close() {
      if (!closed) {
        proc.stdin.end();
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await reader.catch(() => undefined);
    },
  };
}
