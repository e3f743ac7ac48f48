/**
 * Shared e2e helpers: run the compiled binary (dist/kitten, built by `bun run build`) with
 * NO_COLOR=1 and an isolated KITTEN_ROOT, as root or as the unprivileged test user `kittest`
 * that scripts/setup-host.sh creates.
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "../..");
export const KITTEN = join(REPO, "dist/kitten");
export const EXAMPLES = join(REPO, "compose-examples");
export const TEST_USER = "kittest";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** run as this user through runuser (root only) */
  user?: string;
  stdin?: string;
  timeoutMs?: number;
}

export function requireBinary(): void {
  if (!existsSync(KITTEN)) throw new Error(`${KITTEN} is missing: run \`bun run build\` before the e2e tests`);
}

export async function kitten(args: string[], options: RunOptions = {}): Promise<RunResult> {
  requireBinary();
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", NO_COLOR: "1", LANG: "C.UTF-8" };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  const argv = options.user
    ? ["runuser", "-u", options.user, "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), KITTEN, ...args]
    : [KITTEN, ...args];
  const proc = Bun.spawn(argv, {
    cwd: options.cwd ?? REPO,
    env,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A fresh KITTEN_ROOT, owned by `owner` when given; remove it with `removeRoot`. */
export function tempRoot(owner?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(join(tmpdir(), "kitten-e2e-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

export function removeRoot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** uid/gid of a local user, via `id`. */
export function userIds(user: string): { uid: number; gid: number } {
  const out = (flag: string) => Number(new TextDecoder().decode(Bun.spawnSync(["id", flag, user]).stdout).trim());
  return { uid: out("-u"), gid: out("-g") };
}

/** Host pids whose command line contains `marker`, zombies excluded. */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (cmd.includes(marker) && !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}
