/**
 * `kitten run`: create + start one container and, unless detached, attach to it like docker run:
 * its output streamed from the monitor's log, signals forwarded, its exit code returned, and
 * --rm honoured. Interactive runs (-i / -t) run the OCI runtime in the foreground with the
 * caller's terminal instead (runc proxies the pty itself), recording the exit code afterwards.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { isatty } from "node:tty";
import { InvalidInputError } from "../../core/errors.ts";
import { containerFiles, exitFile } from "./container-files.ts";
import { runWithStartCheck } from "./exec.ts";
import { LogReader } from "./logs.ts";
import { Wakeup } from "./wakeup.ts";
import type { RootlessRuntime } from "./rootless-runtime.ts";
import type { ContainerSpec } from "./types.ts";
import type { ContainerRecord } from "./store.ts";

export interface RunOptions {
  detach?: boolean;
  remove?: boolean;
  interactive?: boolean;
  tty?: boolean;
  /** image pull policy (docker run --pull); default missing */
  pull?: "always" | "missing" | "never";
  /** where an attached container's output goes */
  output: { stdout(chunk: string): void; stderr(chunk: string): void };
}

export type RunResult = { detached: true; id: string; name: string } | { detached: false; exitCode: number };

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

export async function runContainer(rt: RootlessRuntime, spec: ContainerSpec, options: RunOptions): Promise<RunResult> {
  const stdinIsTty = isatty(0);
  if (!options.detach && options.interactive && options.tty && !stdinIsTty) {
    // docker run -it refuses the same way: runc needs a terminal to put into raw mode
    throw new InvalidInputError("the input device is not a TTY", { hint: "drop -t, or run it from a terminal" });
  }
  // -t alone without a terminal runs under conmon, which allocates the pty and logs its output
  const foreground = !options.detach && (options.interactive || (options.tty && stdinIsTty));
  // attached output comes from the monitor's log: with the none driver the log is kept only while
  // the run streams it (docker attaches with any driver; `logs` has nothing afterwards)
  const streamedOnly = !options.detach && !foreground && spec.logging?.driver === "none";
  const created = await rt.create(
    { ...spec, tty: options.tty, stdinOpen: options.interactive, ...(streamedOnly ? { logging: {} } : {}) },
    { monitor: !foreground, autoRemove: options.detach && options.remove, pull: options.pull },
  );
  const rec = rt.record(created.id!);
  if (foreground) {
    const code = await runForeground(rt, rec);
    rec.exitCode = code;
    mkdirSync(containerFiles(rec.dir).exitDir, { recursive: true });
    writeFileSync(exitFile(rec.dir, rec.id), String(code));
    rt.store.update(rec);
    if (options.remove) await rt.remove(rec.id, { force: true });
    return { detached: false, exitCode: code };
  }
  try {
    await rt.start(rec.id);
  } catch (err) {
    if (options.remove) await rt.remove(rec.id, { force: true }).catch(() => {});
    throw err;
  }
  if (options.detach) return { detached: true, id: rec.id, name: rec.name };

  const forward = (signal: NodeJS.Signals) => {
    rt.kill(rec.id, signal.replace(/^SIG/, "")).catch(() => {});
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    const reader = new LogReader(containerFiles(rec.dir).log);
    const drain = () => {
      for (let batch = reader.read(); batch.length > 0; batch = reader.read()) for (const r of batch) options.output[r.stream](r.text);
    };
    const file = exitFile(rec.dir, rec.id);
    const files = containerFiles(rec.dir);
    const wakeup = new Wakeup([files.exitDir, rec.dir]);
    let code: number | undefined;
    try {
      for (let round = 0; ; round++) {
        drain();
        const exited = await Bun.file(file).text().catch(() => "");
        if (exited.trim() !== "") {
          code = Number(exited.trim());
          break;
        }
        // every so often, make sure the namespace (and so the monitor) is still there
        if (round % 20 === 19) {
          code = await rt.waitExit(rec, 0);
          if (code !== undefined) break;
        }
        await wakeup.wait(50);
      }
    } finally {
      wakeup.close();
    }
    drain();
    reader.close();
    if (options.remove) await rt.remove(rec.id, { force: true });
    else if (streamedOnly) {
      rmSync(files.log, { force: true });
      rt.store.update({ ...rt.record(rec.id), spec: { ...rt.record(rec.id).spec, logging: spec.logging } });
    }
    return { detached: false, exitCode: code };
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}

/** runc run in the foreground inside the namespace, with our stdio (a pty when the spec asks). */
async function runForeground(rt: RootlessRuntime, rec: ContainerRecord): Promise<number> {
  const argv = [...rt.enterArgv(rec), "run", "--bundle", containerFiles(rec.dir).bundle, rec.id];
  await rt.publishFor(rec);
  // the terminal sends Ctrl-C to the whole foreground group: runc forwards it to the container;
  // a command that cannot start exits 127/126 with one line, as docker run does
  try {
    return await runWithStartCheck(argv, "inherit", "run");
  } finally {
    await rt.unpublishFor(rec);
  }
}
