/**
 * `kitten exec`: the OCI runtime's exec run in the foreground inside the project namespace with
 * the caller's stdio, so output streams, stdin and a terminal work and the exit code is the
 * command's. As docker compose exec does, stdin is passed by default (`-i` is on; -T only drops
 * the terminal). A command that cannot be started exits 127 (not found) or 126 (not executable)
 * with one line naming it, as docker does, instead of the runtime's own 255 and log line.
 * (ContainerRuntime.exec, used by healthchecks, goes through the agent and captures output.)
 */
import { spawn } from "node:child_process";
import { InvalidInputError } from "../../core/errors.ts";
import type { RootlessRuntime } from "./rootless-runtime.ts";
import { ALL_CAPS } from "./spec/capabilities.ts";

export interface ExecCliOptions {
  env?: Record<string, string>;
  workingDir?: string;
  user?: string;
  /** pass stdin (default true) */
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  /** every capability the namespace allows (compose exec --privileged) */
  privileged?: boolean;
}

/** What a runtime says when the process could not be started, and the exit code docker gives it. */
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

export function startFailure(line: string): { code: 126 | 127; message: string } | undefined {
  // runc logs through logrus: time="…" level=error msg="exec failed: unable to start container process: exec: \"nope\": executable file not found in $PATH"
  const logged = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line);
  const text = logged ? logged[1]!.replace(/\\(.)/g, "$1") : line;
  // crun: `crun: executable file `nope` not found in $PATH: No such file or directory`
  if (!/^(runc (exec|run) failed|exec failed|crun: )/.test(text) && !/unable to start container process/.test(text)) return undefined;
  const what = /exec: ("[^"]*": .*)$/.exec(text)?.[1] ?? text.replace(/^(runc (exec|run) failed: |exec failed: |crun: )/, "");
  const notFound = /not found|no such file or directory/i.test(what);
  const notExecutable = /permission denied|is a directory|exec format error/i.test(what);
  if (!notFound && !notExecutable) return undefined;
  return { code: notFound ? 127 : 126, message: what.replace(/: unknown$/, "") };
}

export async function execInContainer(rt: RootlessRuntime, name: string, command: string[], options: ExecCliOptions = {}): Promise<number> {
  const rec = rt.record(name);
  const st = await rt.insideState(rec);
  if (st.status !== "running") throw new InvalidInputError(`container "${rec.name}" is not running`, { hint: `kitten start ${rec.name}` });
  const user = options.user ? rt.execUser(rec, options.user) : undefined;
  const argv = [
    ...rt.enterArgv(rec),
    "exec",
    ...(options.tty ? ["--tty"] : []),
    ...(options.detach ? ["--detach"] : []),
    ...(options.privileged ? ALL_CAPS.flatMap((c) => ["--cap", c]) : []),
    ...Object.entries(options.env ?? {}).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    ...(options.tty ? ["--env", "TERM=xterm"] : []),
    ...(options.workingDir ? ["--cwd", options.workingDir] : []),
    ...(user ? ["--user", `${user.uid}:${user.gid}`, ...user.additionalGids.flatMap((g) => ["--additional-gids", String(g)])] : []),
    rec.id,
    ...command,
  ];
  const stdin = options.interactive === false || options.detach ? "ignore" : "inherit";
  return runWithStartCheck(argv, stdin, "exec");
}

/**
 * Runs the OCI runtime in the foreground (exec, or run of an interactive container) with the
 * caller's stdio, holding back only a first stderr line that is the runtime's own failure to
 * start the process: that becomes `error: <verb> <what>` and exit 127 or 126, as docker gives.
 */
export async function runWithStartCheck(argv: string[], stdin: "inherit" | "ignore", verb: string): Promise<number> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: [stdin, "inherit", "pipe"], cwd: "/" });
  // the runtime's own failure comes first, before the process could write anything: hold the
  // first line back until it is known not to be one
  let failure: ReturnType<typeof startFailure>;
  let head: string | undefined = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    if (head === undefined) return void process.stderr.write(chunk);
    head += chunk.toString("utf8");
    const nl = head.indexOf("\n");
    if (nl < 0 && head.length < 4096) return;
    const first = nl < 0 ? head : head.slice(0, nl);
    failure = startFailure(first);
    process.stderr.write(failure ? head.slice(nl + 1) : head);
    head = undefined;
  });
  const ignore = () => {};
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;
  // the runtime forwards the signals it receives to the process; kitten just must not die first
  for (const s of signals) process.on(s, ignore);
  try {
    const code = await new Promise<number>((resolve) => {
      child.on("close", (c, signal) => resolve(c ?? 128 + (SIGNALS[signal ?? ""] ?? 1)));
      child.on("error", () => resolve(126));
    });
    if (head) {
      failure = startFailure(head.split("\n")[0]!);
      if (!failure) process.stderr.write(head);
    }
    if (failure && (code === 255 || code === 1 || code === failure.code)) {
      process.stderr.write(`error: ${verb} ${failure.message}\n`);
      return failure.code;
    }
    return code;
  } finally {
    for (const s of signals) process.off(s, ignore);
  }
}
