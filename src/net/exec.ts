/** Runs the system tools the network library drives (ip, nft, unshare, CNI plugins). */
import { RuntimeFailure } from "../core/errors.ts";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function execTool(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<ExecResult> {
  let proc;
  try {
    proc = Bun.spawn(argv, {
      stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
      stdout: "pipe",
      stderr: "pipe",
      env: options.env ?? (process.env as Record<string, string>),
    });
  } catch (err) {
    throw new RuntimeFailure(`cannot run ${argv[0]}: ${(err as Error).message}`, { cause: err, hint: "run `kitten doctor` to check the host packages" });
  }
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** execTool that throws a RuntimeFailure naming the command when it exits non-zero. */
export async function mustExec(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await execTool(argv, options);
  if (r.code !== 0) {
    const detail = (r.stderr || r.stdout).trim().split("\n").slice(-3).join("; ");
    throw new RuntimeFailure(`${argv.slice(0, 3).join(" ")} failed: ${detail || `exit ${r.code}`}`);
  }
  return r.stdout;
}
