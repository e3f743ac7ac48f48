/** Running commands inside the namespace (the agent's only way to touch the kernel). */
import { RuntimeFailure } from "../../../core/errors.ts";
import type { CommandResult } from "../agent-protocol.ts";
import { childrenOf, isAlive } from "../../../net/namespace/proc.ts";

export interface RunOptions {
  stdin?: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** at the timeout, before the command itself is killed (e.g. what it started elsewhere) */
  onTimeout?: () => void;
}

export async function run(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
  const proc = Bun.spawn(argv, {
    cwd: options.cwd,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = options.timeoutMs
    ? setTimeout(() => {
        try {
          options.onTimeout?.();
        } finally {
          proc.kill("SIGKILL");
        }
      }, options.timeoutMs)
    : undefined;
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (timer) clearTimeout(timer);
  return { exitCode, stdout, stderr };
}

/** Runs and throws a RuntimeFailure naming the command when it fails. */
export async function must(argv: string[], what: string, options: RunOptions = {}): Promise<string> {
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

/** pid and every process below it, as this pid namespace sees them (parents first). */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of childrenOf(p)) walk(c);
  };
  if (isAlive(pid)) walk(pid);
  return out;
}

/**
 * SIGKILLs pid and everything it started, until none is left (a process may fork while its
 * siblings are killed). A healthcheck command past its timeout goes this way: killing only
 * `runc exec` would leave the command and its children running in the container (issue #13:
 * leftover probes piled up 5 → 10 → 16).
 */
export function killTree(pid: number): number {
  let killed = 0;
  for (let round = 0; round < 10; round++) {
    const tree = processTree(pid).filter((p) => isAlive(p));
    if (tree.length === 0) break;
    for (const p of tree) {
      try {
        process.kill(p, "SIGKILL");
        killed++;
      } catch {}
    }
  }
  return killed;
}
