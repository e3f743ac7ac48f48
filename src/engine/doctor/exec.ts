/** Running host programs for the checks: bounded in time, output captured, never throwing. */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** the program could not be started at all */
  spawnError?: string;
}

export async function exec(argv: string[], options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<ExecResult> {
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(argv, { env: options.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    return { code: -1, stdout: "", stderr: "", spawnError: err instanceof Error ? err.message : String(err) };
  }
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 10_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The executable `name` on PATH (like `command -v`), or undefined. */
export function findExecutable(name: string, path: string | undefined = process.env.PATH): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The last non-empty line of a program's output: usually the reason it failed. */
export function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? "";
}
