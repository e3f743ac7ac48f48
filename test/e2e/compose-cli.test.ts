/**
 * The CLI conformance suite (issue #12): docker compose commands typed verbatim — from the
 * compose reference (docs.docker.com/reference/cli/docker/compose/) and research/compose-cli.md —
 * as `kitten compose …` and `kitten …`, against a real project (runc under rootlesskit, a busybox
 * rootfs image), in and out of the project directory, as root and as kittest. Each asserts the
 * output, the exit code and the effect. One stack per user, shared by the cases; a regression
 * test for each bug the "Why" lists is named "regression: …".
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KITTEN, TEST_USER, kitten, removeRoot, requireBinary, tempRoot, userIds, type RunResult } from "./helpers.ts";
import { buildRootfs, removeRootfs } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(90_000);

const HEALTH = { test: ["CMD", "test", "-f", "/tmp/ready"], interval: "500ms", timeout: "2s", retries: 30 };

function composeFile(rootfs: string, name: string) {
  return {
    name,
    services: {
      db: {
        image: rootfs,
        // up's attached output must show this line while web still waits for db to be healthy
        command: ["sh", "-c", "echo db ready; sleep 3; touch /tmp/ready; exec sleep 1000"],
        healthcheck: HEALTH,
        stop_grace_period: "1s",
      },
      web: {
        image: rootfs,
        // a line written in two pieces (conmon records a partial P line) must come out whole
        command: ["sh", "-c", "printf 'part-'; sleep 0.5; echo joined; while true; do echo tick; sleep 1; done"],
        depends_on: { db: { condition: "service_healthy" } },
        ports: ["127.0.0.1::80"],
        environment: { FROM_FILE: "${GREETING}" },
        stop_grace_period: "1s",
      },
      worker: { image: rootfs, command: ["sleep", "1000"], deploy: { replicas: 2 }, stop_grace_period: "1s" },
      flaky: { image: rootfs, command: ["sh", "-c", "exit 1"], restart: "always", profiles: ["flaky"] },
      syncer: {
        image: rootfs,
        command: ["sleep", "1000"],
        stop_grace_period: "1s",
        profiles: ["dev"],
        develop: {
          watch: [
            { path: "./src", action: "sync", target: "/app", ignore: ["*.tmp"] },
            { path: "./conf", action: "sync+restart", target: "/etc/app" },
          ],
        },
      },
    },
  };
}

describe.each([{ label: "root" }, { label: TEST_USER, user: TEST_USER }])("docker compose commands as $label", ({ user }) => {
  let root: string;
  let rootfs: string;
  let base: string;
  let dir: string;
  let project: string;
  const ids = user ? userIds(user) : undefined;

  /** kitten as this user, in `cwd` (the project directory by default) */
  const k = (args: string[], o: { cwd?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<RunResult> =>
    kitten(args, { user, cwd: o.cwd ?? dir, env: { KITTEN_ROOT: root, ...o.env }, ...(o.stdin !== undefined ? { stdin: o.stdin } : {}), timeoutMs: 80_000 });
  const ok = (r: RunResult) => expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
  const own = (path: string) => ids && chownSync(path, ids.uid, ids.gid);
  const psJson = async (args: string[] = []) => JSON.parse((await k(["compose", "ps", "-a", "--format", "json", ...args])).stdout) as Array<{ name: string; service: string; status: string; startedAt?: string; restarts: number }>;

  beforeAll(() => {
    root = tempRoot(ids);
    rootfs = buildRootfs(user);
    base = mkdtempSync(join(tmpdir(), "kitten-conform-"));
    project = `conform${user ? "u" : "r"}`;
    dir = join(base, project);
    mkdirSync(join(dir, "sub", "deeper"), { recursive: true });
    mkdirSync(join(dir, "src"));
    mkdirSync(join(dir, "conf"));
    writeFileSync(join(dir, "compose.yaml"), JSON.stringify(composeFile(rootfs, project), null, 2));
    writeFileSync(join(dir, ".env"), "GREETING=from-dotenv\nQUOTED='lit$eral${X}'\n");
    writeFileSync(join(dir, "other.env"), "GREETING=from-other\n");
    writeFileSync(join(dir, "hello.txt"), "hello from the host\n");
    for (const p of [base, dir, join(dir, "src"), join(dir, "conf"), join(dir, "sub"), join(dir, "sub", "deeper"), join(dir, "compose.yaml"), join(dir, ".env"), join(dir, "other.env"), join(dir, "hello.txt")]) own(p);
  });

  afterAll(async () => {
    await k(["compose", "down", "-t", "1"]);
    await k(["down", "-p", "conformother", "-t", "1"], { cwd: base });
    await k(["__ns-down", "default"], { cwd: base });
    removeRoot(root);
    removeRootfs(rootfs);
    rmSync(base, { recursive: true, force: true });
  });

  test("regression: foreground `up` shows each container's output as it starts, joins partial lines, and Ctrl-C stops only what it started", async () => {
    ok(await k(["compose", "up", "-d", "worker"]));
    // as a user would: the terminal's Ctrl-C is a SIGINT to kitten itself (setpriv execs, runuser would sit in between)
    const argv = [...(ids ? ["setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--init-groups"] : []), KITTEN, "compose", "up", "--attach-dependencies", "web"];
    const proc = Bun.spawn(argv, { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", NO_COLOR: "1", KITTEN_ROOT: root }, stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    let out = "";
    const until = async (text: string) => {
      const end = Date.now() + 60_000;
      while (!out.includes(text) && Date.now() < end) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      return out.includes(text);
    };
    expect(await until("db-1 | db ready\n")).toBe(true);
    // db is not healthy for 3 s: web cannot exist yet, yet db's output is already shown
    expect((await psJson()).map((c) => c.service)).not.toContain("web");
    expect(await until("web-1 | part-joined\n")).toBe(true);
    expect(await until("web-1 | tick\n")).toBe(true);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    const rows = await psJson();
    expect(rows.filter((c) => c.service === "web" || c.service === "db").map((c) => c.status)).toEqual(["exited", "exited"]);
    // worker was not started by this up: it keeps running
    expect(rows.filter((c) => c.service === "worker").map((c) => c.status)).toEqual(["running", "running"]);
  });

  test("up -d, then ps with compose's columns, -q, --services, --status and --filter, from a subdirectory", async () => {
    const up = await k(["compose", "up", "-d", "--wait"], { cwd: join(dir, "sub") });
    ok(up);
    const ps = await k(["compose", "ps"], { cwd: join(dir, "sub", "deeper") });
    ok(ps);
    expect(ps.stdout.split("\n")[0]).toMatch(/^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
    for (const name of [`${project}-db-1`, `${project}-web-1`, `${project}-worker-1`, `${project}-worker-2`]) expect(ps.stdout).toMatch(new RegExp(`^${name} .* Up `, "m"));
    expect(ps.stdout).toMatch(/127\.0\.0\.1:\d+->80\/tcp/);
    // COMMAND is what the container runs (its OCI process args), quoted and cut like docker's
    expect(ps.stdout).toMatch(new RegExp(`^${project}-worker-1 +\\S+ +"sleep 1000" `, "m"));
    const quiet = await k(["compose", "ps", "-q"]);
    expect(quiet.stdout.trim().split("\n")).toHaveLength(4);
    for (const id of quiet.stdout.trim().split("\n")) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await k(["compose", "ps", "--services"])).stdout.split("\n").filter(Boolean).sort()).toEqual(["db", "web", "worker"]);
    expect((await k(["compose", "ps", "--status", "exited"])).stdout.trim().split("\n")).toHaveLength(1);
    expect((await k(["compose", "ps", "--filter", "status=running", "worker"])).stdout.trim().split("\n")).toHaveLength(3);
    const badFilter = await k(["compose", "ps", "--filter", "name=x"]);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toStartWith('error: unknown filter "name"');
  });

  test("regression: ps, logs, exec, stop, kill, rm and port take service names in the project directory", async () => {
    const logs = await k(["logs", "web"]);
    ok(logs);
    expect(logs.stdout).toContain("web-1 | part-joined\n");
    expect(logs.stdout).not.toContain(`${project}-web-1`);
    const bare = await k(["logs", "--no-log-prefix", "-n", "1", "db"]);
    expect(bare.stdout).toBe("db ready\n");
    const index = await k(["logs", "--index", "2", "worker"]);
    ok(index);
    const indexTwo = await k(["logs", "--index", "2", "web", "db"]);
    expect(indexTwo.code).toBe(2);
    expect(indexTwo.stderr).toStartWith("error: --index requires one service to be selected");
    const port = await k(["port", "web", "80"]);
    ok(port);
    expect(port.stdout).toMatch(/^127\.0\.0\.1:\d+\n$/);
    const exec = await k(["exec", "--index", "2", "worker", "hostname"]);
    ok(exec);
    const second = await k(["exec", "worker", "hostname"]);
    expect(second.stdout).not.toBe(exec.stdout);
    // the rest of the line is the command's, flags included
    expect((await k(["compose", "exec", "db", "ls", "-d", "/tmp"])).stdout).toBe("/tmp\n");
  });

  test("regression: the container's own hostname resolves in its /etc/hosts", async () => {
    const r = await k(["compose", "exec", "db", "sh", "-c", 'grep -w "$(hostname)" /etc/hosts']);
    ok(r);
    expect(r.stdout).toMatch(/^10\.\d+\.\d+\.\d+\t\S*/);
  });

  test("regression: exec passes piped stdin (-T only drops the terminal), and exits 127/126 with one line when the command cannot start", async () => {
    expect(await k(["compose", "exec", "-T", "db", "cat"], { stdin: "piped in\n" })).toEqual({ code: 0, stdout: "piped in\n", stderr: "" });
    expect(await k(["compose", "exec", "db", "cat"], { stdin: "also without -T\n" })).toMatchObject({ code: 0, stdout: "also without -T\n" });
    expect(await k(["compose", "exec", "db", "nope"])).toEqual({ code: 127, stdout: "", stderr: 'error: exec "nope": executable file not found in $PATH\n' });
    expect(await k(["compose", "exec", "db", "/etc/passwd"])).toEqual({ code: 126, stdout: "", stderr: 'error: exec "/etc/passwd": permission denied\n' });
    expect((await k(["compose", "exec", "db", "sh", "-c", "exit 7"])).code).toBe(7);
  });

  test("cp copies both ways, a SRC/. copies contents, and a symlink in the container never leads out of it", async () => {
    ok(await k(["compose", "cp", "hello.txt", "db:/tmp/"]));
    expect((await k(["compose", "exec", "db", "cat", "/tmp/hello.txt"])).stdout).toBe("hello from the host\n");
    ok(await k(["compose", "cp", "db:/tmp/hello.txt", "sub/back.txt"]));
    expect(readFileSync(join(dir, "sub", "back.txt"), "utf8")).toBe("hello from the host\n");
    ok(await k(["compose", "cp", "db:/etc/.", "sub/etc"]));
    expect(readFileSync(join(dir, "sub", "etc", "passwd"), "utf8")).toContain("app:x:999");
    ok(await k(["compose", "exec", "db", "ln", "-s", "/", "/tmp/up"]));
    ok(await k(["compose", "cp", "hello.txt", "db:/tmp/up/tmp/escaped.txt"]));
    expect(existsSync("/tmp/escaped.txt")).toBe(false);
    expect((await k(["compose", "exec", "db", "cat", "/tmp/escaped.txt"])).stdout).toBe("hello from the host\n");
    const missing = await k(["compose", "cp", "db:/nope", "sub/x"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("could not find the file /nope in container");
  });

  test("compose run: a one-off named <project>-<service>-run-<id>, the exit code passed through, no published ports, -e, --entrypoint, --rm", async () => {
    expect(await k(["compose", "run", "--rm", "web", "echo", "hi from run"])).toMatchObject({ code: 0, stdout: "hi from run\n" });
    expect((await k(["compose", "run", "--rm", "web", "sh", "-c", "exit 3"])).code).toBe(3);
    expect((await k(["compose", "run", "--rm", "-e", "FOO=bar", "--no-deps", "web", "sh", "-c", "echo $FOO"])).stdout).toBe("bar\n");
    expect((await k(["compose", "run", "--rm", "-T", "web", "cat"], { stdin: "stdin to run\n" })).stdout).toBe("stdin to run\n");
    expect((await k(["compose", "run", "--rm", "--entrypoint", "echo", "web"])).stdout).toBe("\n");
    expect((await k(["compose", "run", "--rm", "-w", "/tmp", "-u", "app", "web", "sh", "-c", "pwd; id -un"])).stdout).toBe("/tmp\napp\n");
    const kept = await k(["compose", "run", "web", "true"]);
    ok(kept);
    const rows = await psJson();
    const oneOff = rows.find((c) => /^.+-web-run-[0-9a-f]{12}$/.test(c.name));
    expect(oneOff?.name).toStartWith(`${project}-web-run-`);
    expect(oneOff?.status).toBe("exited");
    // hidden from ps without -a, as compose hides them
    expect((await k(["compose", "ps"])).stdout).not.toContain("-run-");
    expect((await k(["compose", "run", "--service-ports", "-p", "8080:80", "web", "true"])).stderr).toContain("error: --service-ports and --publish are incompatible");
    // kitten run IMAGE stays docker run
    expect((await k(["run", "--rm", rootfs, "echo", "docker run"])).stdout).toBe("docker run\n");
  });

  test("regression: -p NAME works from any directory, and -f / --project-directory name the project too", async () => {
    const elsewhere = join(base, "elsewhere");
    mkdirSync(elsewhere);
    own(elsewhere);
    const ps = await k(["compose", "-p", project, "ps", "--services"], { cwd: elsewhere });
    ok(ps);
    expect(ps.stdout.split("\n").filter(Boolean).sort()).toEqual(["db", "web", "worker"]);
    expect((await k(["compose", "-p", project, "logs", "--no-log-prefix", "-n", "1", "db"], { cwd: elsewhere })).stdout).toBe("db ready\n");
    expect((await k(["compose", "-p", project, "exec", "db", "cat", "/tmp/hello.txt"], { cwd: elsewhere })).stdout).toBe("hello from the host\n");
    ok(await k(["compose", "-p", project, "cp", "db:/tmp/hello.txt", "copied.txt"], { cwd: elsewhere }));
    expect(readFileSync(join(elsewhere, "copied.txt"), "utf8")).toBe("hello from the host\n");
    expect((await k(["compose", "-f", join(dir, "compose.yaml"), "run", "--rm", "--no-deps", "worker", "echo", "from elsewhere"], { cwd: elsewhere })).stdout).toBe("from elsewhere\n");
    expect((await k(["-f", join(dir, "compose.yaml"), "ps", "-q"], { cwd: elsewhere })).stdout.trim().split("\n")).toHaveLength(4);
    expect((await k(["--project-directory", dir, "compose", "port", "web", "80"], { cwd: elsewhere })).stdout).toMatch(/^127\.0\.0\.1:\d+\n$/);
    // long global flags after the verb too (compose takes them only before it)
    expect((await k(["ps", "--services", "--project-name", project], { cwd: elsewhere })).code).toBe(0);
    expect((await k(["compose", "ls"], { cwd: elsewhere })).stdout).toMatch(new RegExp(`^${project} +.*running\\(4\\)`, "m"));
  });

  test("regression: ps in a project lists that project only; `-f x.yml -p y up -d` starts another one", async () => {
    const other = join(base, "second.yaml");
    writeFileSync(other, JSON.stringify({ services: { solo: { image: rootfs, command: ["sleep", "1000"], stop_grace_period: "1s" } } }));
    own(other);
    ok(await k(["-f", other, "-p", "conformother", "up", "-d"], { cwd: base }));
    expect((await k(["compose", "ps"])).stdout).not.toContain("conformother");
    expect((await k(["ps", "-q"], { cwd: base })).stdout.trim().split("\n").length).toBeGreaterThanOrEqual(5);
    ok(await k(["down", "-p", "conformother", "-t", "1"], { cwd: base }));
  });

  test("regression: --env-file replaces .env, and single-quoted .env values are literal", async () => {
    const withDotenv = JSON.parse((await k(["compose", "config", "--format", "json"])).stdout);
    expect(withDotenv.services.web.environment.FROM_FILE).toBe("from-dotenv");
    const replaced = JSON.parse((await k(["compose", "--env-file", "other.env", "config", "--format", "json"])).stdout);
    expect(replaced.services.web.environment.FROM_FILE).toBe("from-other");
    writeFileSync(join(dir, "quoted.yaml"), JSON.stringify({ services: { q: { image: rootfs, environment: { V: "${QUOTED}" } } } }));
    own(join(dir, "quoted.yaml"));
    const quoted = JSON.parse((await k(["compose", "-f", "quoted.yaml", "config", "--format", "json"])).stdout);
    expect(quoted.services.q.environment.V).toBe("lit$eral${X}");
  });

  test("config prints --services, --volumes, --images, --profiles and --hash, and -q only validates", async () => {
    expect((await k(["compose", "config", "--services"])).stdout.split("\n").filter(Boolean).sort()).toEqual(["db", "web", "worker"]);
    expect((await k(["compose", "config", "--profiles"])).stdout).toBe("dev\nflaky\n");
    expect((await k(["compose", "config", "--images"])).stdout).toBe(`${rootfs}\n${rootfs}\n${rootfs}\n`);
    expect((await k(["compose", "config", "--volumes"])).stdout).toBe("");
    expect((await k(["compose", "config", "--hash", "db"])).stdout).toMatch(/^db [0-9a-f]{64}\n$/);
    expect(await k(["compose", "config", "-q"])).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("regression: up --force-recreate web recreates web only (--always-recreate-deps its dependencies too); --no-recreate keeps a changed container", async () => {
    const started = async (service: string) => (await psJson()).find((c) => c.service === service)?.startedAt;
    const db0 = await started("db");
    const web0 = await started("web");
    ok(await k(["compose", "up", "-d", "--force-recreate", "web"]));
    expect(await started("db")).toBe(db0);
    expect(await started("web")).not.toBe(web0);
    ok(await k(["compose", "up", "-d", "--force-recreate", "--always-recreate-deps", "web"]));
    expect(await started("db")).not.toBe(db0);
    const web1 = await started("web");
    // a changed environment would recreate web; --no-recreate keeps it
    ok(await k(["compose", "--env-file", "other.env", "up", "-d", "--no-recreate", "web"]));
    expect(await started("web")).toBe(web1);
  });

  test("regression: up --no-start creates without starting; stop of a service in restart backoff keeps it stopped", async () => {
    ok(await k(["compose", "--profile", "flaky", "up", "-d", "--no-start", "flaky"]));
    expect((await psJson()).find((c) => c.service === "flaky")?.status).toBe("created");
    ok(await k(["compose", "--profile", "flaky", "start", "flaky"]));
    // it exits at once and is restarted with a growing delay; stop it in between
    await Bun.sleep(1500);
    ok(await k(["compose", "stop", "flaky"]));
    const before = (await psJson()).find((c) => c.service === "flaky")!;
    await Bun.sleep(3000);
    const after = (await psJson()).find((c) => c.service === "flaky")!;
    expect(after.status).toBe("exited");
    expect(after.restarts).toBe(before.restarts);
    ok(await k(["compose", "rm", "-f", "flaky"]));
  });

  test("stop, start, restart, kill, top, images, wait and events take services", async () => {
    expect((await k(["compose", "stop", "-t", "1", "worker"])).stdout.split("\n").filter(Boolean).sort()).toEqual([`${project}-worker-1`, `${project}-worker-2`]);
    ok(await k(["compose", "start", "worker"]));
    ok(await k(["compose", "restart", "-t", "1", "worker"]));
    const top = await k(["compose", "top", "db"]);
    ok(top);
    expect(top.stdout).toContain("sleep 1000");
    const images = await k(["compose", "images"]);
    expect(images.stdout.split("\n")[0]).toMatch(/^CONTAINER +REPOSITORY +TAG +IMAGE ID +SIZE$/);
    const events = await k(["compose", "events", "--json", "--since", "0", "--until", "0s", "worker"]);
    ok(events);
    const actions = events.stdout.trim().split("\n").map((l) => JSON.parse(l) as { service: string; action: string });
    expect(actions.every((e) => e.service === "worker")).toBe(true);
    expect(actions.map((e) => e.action)).toContain("die");
    expect(actions.map((e) => e.action)).toContain("start");
    ok(await k(["compose", "kill", "worker"]));
    const wait = await k(["compose", "wait", "worker"]);
    expect(wait.stdout).toMatch(new RegExp(`^${project}-worker-1 \\d+\\n${project}-worker-2 \\d+\\n$`));
  });

  test("rm asks on a terminal before removing stopped containers (n keeps them, y removes them); -f does not ask", async () => {
    // `script` gives kitten a terminal; the answer is typed into it
    const onTerminal = async (answer: string) => {
      const argv = [...(ids ? ["setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--init-groups"] : []), "script", "-q", "-c", `${KITTEN} compose rm worker`, "/dev/null"];
      const proc = Bun.spawn(argv, { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", NO_COLOR: "1", TERM: "dumb", KITTEN_ROOT: root }, stdin: new Blob([answer]), stdout: "pipe", stderr: "pipe" });
      const out = await new Response(proc.stdout).text();
      await proc.exited;
      return out;
    };
    const workers = async () => (await psJson()).filter((c) => c.service === "worker").length;
    expect(await workers()).toBe(2);
    expect(await onTerminal("n")).toContain(`Going to remove ${project}-worker-1, ${project}-worker-2`);
    expect(await workers()).toBe(2);
    await onTerminal("y");
    expect(await workers()).toBe(0);
    expect((await k(["compose", "rm", "-f", "worker"])).stderr).toBe("No stopped containers\n");
  });

  test("regression: an unknown service is `no such service` with a did-you-mean, exit 2, for every verb", async () => {
    for (const verb of [["logs"], ["exec"], ["stop"], ["start"], ["restart"], ["kill"], ["rm", "-f"], ["ps"], ["port"], ["top"], ["up", "-d"], ["run", "--rm"], ["pause"], ["events"], ["images"], ["create"], ["pull"], ["config"]]) {
      const args = [...verb, "wbe", ...(verb[0] === "exec" || verb[0] === "run" ? ["true"] : verb[0] === "port" ? ["80"] : [])];
      const r = await k(["compose", ...args]);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: 'error: no such service: wbe\nhint: did you mean "web"?\n' });
    }
  });

  test("watch syncs changed files into the container, deletes removed ones, skips ignored ones, restarts on sync+restart", async () => {
    const argv = [...(ids ? ["setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--init-groups"] : []), KITTEN, "compose", "watch", "syncer"];
    const proc = Bun.spawn(argv, { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", NO_COLOR: "1", KITTEN_ROOT: root }, stdout: "pipe", stderr: "pipe" });
    let err = "";
    void (async () => {
      for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk);
    })();
    const until = async (check: () => Promise<boolean> | boolean, ms = 20_000) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (await check()) return true;
        await Bun.sleep(200);
      }
      return false;
    };
    const inContainer = async (path: string) => (await k(["compose", "exec", "syncer", "cat", path])).stdout;
    try {
      expect(await until(() => err.includes("Watch enabled for syncer"))).toBe(true);
      const write = (path: string, text: string) => {
        writeFileSync(join(dir, path), text);
        own(join(dir, path));
      };
      write("src/a.txt", "synced\n");
      write("src/skip.tmp", "ignored\n");
      expect(await until(async () => (await inContainer("/app/a.txt")) === "synced\n")).toBe(true);
      expect(await inContainer("/app/skip.tmp")).toBe("");
      rmSync(join(dir, "src", "a.txt"));
      expect(await until(async () => (await k(["compose", "exec", "syncer", "test", "-e", "/app/a.txt"])).code === 1)).toBe(true);
      const before = (await psJson()).find((c) => c.service === "syncer")?.startedAt;
      write("conf/app.conf", "restarted\n");
      expect(await until(async () => (await psJson()).find((c) => c.service === "syncer")?.startedAt !== before)).toBe(true);
      expect(await until(async () => (await inContainer("/etc/app/app.conf")) === "restarted\n")).toBe(true);
    } finally {
      proc.kill("SIGINT");
      await proc.exited;
    }
    writeFileSync(join(dir, "rebuild.yaml"), JSON.stringify({ services: { r: { image: rootfs, develop: { watch: [{ path: ".", action: "rebuild" }] } } } }));
    own(join(dir, "rebuild.yaml"));
    const rebuild = await k(["compose", "-f", "rebuild.yaml", "watch"]);
    expect(rebuild.code).toBe(2);
    expect(rebuild.stderr).toStartWith('error: can\'t watch service "r" with action rebuild without a build context');
    ok(await k(["compose", "rm", "-s", "-f", "syncer"]));
  });

  test("watch rebuild builds the image again and recreates the service; --prune drops the image it replaced", async () => {
    const pdir = join(base, "rebuilt");
    const ctx = join(pdir, "ctx");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "busybox"), readFileSync("/usr/bin/busybox"), { mode: 0o755 });
    writeFileSync(join(ctx, "version.txt"), "v1\n");
    writeFileSync(join(ctx, "Dockerfile"), 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY version.txt /version.txt\nCMD ["/bin/busybox", "sleep", "1000"]\n');
    writeFileSync(join(pdir, "compose.yaml"), JSON.stringify({ services: { app: { build: "./ctx", stop_grace_period: "1s", develop: { watch: [{ path: "./ctx/version.txt", action: "rebuild" }] } } } }));
    for (const p of [pdir, ctx, join(ctx, "busybox"), join(ctx, "version.txt"), join(ctx, "Dockerfile"), join(pdir, "compose.yaml")]) own(p);
    const argv = [...(ids ? ["setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--init-groups"] : []), KITTEN, "compose", "watch"];
    const proc = Bun.spawn(argv, { cwd: pdir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", NO_COLOR: "1", KITTEN_ROOT: root }, stdout: "pipe", stderr: "pipe" });
    let err = "";
    void (async () => {
      for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk);
    })();
    const version = async () => (await k(["compose", "exec", "app", "/bin/busybox", "cat", "/version.txt"], { cwd: pdir })).stdout;
    const until = async (check: () => Promise<boolean> | boolean) => {
      for (const end = Date.now() + 40_000; Date.now() < end; await Bun.sleep(300)) if (await check()) return true;
      return false;
    };
    try {
      expect(await until(() => err.includes("Watch enabled for app"))).toBe(true);
      expect(await version()).toBe("v1\n");
      writeFileSync(join(ctx, "version.txt"), "v2\n");
      expect(await until(async () => (await version()) === "v2\n")).toBe(true);
    } finally {
      proc.kill("SIGINT");
      await proc.exited;
    }
    const images = JSON.parse((await k(["image", "ls", "--format", "json"], { cwd: pdir })).stdout) as Array<{ repository: string; tag: string }>;
    expect(images.filter((i) => i.repository.endsWith("rebuilt-app") || i.tag === "<none>").map((i) => i.tag)).toEqual(["latest"]);
    ok(await k(["compose", "down", "-t", "1"], { cwd: pdir }));
  });

  test("down from a subdirectory removes the containers, one-offs included, and the project is gone", async () => {
    const down = await k(["compose", "down", "-t", "1"], { cwd: join(dir, "sub") });
    ok(down);
    expect((await k(["compose", "ps", "-a", "-q"])).stdout).toBe("");
    expect((await k(["compose", "ls", "-a", "-q"])).stdout).not.toContain(project);
  });
});

describe("the command line itself", () => {
  test("regression: an unknown flag is an error for every command, derived from its own flags", async () => {
    const cases = [
      ["up", "--no-recreat"],
      ["compose", "up", "--bogus"],
      ["ps", "--nope"],
      ["logs", "-Z"],
      ["exec", "--bogus", "web", "ls"],
      ["run", "--bogus", "img"],
      ["compose", "run", "--bogus", "web"],
      ["image", "ls", "--bogus"],
      ["image", "load", "--bogus"],
      ["down", "--volume-all"],
      ["stop", "--signal", "KILL"],
      ["doctor", "--bogus"],
      ["ask", "--bogus", "x"],
      // commands other work added: every one refuses too
      ["build", "--bogus", "."],
      ["builder", "prune", "--bogus"],
      ["system", "df", "--bogus"],
      ["push", "--bogus", "x"],
      ["tag", "--bogus", "a", "b"],
      ["image", "save", "--bogus", "x"],
      ["volume", "ls", "--bogus"],
      ["volumes", "--bogus"],
      ["kube", "export", "--bogus"],
      ["serve", "--bogus"],
    ];
    for (const args of cases) {
      const r = await kitten(args, { env: { KITTEN_ROOT: "/nonexistent-kitten-root" } });
      const flag = args.find((a) => a.startsWith("-"))!;
      expect({ args, code: r.code, first: r.stderr.split("\n")[0] }).toEqual({ args, code: 2, first: `error: unknown flag: ${flag}` });
    }
  });

  test("global flags come before the verb — -f twice, -p, --profile, --env-file — and in long form after it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-globals-"));
    try {
      writeFileSync(join(dir, "a.yml"), "services:\n  a:\n    image: busybox\n    environment:\n      X: ${X}\n");
      writeFileSync(join(dir, "b.yml"), "services:\n  b:\n    image: busybox\n    profiles: [p]\n");
      writeFileSync(join(dir, "e.env"), "X=from-e\n");
      const before = await kitten(["-f", "a.yml", "-f", "b.yml", "-p", "x", "--profile", "p", "--env-file", "e.env", "config", "--format", "json"], { cwd: dir });
      expect(before.code).toBe(0);
      const p = JSON.parse(before.stdout);
      expect([p.name, Object.keys(p.services).sort(), p.services.a.environment.X]).toEqual(["x", ["a", "b"], "from-e"]);
      const after = await kitten(["compose", "config", "--format", "json", "--file", "a.yml", "--file", "b.yml", "--project-name", "x", "--profile", "p", "--env-file", "e.env"], { cwd: dir });
      expect(JSON.parse(after.stdout)).toEqual(p);
      // compose's own letters after the verb keep their meaning: logs -f follows, it names no file
      const logs = await kitten(["logs", "-f", "a.yml"], { cwd: dir, env: { KITTEN_ROOT: join(dir, "root") } });
      expect(logs.stderr).toStartWith("error: no such container: a.yml");
      expect((await kitten(["-p", "../x", "ps"], { cwd: dir })).stderr).toStartWith('error: invalid project name "../x" (from -p)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("`kitten compose` is a full alias: help, version, and verbs only compose has", async () => {
    expect((await kitten(["compose", "version", "--short"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await kitten(["compose", "version", "-f", "json"])).stdout).toMatch(/^\{"version":"\d+\.\d+\.\d+"\}\n$/);
    const help = await kitten(["compose", "--help"]);
    expect(help.code).toBe(0);
    for (const verb of ["attach", "config", "cp", "create", "down", "events", "exec", "images", "kill", "logs", "ls", "pause", "port", "ps", "pull", "restart", "rm", "run", "scale", "start", "stats", "stop", "top", "unpause", "up", "version", "wait", "watch"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${verb} +\\S`, "m"));
    }
    const unknown = await kitten(["compose", "frob"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toStartWith('error: unknown command "compose frob"');
  });

  test("each verb's --help lists its own flags only", async () => {
    const help = async (...args: string[]) => (await kitten([...args, "--help"])).stdout;
    const logs = await help("logs");
    expect(logs).toContain("--no-log-prefix");
    expect(logs).not.toContain("--signal");
    expect(logs).not.toContain("--project-directory");
    const stop = await help("stop");
    expect(stop).toContain("--timeout");
    expect(stop).not.toContain("--follow");
    expect(stop).not.toContain("--stop");
    expect(await help("compose", "run")).toContain("--service-ports");
    expect(await help("run")).not.toContain("--service-ports");
  });

  test("up refuses flag combinations with docker compose's own messages", async () => {
    for (const [args, message] of [
      [["up", "-d", "--abort-on-container-exit"], "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch"],
      [["up", "--no-recreate", "--force-recreate"], "--force-recreate and --no-recreate are incompatible"],
      [["up", "--abort-on-container-failure", "--abort-on-container-exit"], "--abort-on-container-failure cannot be combined with --abort-on-container-exit"],
      [["up", "--wait-timeout", "x"], "--wait-timeout must be a non-negative integer"],
      [["up", "--scale", "web"], 'invalid --scale option "web". Should be SERVICE=NUM'],
      [["down", "--rmi", "some"], 'invalid value for --rmi: "some"'],
    ] as const) {
      const r = await kitten([...args], { env: { KITTEN_ROOT: "/nonexistent-kitten-root" } });
      expect({ args, code: r.code, first: r.stderr.split("\n")[0] }).toEqual({ args, code: 2, first: `error: ${message}` });
    }
  });
});

describe("kitten run's namespace", () => {
  test("regression: `kitten run` leaves no namespace running once its container is gone", async () => {
    const root = tempRoot();
    const rootfs = buildRootfs();
    try {
      const r = await kitten(["run", "--rm", rootfs, "echo", "once"], { env: { KITTEN_ROOT: root } });
      expect(r).toMatchObject({ code: 0, stdout: "once\n" });
      expect(existsSync(join(root, "run", "ns", "default.json"))).toBe(false);
      const d = await kitten(["run", "-d", "--name", "lingers", rootfs, "sleep", "1000"], { env: { KITTEN_ROOT: root } });
      expect(d.code).toBe(0);
      // a detached container keeps it: ls shows it; removing the container stops it
      expect((await kitten(["ls"], { env: { KITTEN_ROOT: root } })).stdout).toMatch(/^default +running\(1\)/m);
      expect((await kitten(["rm", "-f", "lingers"], { env: { KITTEN_ROOT: root } })).code).toBe(0);
      expect(existsSync(join(root, "run", "ns", "default.json"))).toBe(false);
      // and down -p default stops it with what runs in it
      expect((await kitten(["run", "-d", "--name", "lingers", rootfs, "sleep", "1000"], { env: { KITTEN_ROOT: root } })).code).toBe(0);
      expect((await kitten(["down", "-p", "default"], { env: { KITTEN_ROOT: root } })).code).toBe(0);
      expect(existsSync(join(root, "run", "ns", "default.json"))).toBe(false);
    } finally {
      await kitten(["rm", "-f", "lingers"], { env: { KITTEN_ROOT: root } });
      removeRoot(root);
      removeRootfs(rootfs);
    }
  });
});
