/**
 * `kitten exec`: the OCI runtime's exec run in the foreground inside the project namespace
 * with the caller's stdio, so output streams, -i/-t work and the exit code is the command's.
 * (ContainerRuntime.exec, used by healthchecks, goes through the agent and captures output.)
 */
import { spawn } from "node:child_process";
import { InvalidInputError } from "../../core/errors.ts";
import type { RootlessRuntime } from "./rootless-runtime.ts";

export interface ExecCliOptions {
  env?: Record<string, string>;
  workingDir?: string;
  user?: string;
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
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
    ...Object.entries(options.env ?? {}).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    ...(options.tty ? ["--env", "TERM=xterm"] : []),
    ...(options.workingDir ? ["--cwd", options.workingDir] : []),
    ...(user ? ["--user", `${user.uid}:${user.gid}`, ...user.additionalGids.flatMap((g) => ["--additional-gids", String(g)])] : []),
    rec.id,
    ...command,
  ];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: [options.interactive || options.tty ? "inherit" : "ignore", "inherit", "inherit"], cwd: "/" });
  const ignore = () => {};
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  // runc forwards the signals it receives to the exec'd process; kitten just must not die first
  for (const s of signals) process.on(s, ignore);
  try {
    return await new Promise<number>((resolve) => {
      child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 128 + 15)));
      child.on("error", () => resolve(126));
    });
  } finally {
    for (const s of signals) process.off(s, ignore);
  }
}
