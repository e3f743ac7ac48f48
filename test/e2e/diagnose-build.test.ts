/**
 * `kitten diagnose` after failures that leave no running container, through the real binary as
 * root and as `kittest`: a compose service whose Dockerfile installs a package that does not
 * exist (real apt in debian:bookworm-slim from scripts/debian-base.sh, its sources pointed at a
 * local empty repository so that no network is needed and apt itself says what is missing),
 * a plain `kitten build` whose RUN lacks a program, and the compose keys of issue #12 failing the
 * way they do: a secret file missing, a sysctl the kernel does not have, a post_start hook, and
 * (rootless) a device the user may not open.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { runner, type Runner } from "./run-fixtures.ts";
import { userNamespace } from "../fixtures/tree.ts";

requireBinary();

const SECRET = "s3cr3t-build-token-4711";

const APP_DOCKERFILE = (pkg: string) => `FROM debian:bookworm-slim AS base
# apt reads a local, empty repository: no network needed, and apt says what it cannot find
RUN mkdir -p /srv/repo && : > /srv/repo/Packages && rm -f /etc/apt/sources.list.d/debian.sources \\
 && echo "deb [trusted=yes] file:/srv/repo ./" > /etc/apt/sources.list

FROM base AS app
RUN --mount=type=secret,id=api_token,env=API_TOKEN echo "fetching with token $API_TOKEN" \\
 && apt-get update && apt-get install -y --no-install-recommends ${pkg}
CMD ["sleep", "600"]
`;

const APP_COMPOSE = `name: dg
services:
  app:
    build:
      context: .
      secrets: [api_token]
secrets:
  api_token:
    environment: API_TOKEN
`;

/** A directory owned by `user` with the given files. */
function workspace(user: string | undefined, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "kitten-diagnose-build-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  if (user) {
    const ids = userIds(user);
    Bun.spawnSync(["chown", "-R", `${ids.uid}:${ids.gid}`, dir]);
    chownSync(dir, ids.uid, ids.gid);
  }
  return dir;
}

interface Finding {
  rule: string;
  cause: string;
  evidence: string[];
  fix: string;
}
interface Report {
  containers: { service: string; container: string; state: string; findings: Finding[] }[];
  builds: { service?: string; image?: string; line?: number; stage?: string; instruction?: string; command?: string; exitCode?: number; findings: Finding[] }[];
}

