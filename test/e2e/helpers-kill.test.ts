/**
 * Issue #13, "Done when": kill -9 of any single kitten-owned helper — the agent, a port
 * forwarder, the supervisor, slirp4netns, a conmon — or of all of them together loses no
 * container (each keeps its pid and start time), the published port answers again after the
 * next kitten command, and `ps` tells the truth throughout. The holder is the one process whose
 * death ends the stack: ps says so, and `up` brings the stack back. As root and as `kittest`,
 * one stack each, through the compiled binary.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_USER, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, freePort, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

interface Row {
  name: string;
  status: string;
  startedAt?: string;
  restarts: number;
  exitCode?: number;
  note?: string;
}

/** Host pids whose command line contains every marker, zombies excluded. */
function procs(...markers: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").replaceAll("\0", " ");
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      if (markers.every((m) => cmd.includes(m)) && !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) out.push(Number(e));
    } catch {}
  }
  return out;
}

/** pid and start time (ticks since boot): one process, never a reused pid; [] once it is gone. */
function identity(pid: number): string[] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return [`${pid}@${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[22 - 3]}`];
  } catch {
    return [];
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await Bun.sleep(100);
  }
  return check();
}

function kill(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {}
  }
}

const cases: Array<{ label: string; user?: string; tag: string; driver?: string }> = [
  { label: "root", tag: "1301" },
  { label: TEST_USER, user: TEST_USER, tag: "1302" },
  // the hand-rolled namespace: the same holder, its own slirp4netns with --configure
  { label: "root, unshare driver", tag: "1303", driver: "unshare" },
];

