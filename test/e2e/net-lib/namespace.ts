/**
 * A rootless namespace for the network library's own tests, started exactly as
 * research/rootless-spike.md §1a does (rootlesskit + slirp4netns + builtin port driver + pidns),
 * as root or as another user through runuser. Independent of the runtime branch's namespace code.
 */
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const INSIDE = resolve(import.meta.dir, "inside.ts");

export interface TestNamespace {
  dir: string;
  runtimeDir: string;
  apiSocket: string;
  rootlesskitPid: number;
  childPid: number;
  inside<T = unknown>(op: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

function ids(user: string): { uid: number; gid: number } {
  const get = (flag: string) => Number(new TextDecoder().decode(Bun.spawnSync(["id", flag, user]).stdout).trim());
  return { uid: get("-u"), gid: get("-g") };
}

function alive(pid: number): boolean {
  // PID 1 on this host reaps late: a zombie counts as gone (research §0)
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z");
  } catch {
    return false;
  }
}

const asUser = (user: string | undefined, argv: string[]) => (user ? ["runuser", "-u", user, "--", ...argv] : argv);

/** Starts a namespace; `dir` (and its runtime dir) is created fresh and owned by the user. */
export async function startNamespace(options: { user?: string; runtimeDir?: string; dir?: string } = {}): Promise<TestNamespace> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "kitten-netlib-"));
  const owner = options.user ? ids(options.user) : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const stateDir = join(dir, "rk");
  const runtimeDir = options.runtimeDir ?? join(dir, "run");
  Bun.spawnSync(asUser(options.user, ["mkdir", "-p", runtimeDir]));
  const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: dir, LANG: "C.UTF-8" };
  const proc = Bun.spawn(
    asUser(options.user, [
      "setsid", "rootlesskit", `--state-dir=${stateDir}`, "--net=slirp4netns", "--mtu=65520", "--port-driver=builtin", "--pidns",
      "catatonit", "-P",
    ]),
    { stdin: "ignore", stdout: "ignore", stderr: "ignore", env },
  );
  const apiSocket = join(stateDir, "api.sock");
  let childPid = 0;
  for (let i = 0; i < 500; i++) {
    if (existsSync(apiSocket) && existsSync(join(stateDir, "child_pid"))) {
      const text = readFileSync(join(stateDir, "child_pid"), "utf8").trim();
      if (text) {
        childPid = Number(text);
        break;
      }
    }
    await Bun.sleep(10);
  }
  // with runuser in front, the rootlesskit pid is runuser's child
  const rootlesskitPid = options.user ? await childOf(proc.pid) : proc.pid;
  const stop = async () => {
    if (rootlesskitPid > 0) process.kill(rootlesskitPid, "SIGTERM");
    for (let i = 0; i < 400 && alive(rootlesskitPid); i++) await Bun.sleep(5);
    await proc.exited;
  };
  if (!childPid) {
    await stop();
    throw new Error(`rootlesskit did not become ready in ${stateDir}`);
  }
  const inside = async <T>(op: Record<string, unknown>): Promise<T> => {
    const argv = asUser(options.user, [
      "nsenter", "-t", String(childPid), "-U", "--preserve-credentials", "-m", "-n", "-p",
      "env", "-C", "/", process.execPath, INSIDE, JSON.stringify(op),
    ]);
    const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", env });
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    let parsed: { ok: boolean; result?: T; error?: string };
    try {
      parsed = JSON.parse(out);
    } catch {
      throw new Error(`inside ${String(op.op)} failed: ${err || out}`);
    }
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.result as T;
  };
  return { dir, runtimeDir, apiSocket, rootlesskitPid, childPid, inside, stop };
}

async function childOf(pid: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
      if (kids[0]) return Number(kids[0]);
    } catch {}
    await Bun.sleep(5);
  }
  return 0;
}

/** Removes a test dir; files created inside the namespace belong to the user or its subids. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
