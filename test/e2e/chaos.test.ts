/**
 * `kitten chaos` (issue #13 §6) as a user types it, on one stack as root: a kill its restart
 * policy answers, reported with the restart and the time to recover; a network partition that
 * makes the dependent service unhealthy until it is undone; what this kernel cannot do (netem) said
 * clearly; and nothing outside the named project touched.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeRoot, requireBinary, tempRoot } from "./helpers.ts";
import { buildRootfs, removeRootfs, runner, type Runner } from "./run-fixtures.ts";

requireBinary();
setDefaultTimeout(120_000);

interface Report {
  action: string;
  targets: string[];
  events: Array<{ action: string; container?: string; exitCode?: number }>;
  restarts: Record<string, number>;
  health: Array<{ container: string; status: string }>;
  dependentsAffected: string[];
  recoveredAfterMs: number | null;
  undone?: string;
}

describe("kitten chaos", () => {
  let r: Runner;
  let rootfs: string;
  let dir: string;

  beforeAll(async () => {
    r = runner("root", tempRoot());
    rootfs = buildRootfs();
    dir = mkdtempSync(join(tmpdir(), "kitten-chaos-"));
    const file = join(dir, "compose.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "shop",
        services: {
          db: { image: rootfs, command: ["httpd", "-f", "-p", "5432", "-h", "/www"], restart: "always", stop_grace_period: "1s" },
          api: {
            image: rootfs,
            command: ["sh", "-c", "while true; do echo | nc -w 1 db 5432 > /dev/null && touch /tmp/ok || rm -f /tmp/ok; sleep 0.3; done"],
            restart: "always",
            stop_grace_period: "1s",
            depends_on: { db: { condition: "service_started" } },
            healthcheck: { test: ["CMD", "test", "-f", "/tmp/ok"], interval: "500ms", timeout: "1s", retries: 2 },
          },
        },
      }),
    );
    const up = await r.k(["up", "-d", "--wait", "-f", file]);
    expect(up.code).toBe(0);
    // another project beside it, which chaos on shop must never touch
    writeFileSync(join(dir, "other.json"), JSON.stringify({ name: "other", services: { db: { image: rootfs, command: ["sleep", "1000"], stop_grace_period: "1s" } } }));
    expect((await r.k(["up", "-d", "-f", join(dir, "other.json")])).code).toBe(0);
  });

  afterAll(async () => {
    await r.k(["down", "-p", "shop", "-t", "1"]);
    await r.k(["down", "-p", "other", "-t", "1"]);
    removeRoot(r.root);
    removeRootfs(rootfs);
    rmSync(dir, { recursive: true, force: true });
  });

  const otherStarted = async () => (JSON.parse((await r.k(["ps", "-p", "other", "--format", "json"])).stdout) as Array<{ startedAt: string }>)[0]?.startedAt;

  test("kill: the restart policy answers, and the report names the death, the restart and the time to recover", async () => {
    const before = await otherStarted();
    const res = await r.k(["-p", "shop", "chaos", "kill", "db", "--format", "json"]);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.targets).toEqual(["shop-db-1"]);
    expect(report.events.find((e) => e.action === "die")).toMatchObject({ container: "shop-db-1", exitCode: 137 });
    expect(report.restarts).toEqual({ "shop-db-1": 1 });
    expect(report.recoveredAfterMs).toBeGreaterThan(0);
    expect(await otherStarted()).toBe(before);
  });

  test("net --partition: the dependent service goes unhealthy until the fault is undone; the text report says so", async () => {
    const res = await r.k(["-p", "shop", "chaos", "net", "db", "--partition", "api", "--duration", "3s", "--watch", "8s"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("chaos net on db (shop-db-1)");
    expect(res.stdout).toContain("health_status shop-api-1 exit 1 (unhealthy)");
    expect(res.stdout).toContain("dependents affected: api");
    expect(res.stdout).toContain("undone: partition from api removed after 3000 ms");
    const ps = JSON.parse((await r.k(["ps", "-p", "shop", "--format", "json"])).stdout) as Array<{ service: string; health: string }>;
    expect(ps.find((c) => c.service === "api")?.health).toBe("healthy");
  });

  test("net --delay needs tc netem: where the kernel lacks it, one clear error and nothing left changed", async () => {
    const res = await r.k(["-p", "shop", "chaos", "net", "api", "--delay", "200ms", "--duration", "1s"]);
    if (res.code === 0) return; // a kernel with sch_netem: the fault applied and was undone
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("--delay needs tc netem");
    expect(res.stderr).toContain("hint:");
    const probe = await r.k(["exec", "shop-api-1", "sh", "-c", "echo | nc -w 1 db 5432 > /dev/null && echo reached"]);
    expect(probe.stdout).toBe("reached\n");
  });

  test("refuses what is not the named project's", async () => {
    const unknown = await r.k(["-p", "shop", "chaos", "kill", "cache"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no such service: cache");
    const none = await r.k(["-p", "nope", "chaos", "kill", "db"]);
    expect(none.code).toBe(2);
    const bad = await r.k(["-p", "shop", "chaos", "net", "api", "--loss", "lots"]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('--loss must be a percentage like 10%, not "lots"') });
  });
});