for (const c of cases) {
  describe(`as ${c.label}`, () => {
    let r: Runner;
    let rootfs: string;
    let dir: string;
    let file: string;
    let port: number;
    let hostServer: ReturnType<typeof Bun.serve>;
    const project = `kill${c.tag}`;
    const appCmd = `sleep ${c.tag}999`;
    const webCmd = `httpd -f -p 8080 -h /www -r realm${c.tag}`;
    const env: Record<string, string> = { KITTEN_HOST_LOOPBACK: "1", ...(c.driver ? { KITTEN_NS_DRIVER: c.driver } : {}) };

    beforeAll(async () => {
      const ids = c.user ? userIds(c.user) : undefined;
      r = runner(c.label, tempRoot(ids), c.user);
      rootfs = buildRootfs(c.user);
      dir = mkdtempSync(join(tmpdir(), "kitten-kill-"));
      port = freePort();
      hostServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hello from the host\n") });
      file = join(dir, "compose.json");
      writeFileSync(
        file,
        JSON.stringify({
          name: project,
          services: {
            web: { image: rootfs, command: webCmd.split(" "), ports: [`127.0.0.1:${port}:8080`], restart: "always", stop_grace_period: "1s" },
            app: { image: rootfs, command: appCmd.split(" "), restart: "always", stop_grace_period: "1s" },
          },
        }),
      );
      if (ids) {
        chownSync(dir, ids.uid, ids.gid);
        chownSync(file, ids.uid, ids.gid);
      }
      const up = await r.k(["up", "-d", "-f", file], env);
      expect(up.stderr).not.toContain("error");
      expect(up.code).toBe(0);
    });

    afterAll(async () => {
      await r.k(["down", "-p", project, "-t", "1"], env);
      hostServer.stop(true);
      removeRoot(r.root);
      removeRootfs(rootfs);
      rmSync(dir, { recursive: true, force: true });
    });

    const ps = async (): Promise<Row[]> => {
      const res = await r.k(["ps", "-p", project, "-a", "--format", "json"], env);
      expect(res.code).toBe(0);
      return JSON.parse(res.stdout) as Row[];
    };
    const answers = async () => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })).text()) === "hello from the container\n";
      } catch {
        return false;
      }
    };
    /** the containers' processes as pid@start: what must not change when a helper dies */
    const containers = () => [...procs(appCmd), ...procs(webCmd)].flatMap(identity).sort();
    const running = async (before: Row[]) => {
      const now = await ps();
      expect(now.map((x) => `${x.name} ${x.status} ${x.startedAt}`)).toEqual(before.map((x) => `${x.name} running ${x.startedAt}`));
    };
    const nsRecord = () => JSON.parse(readFileSync(join(r.root, "run/ns", `${project}.json`), "utf8")) as { pid: number; childPid: number; slirpPid: number };
    // nc, not busybox wget: the static busybox's wget segfaults in getaddrinfo on this host
    const outbound = async () => {
      const res = await r.k(["exec", `${project}-app-1`, "sh", "-c", `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 10.0.2.2 ${hostServer.port}`], env);
      return res.stdout.endsWith("hello from the host\n");
    };

    test("the stack runs: two containers, the published port answers, the namespace reaches the host", async () => {
      expect(containers()).toHaveLength(2);
      expect(await answers()).toBe(true);
      expect(await outbound()).toBe(true);
    });

    test("kill -9 of the agent: every container keeps its pid and start time, ps is true, and the agent comes back", async () => {
      const before = await ps();
      const pids = containers();
      const agent = procs("__agent", join(r.root, "run/projects", project));
      expect(agent.length).toBeGreaterThan(0);
      kill(agent);
      await running(before);
      expect(containers()).toEqual(pids);
      expect(await answers()).toBe(true);
      expect(procs("__agent", join(r.root, "run/projects", project)).length).toBeGreaterThan(0);
      expect((await r.k(["exec", `${project}-app-1`, "true"], env)).code).toBe(0);
    });

    test("kill -9 of the port forwarder: the port answers again after the next kitten command, containers untouched", async () => {
      // no supervisor either, so only the next command can bring it back
      kill(procs("__supervise", project));
      const before = await ps();
      const pids = containers();
      const fwd = procs("__portfwd", join(r.root, "data"));
      expect(fwd).toHaveLength(1);
      kill(fwd);
      expect(await until(async () => !(await answers()), 5000)).toBe(true);
      await running(before);
      const up = await r.k(["up", "-d", "-f", file], env);
      expect(up.code).toBe(0);
      expect(up.stderr).toContain("restarted the port forwarder");
      expect(await answers()).toBe(true);
      expect(containers()).toEqual(pids);
      await running(before);
    });

    test("kill -9 of the supervisor: ps stays true without starting one, doctor names it, and a live supervisor repairs a dead forwarder by itself", async () => {
      const before = await ps();
      const pids = containers();
      kill(procs("__supervise", project));
      expect(await until(() => procs("__supervise", project).length === 0, 5000)).toBe(true);
      await running(before);
      const doctor = JSON.parse((await r.k(["doctor", "--format", "json"], env)).stdout) as { checks: Array<{ name: string; status: string; detail: string }> };
      expect(doctor.checks.find((x) => x.name === `project ${project}`)).toMatchObject({ status: "warn", detail: expect.stringContaining("gone: supervisor") });
      expect(procs("__supervise", project)).toEqual([]);
      expect((await r.k(["up", "-d", "-f", file], env)).code).toBe(0);
      expect(procs("__supervise", project)).toHaveLength(1);
      // a live supervisor checks its helpers every second
      kill(procs("__portfwd", join(r.root, "data")));
      expect(await until(answers, 10_000)).toBe(true);
      expect(containers()).toEqual(pids);
    });

    test("kill -9 of slirp4netns: outbound network is back after the next kitten command", async () => {
      kill(procs("__supervise", project));
      const pids = containers();
      kill([nsRecord().slirpPid]);
      expect(await outbound()).toBe(false);
      expect((await r.k(["up", "-d", "-f", file], env)).code).toBe(0);
      expect(await outbound()).toBe(true);
      expect(containers()).toEqual(pids);
    });

    test(`kill -9 of the namespace's driver (${c.driver ?? "rootlesskit"}): the holder keeps the containers, and the next command brings the network back`, async () => {
      kill(procs("__supervise", project));
      const before = await ps();
      const pids = containers();
      kill([nsRecord().pid]);
      await Bun.sleep(300);
      await running(before);
      expect(containers()).toEqual(pids);
      expect(await answers()).toBe(true);
      expect((await r.k(["up", "-d", "-f", file], env)).code).toBe(0);
      expect(await outbound()).toBe(true);
      expect(containers()).toEqual(pids);
    });

    test("kill -9 of every helper at once: no container lost, ps true, the port answers after the next command", async () => {
      const before = await ps();
      const pids = containers();
      kill([
        ...procs("__supervise", project),
        ...procs("__agent", join(r.root, "run/projects", project)),
        ...procs("__portfwd", join(r.root, "data")),
        nsRecord().slirpPid,
      ]);
      await running(before);
      expect(containers()).toEqual(pids);
      expect((await r.k(["up", "-d", "-f", file], env)).code).toBe(0);
      expect(await answers()).toBe(true);
      expect(await outbound()).toBe(true);
      expect(containers()).toEqual(pids);
      await running(before);
    });

    test("kill -9 of a conmon: ps names the lost monitor; when the container then dies its exit code is unknown and its policy restarts it", async () => {
      const monitor = procs("conmon", `-n ${project}-app-1`);
      expect(monitor).toHaveLength(1);
      kill(monitor);
      const row = async () => (await ps()).find((x) => x.name === `${project}-app-1`)!;
      expect(await row()).toMatchObject({ status: "running", note: expect.stringContaining("monitor (conmon) is gone") });
      const restarts = (await row()).restarts;
      kill(procs(appCmd));
      // the supervisor finds it gone without an exit file, and restart: always runs it again
      expect(await until(async () => (await row()).restarts === restarts + 1 && (await row()).status === "running", 20_000)).toBe(true);
      const die = JSON.parse(`[${(await r.k(["events", "-p", project, "--since", "0", "--until", "0s", "--format", "json"], env)).stdout.trim().split("\n").join(",")}]`) as Array<{ action: string; container?: string; exitCode?: number }>;
      expect(die.filter((e) => e.action === "die" && e.container === `${project}-app-1`).at(-1)?.exitCode).toBeUndefined();
    });

    test("kill -9 of the holder ends the stack: ps says so, and up runs it again", async () => {
      kill(procs("__supervise", project));
      kill([nsRecord().childPid]);
      expect(await until(() => containers().length === 0, 5000)).toBe(true);
      const res = await r.k(["ps", "-p", project, "-a"], env);
      expect(res.stdout).toMatch(/Exited \(137\)/);
      expect(res.stderr).toContain("its namespace is gone (the holder process died)");
      // doctor says so too, with the command that runs the stack again
      const doctor = JSON.parse((await r.k(["doctor", "--format", "json"], env)).stdout) as { checks: Array<{ name: string; status: string; detail: string; fix: string | null }> };
      expect(doctor.checks.find((x) => x.name === `project ${project}`)).toMatchObject({ status: "warn", detail: expect.stringContaining("the holder (catatonit"), fix: `kitten start -p ${project}` });
      expect((await r.k(["up", "-d", "-f", file], env)).code).toBe(0);
      expect((await ps()).map((x) => x.status)).toEqual(["running", "running"]);
      expect(await until(answers, 5000)).toBe(true);
    });
  });
}
