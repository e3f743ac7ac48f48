/**
 * Issue #13, bounded resources: a chatty container's log rotates at its max-size and keeps
 * max-file files (and stays bounded by conmon's cap when no supervisor rotates it), `logs --tail`
 * reads from the end, the none log driver keeps nothing (compose's logging: and run's
 * --log-driver / --log-opt), and a healthcheck command past its
 * timeout is killed with its children. As root and as `kittest`, one stack each.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { TEST_USER, processesWith, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

const MB = 1024 * 1024;

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await Bun.sleep(200);
  }
  return check();
}

for (const c of [{ label: "root", tag: "31" }, { label: TEST_USER, user: TEST_USER, tag: "32" }]) {
  describe(`as ${c.label}`, () => {
    let r: Runner;
    let rootfs: string;
    let dir: string;
    const project = `bounded${c.tag}`;
    const probeSleep = `sleep 9${c.tag}7`;

    beforeAll(async () => {
      const ids = c.user ? userIds(c.user) : undefined;
      r = runner(c.label, tempRoot(ids), c.user);
      rootfs = buildRootfs(c.user);
      dir = mkdtempSync(join(tmpdir(), "kitten-bounded-"));
      const file = join(dir, "compose.json");
      writeFileSync(
        file,
        JSON.stringify({
          name: project,
          services: {
            chatty: { image: rootfs, command: ["yes", `a chatty line from ${project}`], logging: { driver: "json-file", options: { "max-size": "1m", "max-file": "3" } }, stop_grace_period: "1s" },
            probe: {
              image: rootfs,
              command: ["sleep", "1000"],
              // each probe starts two processes that outlive its 500 ms timeout by far
              healthcheck: { test: ["CMD-SHELL", `${probeSleep} & ${probeSleep}`], interval: "500ms", timeout: "500ms", retries: 1 },
              stop_grace_period: "1s",
            },
            quiet: { image: rootfs, command: ["sh", "-c", "echo not kept; exec sleep 1000"], logging: { driver: "none" }, stop_grace_period: "1s" },
          },
        }),
      );
      if (ids) {
        chownSync(dir, ids.uid, ids.gid);
        chownSync(file, ids.uid, ids.gid);
      }
      const up = await r.k(["up", "-d", "-f", file]);
      expect(up.stderr).not.toContain("error");
      expect(up.code).toBe(0);
    });

    afterAll(async () => {
      await r.k(["down", "-p", project, "-t", "1"]);
      removeRoot(r.root);
      removeRootfs(rootfs);
      rmSync(dir, { recursive: true, force: true });
    });

    const logPath = async (service: string) => {
      const rows = JSON.parse((await r.k(["ps", "-p", project, "--format", "json"])).stdout) as Array<{ service: string; logPath?: string }>;
      return rows.find((x) => x.service === service)!.logPath!;
    };
    const logFiles = (path: string) => readdirSync(dirname(path)).filter((n) => n.startsWith(basename(path)) && !n.endsWith(".tmp"));
    const total = (path: string) => logFiles(path).reduce((n, f) => n + statSync(join(dirname(path), f)).size, 0);

    test("a chatty container's log rotates at max-size and keeps max-file files", async () => {
      const path = await logPath("chatty");
      expect(await until(() => existsSync(`${path}.2`), 30_000)).toBe(true);
      await Bun.sleep(2000);
      expect(existsSync(`${path}.3`)).toBe(false);
      // max-file files of about max-size, the current one at most conmon's cap (max-size + 4 MB)
      expect(total(path)).toBeLessThanOrEqual(3 * 5 * MB);
      // a rotated file holds what was written since the rotation before: about max-size, less when
      // `yes` outran the 250 ms rotation and conmon's cap truncated the file first (docs/runtime.md)
      expect(statSync(`${path}.1`).size).toBeGreaterThan(0);
      expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(5 * MB);
    });

    test("logs --tail reads the last lines of the rotated log", async () => {
      const res = await r.k(["logs", "-p", project, "--tail", "3", "--no-color", "chatty"]);
      expect(res.code).toBe(0);
      const lines = res.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(3);
      for (const l of lines) expect(l).toBe(`chatty-1 | a chatty line from ${project}`);
      const one = await r.k(["logs", "--tail", "2", `${project}-chatty-1`]);
      expect(one.stderr).toBe("");
      expect(one.stdout).toBe(`a chatty line from ${project}\n`.repeat(2));
    });

    test("without a supervisor, conmon's cap still bounds the log", async () => {
      for (const p of processesWith(`__supervise ${project}`)) process.kill(p, "SIGKILL");
      const path = await logPath("chatty");
      await Bun.sleep(3000);
      expect(statSync(path).size).toBeLessThanOrEqual(5 * MB + 64 * 1024);
      expect(total(path)).toBeLessThanOrEqual(3 * 5 * MB + 64 * 1024);
      // and the next command brings a supervisor that rotates again
      expect((await r.k(["start", "-p", project])).code).toBe(0);
    });

    test("the none log driver keeps nothing", async () => {
      const res = await r.k(["logs", "-p", project, "quiet"]);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe("");
      expect(existsSync(await logPath("quiet"))).toBe(false);
    });

    test("kitten run takes --log-driver and --log-opt as docker run does, and refuses what it cannot honour", async () => {
      const none = await r.k(["run", "--name", `${project}-none`, "--log-driver", "none", rootfs, "echo", "not kept"]);
      // an attached run still shows its output; nothing is kept of it
      expect(none).toMatchObject({ code: 0, stdout: "not kept\n" });
      expect(await r.k(["logs", `${project}-none`])).toMatchObject({ code: 0, stdout: "" });
      await r.k(["rm", `${project}-none`]);
      const kept = await r.k(["run", "-d", "--name", `${project}-run`, "--log-driver", "json-file", "--log-opt", "max-size=1m", "--log-opt", "max-file=2", rootfs, "sh", "-c", "echo kept; exec sleep 1000"]);
      expect(kept.code).toBe(0);
      expect(await until(async () => (await r.k(["logs", `${project}-run`])).stdout === "kept\n", 10_000)).toBe(true);
      await r.k(["rm", "-f", `${project}-run`]);
      const bad = await r.k(["run", "--rm", "--log-opt", "compress=true", rootfs, "true"]);
      expect(bad).toMatchObject({ code: 2, stderr: 'error: --log-opt "compress" is not supported\nhint: the log options kitten honours are max-size and max-file\n' });
    });

    test("healthcheck commands past their timeout are killed with their children", async () => {
      // many probes have timed out by now; only the one running may still have its processes
      expect(await until(async () => JSON.parse((await r.k(["ps", "-p", project, "--format", "json"])).stdout).find((x: { service: string }) => x.service === "probe")?.health === "unhealthy")).toBe(true);
      // the probe running now has its two; one being killed at that moment may add one: the
      // count stays put instead of growing by two every second
      expect(processesWith(probeSleep).length).toBeLessThanOrEqual(4);
      await Bun.sleep(3000);
      expect(processesWith(probeSleep).length).toBeLessThanOrEqual(4);
      const events = (await r.k(["events", "-p", project, "--since", "0", "--until", "0s", "--format", "json"])).stdout;
      expect(events).toContain("unhealthy");
    });
  });
}