for (const user of [undefined, "kittest"] as const) {
  describe(`kitten diagnose after failed builds and starts, as ${user ?? "root"}`, () => {
    let root: string;
    let r: Runner;
    const dirs: string[] = [];
    beforeAll(async () => {
      root = tempRoot(user ? userIds(user) : undefined);
      r = runner(user ?? "root", root, user);
      // root's run makes the cached archive when it is missing; every user then loads it
      const env = `KITTEN_ROOT=${root}`;
      const argv = user ? ["runuser", "-u", user, "--", "env", env, "bash", "scripts/debian-base.sh"] : ["env", env, "bash", "scripts/debian-base.sh"];
      const base = Bun.spawn(argv, { cwd: REPO, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(base.stdout).text(), new Response(base.stderr).text(), base.exited]);
      if (code !== 0) throw new Error(`scripts/debian-base.sh failed (${code}): ${out}${err}`);
    }, 600_000);
    afterAll(async () => {
      for (const p of ["dg", "dk"]) await r.k(["down", "-p", p, "-t", "1"], {}, 60_000);
      for (const ns of ["default", "dg", "dk"]) await r.k(["__ns-down", ns]);
      Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
      removeRoot(root);
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    test("a service whose Dockerfile installs a package that does not exist: up fails, diagnose names the step, the command and the package; the build secret is masked", async () => {
      const dir = workspace(user, { "compose.yaml": APP_COMPOSE, Dockerfile: APP_DOCKERFILE("nosuchpkg") });
      dirs.push(dir);
      const compose = ["-f", join(dir, "compose.yaml")];
      const up = await r.k(["up", "-d", ...compose], { API_TOKEN: SECRET }, 180_000);
      expect(up.stderr).toContain("E: Unable to locate package nosuchpkg");
      expect(up.code).toBe(1);

      const text = await r.k(["diagnose", ...compose]);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain("app: build of dg-app failed at Dockerfile:7 (stage app, RUN), exit code 100\n");
      expect(text.stdout).toContain("  command: /bin/sh -c echo \"fetching with token $API_TOKEN\"  && apt-get update && apt-get install -y --no-install-recommends nosuchpkg\n");
      expect(text.stdout).toContain('  cause: the package "nosuchpkg" does not exist for apt-get (high confidence)\n');
      expect(text.stdout).toContain("    | E: Unable to locate package nosuchpkg\n");

      const json = await r.k(["diagnose", ...compose, "--format", "json"]);
      const report = JSON.parse(json.stdout) as Report;
      expect(report.containers).toEqual([]);
      expect(report.builds).toHaveLength(1);
      expect(report.builds[0]).toMatchObject({ service: "app", image: "dg-app", line: 7, stage: "app", instruction: "RUN", exitCode: 100 });
      expect(report.builds[0]!.findings[0]!.rule).toBe("build-missing-package");

      // the secret the RUN printed: masked in everything diagnose shows or sends, and in the record on disk
      const prompt = await r.k(["diagnose", ...compose, "--print-prompt"]);
      expect(prompt.stdout).toContain("fetching with token ****");
      for (const out of [text.stdout, json.stdout, prompt.stdout]) expect(out).not.toContain(SECRET);
      const data = join(root, "data");
      for (const f of readdirSync(data).filter((n) => n.startsWith("state.db"))) expect(readFileSync(join(data, f)).includes(SECRET)).toBe(false);
    }, 240_000);

    test("the next successful build clears the record: diagnose has nothing to say", async () => {
      const dir = dirs[0]!;
      writeFileSync(join(dir, "Dockerfile"), APP_DOCKERFILE("--version >/dev/null; true"));
      const up = await r.k(["up", "-d", "-f", join(dir, "compose.yaml")], { API_TOKEN: SECRET }, 180_000);
      expect(up.stderr).not.toContain("error");
      expect(up.code).toBe(0);
      const res = await r.k(["diagnose", "-f", join(dir, "compose.yaml")]);
      expect(res.stdout).toBe("no failing or restarting containers\n");
      expect(res.code).toBe(0);
      expect((await r.k(["down", "-f", join(dir, "compose.yaml"), "-t", "1"], {}, 60_000)).code).toBe(0);
    }, 240_000);

    test("a plain kitten build whose RUN lacks a program: diagnose --build names it by context and by image", async () => {
      const ctx = workspace(user, { Dockerfile: "FROM debian:bookworm-slim\nRUN make all\n" });
      dirs.push(ctx);
      const build = await r.k(["build", "--progress", "plain", "-t", "dg-tool:1", ctx], {}, 120_000);
      expect(build.stderr).toContain("make: not found");
      expect(build.code).toBe(1);
      for (const target of [ctx, "dg-tool:1"]) {
        const res = await r.k(["diagnose", "--build", target, "--format", "json"]);
        expect(res.code).toBe(1);
        const report = JSON.parse(res.stdout) as Report;
        expect(report.builds).toHaveLength(1);
        expect(report.builds[0]).toMatchObject({ image: "dg-tool:1", line: 2, instruction: "RUN", command: "/bin/sh -c make all", exitCode: 127 });
        expect(report.builds[0]!.findings[0]).toMatchObject({ rule: "build-command-not-found", cause: 'command not found in RUN: "make"' });
        expect(report.builds[0]!.findings[0]!.evidence).toContain("/bin/sh: 1: make: not found");
      }
      const none = await r.k(["diagnose", "--build", "dg-other:1"]);
      expect(none.stdout).toBe("no failed build recorded for dg-other:1\n");
      expect(none.code).toBe(0);
    }, 180_000);

    test("compose keys that fail a start: a missing secret file, then a sysctl the kernel lacks and a failing post_start hook" + (user ? ", and a device the user may not open" : ""), async () => {
      const services: Record<string, unknown> = {
        tuned: { image: "debian:bookworm-slim", command: ["sleep", "600"], sysctls: { "net.ipv4.tcp_nosuchthing": "1" } },
        hooked: {
          image: "debian:bookworm-slim",
          command: ["sleep", "600"],
          secrets: ["db_password"],
          post_start: [{ command: ["sh", "-c", "echo cache warm-up failed >&2; exit 3"] }],
        },
        ...(user ? { serial: { image: "debian:bookworm-slim", command: ["sleep", "600"], devices: ["/dev/kmsg:/dev/kmsg:rwm"] } } : {}),
      };
      const dir = workspace(user, { "compose.yaml": JSON.stringify({ name: "dk", services, secrets: { db_password: { file: "./db_password.txt" } } }, null, 2) });
      dirs.push(dir);
      const compose = ["-f", join(dir, "compose.yaml")];
      const first = await r.k(["up", "-d", ...compose], {}, 120_000);
      expect(first.stderr).toContain('secret "db_password": file');
      expect(first.code).toBe(2);
      let report = JSON.parse((await r.k(["diagnose", ...compose, "--format", "json"])).stdout) as Report;
      expect(report.containers.map((c) => [c.service, c.state, c.findings[0]!.rule])).toEqual([["hooked", "not created", "secret-unavailable"]]);
      expect(report.containers[0]!.findings[0]!.cause).toBe(`the secret "db_password" has no file: ${join(dir, "db_password.txt")} does not exist`);

      writeFileSync(join(dir, "db_password.txt"), "pw\n");
      if (user) Bun.spawnSync(["chown", `${user}:`, join(dir, "db_password.txt")]);
      const second = await r.k(["up", "-d", ...compose], {}, 120_000);
      expect(second.code).toBe(1);
      const res = await r.k(["diagnose", ...compose, "--format", "json"]);
      expect(res.code).toBe(1);
      report = JSON.parse(res.stdout) as Report;
      const by = Object.fromEntries(report.containers.map((c) => [c.service, c]));
      expect(Object.keys(by).sort()).toEqual(user ? ["hooked", "serial", "tuned"] : ["hooked", "tuned"]);
      expect(by.tuned!.findings[0]).toMatchObject({ rule: "sysctl-refused", cause: "the kernel has no sysctl net.ipv4.tcp_nosuchthing" });
      expect(by.hooked!.state).toBe("running");
      expect(by.hooked!.findings[0]).toMatchObject({ rule: "post-start-hook", cause: "the post_start hook failed (`sh -c echo cache warm-up failed >&2; exit 3`, exit status 3): the container started, the hook did not" });
      expect(by.hooked!.findings[0]!.evidence.join("\n")).toContain("cache warm-up failed");
      if (user) expect(by.serial!.findings[0]).toMatchObject({ rule: "device-refused", cause: `the device /dev/kmsg is not open to ${user}: a rootless container can use only the devices its user may open` });
    }, 240_000);
  });
}
