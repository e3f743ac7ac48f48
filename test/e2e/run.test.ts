/**
 * `kitten run` and friends with real rootlesskit, conmon and runc, as root and as the
 * unprivileged user kittest. Each block starts its own namespaces and tears them down.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { KITTEN, TEST_USER, processesWith, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, freePort, removeRootfs, runner, tarRootfs, type Runner } from "./run-fixtures.ts";

requireBinary();

const USERS: Array<{ label: string; user?: string }> = [{ label: "root" }, { label: TEST_USER, user: TEST_USER }];


async function until(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await Bun.sleep(20);
  }
  return check();
}

describe.each(USERS)("containers as $label", ({ label, user }) => {
  let r: Runner;
  let rootfs: string;

  beforeAll(() => {
    r = runner(label, tempRoot(user ? userIds(user) : undefined), user);
    rootfs = buildRootfs(user);
  });

  afterAll(async () => {
    for (const project of ["default", "lb", "alt", "gone", "multi"]) await r.k(["__ns-down", project]);
    removeRoot(r.root);
    removeRootfs(rootfs);
  });

  test("prints the container's output and propagates exit codes 0 and 3", async () => {
    const ok = await r.k(["run", "--rm", rootfs, "sh", "-c", "echo out; echo err >&2"]);
    expect(ok).toMatchObject({ code: 0, stdout: "out\n", stderr: "err\n" });
    const three = await r.k(["run", "--rm", rootfs, "sh", "-c", "exit 3"]);
    expect(three.code).toBe(3);
    expect(three.stderr).not.toContain("error");
  });

  test("sets env, working dir, user and hostname as asked", async () => {
    const res = await r.k([
      "run", "--rm", "-e", "GREETING=hi there", "-w", "/tmp", "-u", "app", "-h", "box1", rootfs,
      "sh", "-c", 'echo "$GREETING|$(pwd)|$(id -u):$(id -g)|$(id -G)|$(hostname)|$HOME|$(cat /etc/hostname)"',
    ]);
    expect(res.stderr).toBe("");
    expect(res.stdout).toBe("hi there|/tmp|999:999|999 1234|box1|/home/app|box1\n");
  });

  test("keeps the image's file owned by uid 999 owned by 999 inside", async () => {
    const res = await r.k(["run", "--rm", rootfs, "stat", "-c", "%u:%g %U", "/home/app/data.txt"]);
    expect(res).toMatchObject({ code: 0, stdout: "999:999 app\n" });
  });

  test("runs an image from the image store, its uid 999 file still owned by 999", async () => {
    const tar = tarRootfs(rootfs, user);
    const imported = await r.k(["image", "import", tar, "e2e/busybox:1"]);
    expect(imported.code).toBe(0);
    const res = await r.k(["run", "--rm", "-u", "app", "e2e/busybox:1", "sh", "-c", "stat -c '%u:%g' /home/app/data.txt; id -u"]);
    expect(res).toMatchObject({ code: 0, stdout: "999:999\n999\n" });
  });

  test("refuses a container with nothing to run and leaves nothing behind", async () => {
    const before = existsSync(join(r.root, "data/containers")) ? readdirSync(join(r.root, "data/containers")).length : 0;
    const res = await r.k(["run", "--rm", "e2e/busybox:1"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: container "[^"]+": no command specified\nhint: /);
    const unknownUser = await r.k(["run", "--rm", "-u", "nobody", rootfs, "true"]);
    expect(unknownUser).toMatchObject({ code: 2, stderr: "error: unable to find user nobody: no matching entries in passwd file\n" });
    const after = existsSync(join(r.root, "data/containers")) ? readdirSync(join(r.root, "data/containers")).length : 0;
    expect(after).toBe(before);
  });

  test("reports 137 for a container killed with SIGKILL", async () => {
    const d = await r.k(["run", "-d", "--name", "victim", rootfs, "sleep", "600"]);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await r.k(["kill", "victim"])).code).toBe(0);
    let ps: Array<{ name: string; status: string; exitCode: number | null }> = [];
    for (let i = 0; i < 50; i++) {
      ps = JSON.parse((await r.k(["ps", "-a", "--format", "json"])).stdout);
      if (ps.find((c) => c.name === "victim")?.status === "exited") break;
      await Bun.sleep(100);
    }
    expect(ps.find((c) => c.name === "victim")).toMatchObject({ status: "exited", exitCode: 137 });
    expect((await r.k(["rm", "victim"])).code).toBe(0);
  });

  test("stops a running container and lists only running ones without -a", async () => {
    await r.k(["run", "-d", "--name", "sleeper", rootfs, "sleep", "600"]);
    expect((await r.k(["ps"])).stdout).toContain("sleeper");
    const stop = await r.k(["stop", "-t", "1", "sleeper"]);
    expect(stop.code).toBe(0);
    expect((await r.k(["ps"])).stdout).not.toContain("sleeper");
    expect((await r.k(["ps", "-a"])).stdout).toMatch(/Exited \(137\).*sleeper/);
    const rmRunning = await r.k(["rm", "sleeper"]);
    expect(rmRunning.code).toBe(0);
  });

  test("a stopped container started again keeps its files, its address and its earlier log lines, and publishes its port again", async () => {
    const port = freePort();
    const script = 'echo x >> /runs; echo "run $(wc -l < /runs)"; exec httpd -f -p 80 -h /www';
    expect((await r.k(["run", "-d", "--name", "again", "--network", "bridge", "-p", `127.0.0.1:${port}:80`, rootfs, "sh", "-c", script])).code).toBe(0);
    const get = async () => {
      for (let i = 0; i < 100; i++) {
        const body = await fetch(`http://127.0.0.1:${port}/`).then((x) => x.text()).catch(() => "");
        if (body) return body;
        await Bun.sleep(50);
      }
      return "";
    };
    const ip = async () => (JSON.parse((await r.k(["ps", "-a", "--format", "json"])).stdout) as Array<{ name: string; ips: Record<string, string> }>).find((c) => c.name === "again")?.ips.bridge;
    expect(await get()).toBe("hello from the container\n");
    const address = await ip();
    expect(address).toMatch(/^10\.88\./);
    expect((await r.k(["stop", "-t", "1", "again"])).code).toBe(0);
    expect(await fetch(`http://127.0.0.1:${port}/`).then(() => "open").catch(() => "closed")).toBe("closed");
    expect(await r.k(["start", "again"])).toMatchObject({ code: 0, stdout: "again\n" });
    expect(await get()).toBe("hello from the container\n");
    expect(await ip()).toBe(address);
    expect((await r.k(["logs", "again"])).stdout).toBe("run 1\nrun 2\n");
    expect((await r.k(["ps"])).stdout).toContain(`127.0.0.1:${port}->80/tcp`);
    expect((await r.k(["rm", "-f", "again"])).code).toBe(0);
  });

  test("runs exec with its exit code, env, user and working dir", async () => {
    await r.k(["run", "-d", "--name", "execme", rootfs, "sleep", "600"]);
    const res = await r.k(["exec", "-e", "A=1", "-u", "app", "-w", "/home/app", "execme", "sh", "-c", 'echo "$A $(id -u) $(pwd)"; exit 4']);
    expect(res).toMatchObject({ code: 4, stdout: "1 999 /home/app\n" });
    const refused = await r.k(["rm", "execme"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('container "execme" is running');
    expect((await r.k(["rm", "-f", "execme"])).code).toBe(0);
  });

  test("publishes a port reachable from the host's 127.0.0.1", async () => {
    const port = freePort();
    const d = await r.k(["run", "-d", "--name", "web", "-p", `127.0.0.1:${port}:80`, rootfs, "httpd", "-f", "-p", "80", "-h", "/www"]);
    expect(d.code).toBe(0);
    let body = "";
    for (let i = 0; i < 100 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/`).then((x) => x.text()).catch(() => "");
      if (!body) await Bun.sleep(50);
    }
    expect(body).toBe("hello from the container\n");
    expect((await r.k(["ps"])).stdout).toContain(`127.0.0.1:${port}->80/tcp`);
    expect((await r.k(["rm", "-f", "web"])).code).toBe(0);
    expect(await fetch(`http://127.0.0.1:${port}/`).then(() => "open").catch(() => "closed")).toBe("closed");
  });

  test("gives --network bridge containers their own address, so two can publish their port 80", async () => {
    const [p1, p2] = [freePort(), freePort()];
    for (const [name, port] of [["br1", p1], ["br2", p2]] as const) {
      const d = await r.k(["run", "-d", "--network", "bridge", "--name", name, "-p", `127.0.0.1:${port}:80`, rootfs, "sh", "-c", `echo ${name} > /www/index.html; exec httpd -f -p 80 -h /www`]);
      expect(d.code).toBe(0);
    }
    const get = async (port: number) => {
      for (let i = 0; i < 100; i++) {
        const body = await fetch(`http://127.0.0.1:${port}/`).then((x) => x.text()).catch(() => "");
        if (body) return body;
        await Bun.sleep(50);
      }
      return "";
    };
    expect([await get(p1), await get(p2)]).toEqual(["br1\n", "br2\n"]);
    const ps = JSON.parse((await r.k(["ps", "--format", "json"])).stdout) as Array<{ name: string; ips: Record<string, string> }>;
    const ip1 = ps.find((c) => c.name === "br1")?.ips.bridge ?? "";
    expect(ip1).toMatch(/^10\.88\.\d+\.\d+$/);
    expect(ps.find((c) => c.name === "br2")?.ips.bridge).not.toBe(ip1);
    const peer = await r.k(["run", "--rm", "--network", "bridge", rootfs, "wget", "-qO-", `http://${ip1}/`]);
    expect(peer).toMatchObject({ code: 0, stdout: "br1\n" });
    expect((await r.k(["rm", "-f", "br1", "br2"])).code).toBe(0);
  });

  test("puts containers on a named network where they reach each other by name", async () => {
    expect((await r.k(["run", "-d", "--name", "peer1", "--network", "backend", rootfs, "sh", "-c", "echo peer1 > /www/index.html; exec httpd -f -p 80 -h /www"])).code).toBe(0);
    const res = await r.k(["run", "--rm", "--network", "backend", rootfs, "wget", "-qO-", "http://peer1/"]);
    expect(res).toMatchObject({ code: 0, stdout: "peer1\n" });
    expect((await r.k(["rm", "-f", "peer1"])).code).toBe(0);
  });

  test("reaches a server on the host's loopback through slirp's gateway when host loopback is allowed", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hello from the host\n") });
    try {
      const res = await r.k(["run", "--rm", "--project", "lb", rootfs, "wget", "-qO-", `http://10.0.2.2:${server.port}/`], { KITTEN_HOST_LOOPBACK: "1" });
      expect(res).toMatchObject({ code: 0, stdout: "hello from the host\n" });
      // each foreground run's namespace goes when it is idle again (releaseIfIdle): ask for loopback again
      const bridged = await r.k(["run", "--rm", "--project", "lb", "--network", "bridge", rootfs, "wget", "-qO-", `http://10.0.2.2:${server.port}/`], { KITTEN_HOST_LOOPBACK: "1" });
      expect(bridged).toMatchObject({ code: 0, stdout: "hello from the host\n" });
      const denied = await r.k(["run", "--rm", rootfs, "wget", "-qO-", "-T", "3", `http://10.0.2.2:${server.port}/`]);
      expect(denied.code).not.toBe(0);
      expect(denied.stdout).toBe("");
    } finally {
      server.stop(true);
    }
  });

  test("records logs and the exit code after the kitten that started the container was killed -9", async () => {
    const ids = user ? userIds(user) : undefined;
    const argv = [
      ...(ids ? ["setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--clear-groups"] : []),
      "env", `KITTEN_ROOT=${r.root}`, "NO_COLOR=1", `PATH=${process.env.PATH}`, `HOME=${ids ? "/tmp" : (process.env.HOME ?? "/root")}`,
      KITTEN, "run", "--name", "orphan", rootfs, "sh", "-c", "echo before; sleep 1; echo after; exit 7",
    ];
    const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("before\n");
    proc.kill("SIGKILL");
    await proc.exited;
    let ps: Array<{ name: string; status: string; exitCode: number | null }> = [];
    for (let i = 0; i < 80; i++) {
      ps = JSON.parse((await r.k(["ps", "-a", "--format", "json"])).stdout);
      if (ps.find((c) => c.name === "orphan")?.status === "exited") break;
      await Bun.sleep(100);
    }
    expect(ps.find((c) => c.name === "orphan")).toMatchObject({ status: "exited", exitCode: 7 });
    const logs = await r.k(["logs", "orphan"]);
    expect(logs).toMatchObject({ code: 0, stdout: "before\nafter\n" });
    expect((await r.k(["logs", "--tail", "1", "orphan"])).stdout).toBe("after\n");
    expect((await r.k(["logs", "-t", "orphan"])).stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+ before\n/);
    expect((await r.k(["rm", "orphan"])).code).toBe(0);
  });

  test("rm leaves no mount, netns, process or runtime state behind", async () => {
    // rm of the last container stops the idle default namespace, and everything with it: a second
    // container keeps it running, so what is checked is what rm itself cleans up
    expect((await r.k(["run", "-d", "--name", "keeper", "--network", "none", rootfs, "sleep", "600"])).code).toBe(0);
    const marker = `${600 + Math.floor(Math.random() * 1000)}.5`;
    const d = await r.k(["run", "-d", "--name", "tidy", "--network", "none", "-v", "tidyvol:/data", rootfs, "sleep", marker]);
    expect(d.code).toBe(0);
    const id = d.stdout.trim();
    const ns = JSON.parse(readFileSync(join(r.root, "run/ns/default.json"), "utf8")) as { childPid: number; runtimeDir: string };
    // rm of the last container releases the idle namespace (releaseIfIdle): its mounts went with it
    const mountinfo = () => {
      try {
        return readFileSync(`/proc/${ns.childPid}/mountinfo`, "utf8");
      } catch {
        return "";
      }
    };
    const paths = [join(r.root, "data/containers", id), join(ns.runtimeDir, "netns", id), join(ns.runtimeDir, "runc", id)];
    expect(mountinfo()).toContain(id);
    for (const p of paths) expect(existsSync(p)).toBe(true);
    // runc init execs sleep just after start returns: give it that moment on a busy machine
    expect(await until(() => processesWith(`sleep ${marker}`).length === 1)).toBe(true);

    expect((await r.k(["rm", "-f", "tidy"])).code).toBe(0);
    expect(mountinfo()).not.toContain(id);
    for (const p of paths) expect(existsSync(p)).toBe(false);
    expect(await until(() => processesWith(`sleep ${marker}`).length === 0)).toBe(true);
    expect(existsSync(join(r.root, "data/volumes/tidyvol/_data"))).toBe(true);
    expect((await r.k(["ps", "-a"])).stdout).not.toContain("tidy");
    expect((await r.k(["rm", "-f", "keeper"])).code).toBe(0);
  });

  test("gives -it a working interactive shell on a terminal", async () => {
    const env = Object.entries({ KITTEN_ROOT: r.root, NO_COLOR: "1", PATH: process.env.PATH ?? "" }).map(([k, v]) => `${k}=${v}`);
    const cmd = [...(user ? ["runuser", "-u", user, "--"] : []), "env", ...env, KITTEN, "run", "-it", "--rm", rootfs, "sh"].join(" ");
    const proc = Bun.spawn(["script", "-qec", cmd, "/dev/null"], { stdin: new Blob(["tty; echo shell-ok; exit 5\n"]), stdout: "pipe" });
    const out = (await new Response(proc.stdout).text()).replaceAll("\r", "");
    expect(await proc.exited).toBe(5);
    expect(out).toContain("/dev/pts/0\nshell-ok\n");
  });

  test("removes a detached --rm container by itself once it exits, ports included", async () => {
    const port = freePort();
    const d = await r.k(["run", "-d", "--rm", "--name", "selfrm", "-p", `127.0.0.1:${port}:80`, rootfs, "sh", "-c", "sleep 0.3; exit 2"]);
    expect(d.code).toBe(0);
    const dir = join(r.root, "data/containers", d.stdout.trim());
    expect(await until(() => !existsSync(dir), 10_000)).toBe(true);
    expect((await r.k(["ps", "-a"])).stdout).not.toContain("selfrm");
    expect(await fetch(`http://127.0.0.1:${port}/`).then(() => "open").catch(() => "closed")).toBe("closed");
  });

  test("runs catatonit as PID 1 with --init, and keeps a --read-only rootfs read-only but its tmpfs writable", async () => {
    const init = await r.k(["run", "--rm", "--init", rootfs, "cat", "/proc/1/cmdline"]);
    expect(init.stdout.split("\0").slice(0, 3)).toEqual(["/dev/init", "--", "cat"]);
    const ro = await r.k(["run", "--rm", "--read-only", "--tmpfs", "/run", rootfs, "sh", "-c", "touch /x 2>/dev/null && echo wrote; touch /run/y && echo tmpfs-ok"]);
    expect(ro).toMatchObject({ code: 0, stdout: "tmpfs-ok\n" });
  });

  test("fills a new named volume with the image's content and keeps what containers write to it", async () => {
    expect((await r.k(["run", "--rm", "-v", "appdata:/home/app", rootfs, "sh", "-c", "cat /home/app/data.txt; echo more > /home/app/new.txt"])).stdout).toBe("data\n");
    const again = await r.k(["run", "--rm", "-v", "appdata:/home/app", rootfs, "sh", "-c", "cat /home/app/new.txt; stat -c %u /home/app/data.txt"]);
    expect(again.stdout).toBe("more\n999\n");
  });

  test("drops every capability with --cap-drop ALL and keeps docker's set by default", async () => {
    const none = await r.k(["run", "--rm", "--cap-drop", "ALL", rootfs, "grep", "CapBnd", "/proc/self/status"]);
    expect(none.stdout).toBe("CapBnd:\t0000000000000000\n");
    const def = await r.k(["run", "--rm", rootfs, "grep", "CapBnd", "/proc/self/status"]);
    expect(def.stdout).toBe("CapBnd:\t00000000a80425fb\n");
  });

  test("filters syscalls with seccomp: a new user namespace is refused by default, allowed unconfined or with CAP_SYS_ADMIN", async () => {
    const filtered = await r.k(["run", "--rm", rootfs, "sh", "-c", "grep Seccomp: /proc/self/status; unshare -U true"]);
    expect(filtered.stdout).toContain("Seccomp:\t2");
    expect(filtered.code).toBe(1);
    expect(filtered.stdout + filtered.stderr).toContain("Operation not permitted");
    const unconfined = await r.k(["run", "--rm", "--security-opt", "seccomp=unconfined", rootfs, "sh", "-c", "grep Seccomp: /proc/self/status; unshare -U true"]);
    expect(unconfined).toMatchObject({ code: 0, stdout: "Seccomp:\t0\n" });
    expect((await r.k(["run", "--rm", "--cap-add", "SYS_ADMIN", rootfs, "unshare", "-U", "true"])).code).toBe(0);
    const custom = await r.k(["run", "--rm", "--security-opt", "seccomp=profile.json", rootfs, "true"]);
    expect(custom.code).toBe(2);
    expect(custom.stderr).toContain('error: --security-opt "seccomp=profile.json": custom seccomp profiles are not supported');
  });

  test("forwards SIGTERM sent to kitten run to the container and returns its exit code", async () => {
    const ids = user ? userIds(user) : undefined;
    const argv = [
      ...(ids ? ["setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--clear-groups"] : []),
      "env", `KITTEN_ROOT=${r.root}`, "NO_COLOR=1", `PATH=${process.env.PATH}`,
      KITTEN, "run", "--rm", rootfs, "sh", "-c", "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done",
    ];
    const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("ready\n");
    proc.kill("SIGTERM");
    let rest = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(await proc.exited).toBe(42);
    expect(rest).toBe("got-term\n");
  });

  test("shows containers of a stopped namespace as exited (137) and still removes them", async () => {
    const d = await r.k(["run", "-d", "--project", "gone", "--name", "ghost", rootfs, "sleep", "600"]);
    expect(d.code).toBe(0);
    expect((await r.k(["__ns-down", "gone"])).code).toBe(0);
    const ps = JSON.parse((await r.k(["ps", "-a", "--format", "json"])).stdout) as Array<{ name: string; status: string; exitCode: number }>;
    expect(ps.find((c) => c.name === "ghost")).toMatchObject({ status: "exited", exitCode: 137 });
    expect((await r.k(["rm", "ghost"])).code).toBe(0);
    expect(existsSync(join(r.root, "data/containers", d.stdout.trim()))).toBe(false);
  });

  test("starts a container that died with its namespace again in a new one, with its files and its earlier log lines", async () => {
    const script = 'echo x >> /runs; echo "run $(wc -l < /runs)"; exec sleep 600';
    expect((await r.k(["run", "-d", "--project", "gone", "--name", "phoenix", "--network", "bridge", rootfs, "sh", "-c", script])).code).toBe(0);
    const logsUntil = async (line: string) => {
      let logs = "";
      for (let i = 0; i < 50 && !logs.includes(line); i++) {
        logs = (await r.k(["logs", "phoenix"])).stdout;
        if (!logs.includes(line)) await Bun.sleep(100);
      }
      return logs;
    };
    expect(await logsUntil("run 1")).toBe("run 1\n");
    expect((await r.k(["__ns-down", "gone"])).code).toBe(0);
    expect(await r.k(["start", "phoenix"])).toMatchObject({ code: 0, stdout: "phoenix\n" });
    const ps = JSON.parse((await r.k(["ps", "--format", "json"])).stdout) as Array<{ name: string; status: string; ips: Record<string, string> }>;
    expect(ps.find((c) => c.name === "phoenix")).toMatchObject({ status: "running", ips: { bridge: expect.stringMatching(/^10\.88\./) } });
    expect(await logsUntil("run 2")).toBe("run 1\nrun 2\n");
    expect((await r.k(["rm", "-f", "phoenix"])).code).toBe(0);
  });

  test("starts one namespace for three runs launched at once", async () => {
    // a detached container launched with them keeps the namespace up afterwards, whatever becomes
    // of an idle one: a second namespace the race started would still be there to count
    const keeper = r.k(["run", "-d", "--project", "multi", "--name", "multi-keeper", "--network", "none", rootfs, "sleep", "600"]);
    const runs = await Promise.all(["one", "two", "three"].map((w) => r.k(["run", "--rm", "--project", "multi", rootfs, "echo", w])));
    expect(runs.map((x) => [x.code, x.stdout])).toEqual([[0, "one\n"], [0, "two\n"], [0, "three\n"]]);
    expect((await keeper).code).toBe(0);
    const rk = processesWith(join(r.root, "run/ns/multi")).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("rootlesskit"));
    expect(rk.length).toBe(1);
    expect((await r.k(["rm", "-f", "multi-keeper"])).code).toBe(0);
  });

  test("follows a container's log with logs -f until it exits", async () => {
    await r.k(["run", "-d", "--name", "talker", rootfs, "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done"]);
    const res = await r.k(["logs", "-f", "talker"]);
    expect(res).toMatchObject({ code: 0, stdout: "line1\nline2\nline3\n" });
    expect((await r.k(["rm", "talker"])).code).toBe(0);
  });

  test("gives -t without a terminal a pty through conmon, and refuses -it without one as docker does", async () => {
    const t = await r.k(["run", "--rm", "-t", rootfs, "sh", "-c", "tty; exit 4"]);
    expect(t).toMatchObject({ code: 4, stdout: "/dev/pts/0\r\n" });
    const it = await r.k(["run", "--rm", "-it", rootfs, "sh"], {}, 10_000);
    expect(it).toMatchObject({ code: 2, stderr: "error: the input device is not a TTY\nhint: drop -t, or run it from a terminal\n" });
  });

  test("enforces memory and cpu limits where it may manage cgroups (root), and warns where it may not", async () => {
    const res = await r.k(["run", "--rm", "--memory", "64m", "--cpus", "0.5", rootfs, "true"]);
    expect(res.code).toBe(0);
    // root manages a cgroup subtree on this cgroup-v1 host; kittest was handed none (test/e2e/limits.test.ts)
    if (user) expect(res.stderr).toContain("memory=64m, cpus=0.5 not enforced: cgroup v1 without a subtree handed to this user");
    else expect(res.stderr).not.toContain("not enforced");
  });

  test("runs in a hand-rolled unshare + slirp4netns namespace, with a published port", async () => {
    const port = freePort();
    const env = { KITTEN_NS_DRIVER: "unshare" };
    const d = await r.k(["run", "-d", "--project", "alt", "--name", "alt-web", "-p", `127.0.0.1:${port}:80`, rootfs, "httpd", "-f", "-p", "80", "-h", "/www"], env);
    expect(d.code).toBe(0);
    const nsRecord = JSON.parse(readFileSync(join(r.root, "run/ns/alt.json"), "utf8")) as { driver: string };
    expect(nsRecord.driver).toBe("unshare");
    let body = "";
    for (let i = 0; i < 100 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/`).then((x) => x.text()).catch(() => "");
      if (!body) await Bun.sleep(50);
    }
    expect(body).toBe("hello from the container\n");
    const code = await r.k(["run", "--rm", "--project", "alt", rootfs, "sh", "-c", "exit 3"], env);
    expect(code.code).toBe(3);
    expect((await r.k(["rm", "-f", "alt-web"])).code).toBe(0);
  });
});
