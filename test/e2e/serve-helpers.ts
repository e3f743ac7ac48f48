/**
 * Running `kitten serve` in e2e tests: the compiled binary with its own KITTEN_ROOT, a unix socket,
 * a free TCP port on 127.0.0.1 and a known token; stopped by its pid.
 */
import { join } from "node:path";
import { KITTEN, requireBinary } from "./helpers.ts";
import { freePort } from "./run-fixtures.ts";

export interface Served {
  url: string;
  socket: string;
  token: string;
  pid: number;
  stderr(): string;
  /** a request to the TCP listener with the bearer token */
  api(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export async function startServe(o: { root: string; cwd: string; env?: Record<string, string>; user?: string; token?: string }): Promise<Served> {
  requireBinary();
  const port = freePort();
  const token = o.token ?? `e2e-token-${crypto.randomUUID()}`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", NO_COLOR: "1", LANG: "C.UTF-8", KITTEN_ROOT: o.root, KITTEN_API_TOKEN: token, ...o.env };
  const args = [KITTEN, "serve", "--listen", `127.0.0.1:${port}`];
  const argv = o.user ? ["runuser", "-u", o.user, "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...args] : args;
  const proc = Bun.spawn(argv, { cwd: o.cwd, env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  let err = "";
  void (async () => {
    for await (const chunk of proc.stderr as unknown as AsyncIterable<Uint8Array>) err += new TextDecoder().decode(chunk);
  })();
  const url = `http://127.0.0.1:${port}`;
  const socket = join(o.root, "run", "kitten.sock");
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`kitten serve did not come up (exit ${proc.exitCode}): ${err}`);
    await Bun.sleep(50);
  }
  // under runuser the server is runuser's child: signal the server itself
  const pid = o.user ? Number(new TextDecoder().decode(Bun.spawnSync(["pgrep", "-P", String(proc.pid)]).stdout).trim()) || proc.pid : proc.pid;
  return {
    url,
    socket,
    token,
    pid,
    stderr: () => err,
    api: (path, init = {}) => fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } }),
    async stop() {
      if (proc.exitCode !== null) return;
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

/** Polls GET /status/{id} until `want` (a test waiting on the server, not the server polling). */
export async function waitStatus(s: Served, id: string, want: (status: string) => boolean, timeoutMs = 90_000): Promise<{ status: string; message?: string; containers: Record<string, { status: string; phase: string }> }> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const res = await s.api(`/status/${id}`);
    last = await res.json();
    const body = last as { status: string; message?: string; containers: Record<string, { status: string; phase: string }> };
    if (res.ok && want(body.status)) return body;
    if (body.status === "failed" || Date.now() > deadline) throw new Error(`deployment ${id}: ${JSON.stringify(last)}`);
    await Bun.sleep(250);
  }
}

export async function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  const p = Bun.spawn(["curl", "-sS", ...args], { stdout: "pipe", stderr: "inherit" });
  const [stdout, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return { code, stdout };
}
