/** Running commands inside the namespace (the agent's only way to touch the kernel). */
import { RuntimeFailure } from "../../../core/errors.ts";
import type { CommandResult } from "../agent-protocol.ts";

export async function run(argv: string[], options: { stdin?: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CommandResult> {
  const proc = Bun.spawn(argv, {
    cwd: options.cwd,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = options.timeoutMs ? setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs) : undefined;
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (timer) clearTimeout(timer);
  return { exitCode, stdout, stderr };
}

/** Runs and throws a RuntimeFailure naming the command when it fails. */
export async function must(argv: string[], what: string, options: Parameters<typeof run>[1] = {}): Promise<string> {
  const r = await run(argv, options);
  if (r.exitCode !== 0) throw new RuntimeFailure(`${what}: ${lastLine(r.stderr || r.stdout) || `exit status ${r.exitCode}`}`);
  return r.stdout;
}

/** runc/crun print logrus lines (`time=… level=error msg="…"`); keep the message. */
export function lastLine(text: string): string {
  const line = text.trim().split("\n").filter(Boolean).at(-1) ?? "";
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
  return msg ? msg[1]!.replace(/\\"/g, '"') : line;
}
