/**
 * Issue #13, "Done when" (as root on this cgroup-v1 host): a 32 MB memory limit OOM-kills a
 * 200 MB allocation (exit 137, named OOM by ps), a pids limit of 30 stops a fork loop, pause and
 * unpause freeze and thaw a service, a container without a pids limit gets the default one, and
 * down leaves no cgroup behind. As `kittest`: the limits are warned about at once with root's fix,
 * and once root applied it they are enforced too.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_USER, processesWith, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

const ALLOCATE = ["sh", "-c", "head -c 200000000 /dev/zero | tail > /dev/null"];
const FORK_LOOP = ["sh", "-c", "i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done; echo all forked"];

/** The container's cgroup in a v1 controller, from its process on the host. */
function cgroupOf(pid: number, controller: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.split(":")[1]?.split(",").includes(controller))!;
  return join("/sys/fs/cgroup", controller, line.split(":")[2]!);
}

function kittenDirs(uid: number): string[] {
  return readdirSync("/sys/fs/cgroup").flatMap((h) => {
    const d = join("/sys/fs/cgroup", h, "kitten", String(uid));
    return existsSync(d) ? readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(d, e.name)) : [];
  });
}

describe("as root", () => {
  let r: Runner;
  let rootfs: string;
  let dir: string;
  const project = "limits41";

  beforeAll(() => {
    r = runner("root", tempRoot());
    rootfs = buildRootfs();
    dir = mkdtempSync(join(tmpdir(), "kitten-limits-"));
  });

  afterAll(async () => {
    await r.k(["down", "-p", project, "-t", "1"]);
    await r.k(["rm", "-f", "oom", "forks"]);
    await r.k(["__ns-down", "default"]);
    removeRoot(r.root);
    removeRootfs(rootfs);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a 32 MB memory limit OOM-kills a 200 MB allocation: exit 137, and ps names the OOM kill", async () => {
    const run = await r.k(["run", "--name", "oom", "--memory", "32m", rootfs, ...ALLOCATE]);
    expect(run.code).toBe(137);
    const ps = JSON.parse((await r.k(["ps", "-a", "--format", "json"])).stdout) as Array<{ name: string; exitCode: number; oomKilled: boolean; note: string }>;
    expect(ps.find((c) => c.name === "oom")).toMatchObject({ exitCode: 137, oomKilled: true, note: "killed by the OOM killer: it needed more memory than its limit (32m)" });
  });

  test("a pids limit of 30 stops a fork loop", async () => {
    const run = await r.k(["run", "--name", "forks", "--pids-limit", "30", rootfs, ...FORK_LOOP]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("can't fork");
    expect(run.stdout).not.toContain("all forked");
  });

  test("pause freezes a service and unpause thaws it; a container gets the default pids limit; down removes its cgroups", async () => {
    const file = join(dir, "compose.json");
    writeFileSync(file, JSON.stringify({ name: project, services: { ticker: { image: rootfs, command: ["sh", "-c", "while true; do cat /proc/uptime > /tmp/t; sleep 0.1; done"], stop_grace_period: "1s" } } }));
    expect((await r.k(["up", "-d", "-f", file])).code).toBe(0);
    const tick = async () => (await r.k(["exec", `${project}-ticker-1`, "cat", "/tmp/t"])).stdout.trim();
    const [pid] = processesWith("while true; do cat /proc/uptime > /tmp/t");
    expect(pid).toBeDefined();
    expect(readFileSync(join(cgroupOf(pid!, "pids"), "pids.max"), "utf8").trim()).toBe("2048");
    expect((await r.k(["pause", "-p", project, "ticker"])).code).toBe(0);
    expect(readFileSync(join(cgroupOf(pid!, "freezer"), "freezer.state"), "utf8").trim()).toBe("FROZEN");
    const ps = JSON.parse((await r.k(["ps", "-p", project, "--format", "json"])).stdout) as Array<{ status: string }>;
    expect(ps.map((c) => c.status)).toEqual(["paused"]);
    // frozen: the loop that writes the uptime (1/100 s) every 100 ms does not run
    const cgroupFile = join(cgroupOf(pid!, "freezer"), "freezer.state");
    const frozenAt = readFileSync(`/proc/${pid}/stat`, "utf8");
    await Bun.sleep(500);
    expect(readFileSync(`/proc/${pid}/stat`, "utf8")).toBe(frozenAt);
    expect((await r.k(["unpause", "-p", project, "ticker"])).code).toBe(0);
    expect(readFileSync(cgroupFile, "utf8").trim()).toBe("THAWED");
    const a = await tick();
    await Bun.sleep(400);
    expect(await tick()).not.toBe(a);
    expect((await r.k(["ps", "-p", project, "--format", "json"])).stdout).toContain('"status": "running"');
    const events = (await r.k(["events", "-p", project, "--since", "0", "--until", "0s", "--format", "json"])).stdout;
    expect(events).toContain('"action":"pause"');
    expect(events).toContain('"action":"unpause"');
    const before = kittenDirs(0).filter((d) => d.includes(`/${project}-`));
    expect(before.length).toBeGreaterThan(0);
    expect((await r.k(["down", "-p", project, "-t", "1"])).code).toBe(0);
    expect(kittenDirs(0).filter((d) => d.includes(`/${project}-`))).toEqual([]);
  });

  test("kitten run's namespace leaves no cgroup once its containers are removed", async () => {
    const own = `default-${createHash("sha256").update(join(r.root, "run", "projects", "default")).digest("hex").slice(0, 8)}`;
    expect((await r.k(["run", "--name", "once", "--pids-limit", "40", rootfs, "true"])).code).toBe(0);
    // stopped: its cgroup stays (ps reads an OOM kill from it), and so does the project's
    expect(kittenDirs(0).filter((d) => d.endsWith(`/${own}`)).length).toBeGreaterThan(0);
    expect((await r.k(["rm", "once", "oom", "forks"])).code).toBe(0);
    expect(kittenDirs(0).filter((d) => d.endsWith(`/${own}`))).toEqual([]);
  });
});

describe("as kittest", () => {
  let r: Runner;
  let rootfs: string;
  const ids = userIds(TEST_USER);

  beforeAll(() => {
    r = runner(TEST_USER, tempRoot(ids), TEST_USER);
    rootfs = buildRootfs(TEST_USER);
  });

  afterAll(async () => {
    await r.k(["rm", "-f", "plain", "oomu"]);
    await r.k(["__ns-down", "default"]);
    // the subtree root handed over for the test goes again
    for (const h of readdirSync("/sys/fs/cgroup")) {
      const d = join("/sys/fs/cgroup", h, "kitten", String(ids.uid));
      if (!existsSync(d)) continue;
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) for (const c of readdirSync(join(d, e.name), { withFileTypes: true })) if (c.isDirectory()) rmdirSync(join(d, e.name, c.name));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rmdirSync(join(d, e.name));
      rmdirSync(d);
    }
    removeRoot(r.root);
    removeRootfs(rootfs);
  });

  test("without a subtree handed over, the limit is warned about once, naming root's fix, and the container runs", async () => {
    const run = await r.k(["run", "--name", "plain", "--memory", "32m", rootfs, "true"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('container "plain": memory=32m not enforced: cgroup v1 without a subtree handed to this user');
    expect(run.stderr.split("\n").filter((l) => l.includes("not enforced"))).toHaveLength(1);
    const doctor = await r.k(["doctor", "--format", "json"]);
    const check = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; fix: string | null }> }).checks.find((c) => c.name === "cgroup delegation");
    expect(check?.status).toBe("warn");
    expect(check?.fix).toContain(`chown -R ${ids.uid}:${ids.gid}`);
    // root applies the fix doctor gives
    const fix = Bun.spawnSync(["sh", "-c", check!.fix!]);
    expect(fix.exitCode).toBe(0);
  });

  test("once root handed the subtree over, a 32 MB memory limit OOM-kills a 200 MB allocation for the user too", async () => {
    const run = await r.k(["run", "--name", "oomu", "--memory", "32m", rootfs, ...ALLOCATE]);
    expect(run.stderr).not.toContain("not enforced");
    expect(run.code).toBe(137);
    const doctor = JSON.parse((await r.k(["doctor", "--format", "json"])).stdout) as { checks: Array<{ name: string; status: string }> };
    expect(doctor.checks.find((c) => c.name === "cgroup delegation")?.status).toBe("ok");
  });
});
