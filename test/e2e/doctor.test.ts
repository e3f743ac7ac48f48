/**
 * `kitten doctor` on the real host: the runtimes really run a container, the JSON keeps its
 * documented shape, and a missing runc fails with exit 1 and its fix — as root and as the
 * unprivileged test user.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kitten, TEST_USER } from "./helpers.ts";

const CHECKS = [
  "runc",
  "crun",
  "rootlesskit",
  "slirp4netns",
  "conmon",
  "catatonit",
  "nft",
  "ip",
  "newuidmap",
  "newgidmap",
  "overlay",
  "rootless namespace",
  "subuid",
  "subgid",
  "/dev/net/tun",
  "user namespaces",
  "cni plugins",
  "cgroup delegation",
];

function doctorTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith("kitten-doctor-"));
}

describe.each([
  ["root", undefined],
  ["an unprivileged user", TEST_USER],
])("kitten doctor as %s", (_who, user) => {
  test("passes with runc smoke-tested and names the runtime it will use", async () => {
    const r = await kitten(["doctor"], { user });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}runc .*ran `true` in a user namespace$/m);
    expect(r.stdout).toMatch(/^runtime: (runc|crun)$/m);
    expect(r.stdout).toContain("kitten can run containers here");
    expect(r.stdout).not.toMatch(/^fail /m);
  });

  test("prints one JSON object with every check in the documented shape", async () => {
    const r = await kitten(["doctor", "--format", "json"], { user });
    const report = JSON.parse(r.stdout);
    // a failing check shows up in the assertion itself (it once failed here, unexplained)
    expect({ code: r.code, failed: report.checks.filter((c: { status: string }) => c.status === "fail") }).toEqual({ code: 0, failed: [] });
    expect(Object.keys(report).sort()).toEqual(["checks", "ok", "runtime"]);
    expect(report.ok).toBe(true);
    expect(["runc", "crun"]).toContain(report.runtime);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(CHECKS);
    for (const c of report.checks) {
      expect(Object.keys(c).sort()).toEqual(["detail", "fix", "name", "required", "status"]);
      expect(["ok", "warn", "fail"]).toContain(c.status);
      expect(typeof c.detail).toBe("string");
      expect(c.fix === null || typeof c.fix === "string").toBe(true);
    }
    const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
    expect(byName.runc.status).toBe("ok");
    // crun is optional: it either works or is reported as unusable, never as a required failure.
    expect(byName.crun.required).toBe(false);
    if (byName.crun.status !== "ok") expect(byName.crun.detail).toMatch(/^(unusable here: |not found|installed at)/);
    // Limits without cgroup delegation are never silent.
    if (byName["cgroup delegation"].status !== "ok") expect(byName["cgroup delegation"].detail).toContain("not enforced");
  });
});

describe("kitten doctor without runc on PATH", () => {
  let bin: string;

  beforeAll(() => {
    // A PATH with every program doctor uses, except runc.
    bin = mkdtempSync(join(tmpdir(), "kitten-e2e-path-"));
    const programs = ["crun", "rootlesskit", "slirp4netns", "conmon", "catatonit", "nft", "ip", "newuidmap", "newgidmap", "unshare", "sh", "getcap", "mount", "umount", "rm", "nsenter", "id"];
    for (const name of programs) {
      const path = Bun.which(name);
      if (path) symlinkSync(path, join(bin, name));
    }
  });

  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  test("fails with exit 1 and prints the fix for runc", async () => {
    const r = await kitten(["doctor"], { env: { PATH: bin } });
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("fail  runc "));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toMatch(/^ +fix: (apt-get install -y runc|export PATH="\$PATH:\/usr\/s?bin")$/);
    expect(r.stdout).toMatch(/^runtime: none/m);
    expect(r.stderr).toBe("error: 1 required check failed: runc\nhint: run the fix: commands above, then `kitten doctor` again\n");
  });

  test("reports the failure in JSON with ok false and the fix", async () => {
    const r = await kitten(["doctor", "--format", "json"], { env: { PATH: bin } });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.runtime).toBeNull();
    const runc = report.checks.find((c: { name: string }) => c.name === "runc");
    expect(runc.status).toBe("fail");
    expect(runc.fix).toMatch(/apt-get install -y runc|export PATH/);
  });
});

test("kitten doctor leaves no temp dir behind", async () => {
  const before = doctorTempDirs();
  await kitten(["doctor"]);
  expect(doctorTempDirs()).toEqual(before);
});
