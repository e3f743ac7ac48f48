/**
 * `kitten build` and compose `build:` through the real binary, as root and as `kittest`: a
 * Dockerfile with COPY/RUN/ENV/WORKDIR/USER/CMD over a busybox base pulled from the test
 * registry builds an image `kitten run` starts; a second build is all cache hits with the same
 * image id; compose `up` builds a missing image, `up --build` after a source change serves the new
 * content. Errors (issue #11 §8) each with their message and exit code.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KITTEN, kitten, removeRoot, tempRoot, userIds } from "./helpers.ts";
import { freePort, runner, type Runner } from "./run-fixtures.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { userNamespace } from "../fixtures/tree.ts";

let registry: Registry;

beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushBusyboxImage("busybox");
});

afterAll(async () => {
  await registry?.stop();
});

/** A directory owned by `user` with the given files. */
function workspace(user: string | undefined, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "kitten-build-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  if (user) {
    const ids = userIds(user);
    Bun.spawnSync(["chown", "-R", `${ids.uid}:${ids.gid}`, dir]);
    chownSync(dir, ids.uid, ids.gid);
  }
  return dir;
}

const APP = `# syntax=docker/dockerfile:1
FROM busybox
ARG GREETING=hello
ENV APP_HOME=/app
WORKDIR $APP_HOME
COPY --chown=app:app greeting.txt ./
COPY bin/ /usr/local/bin/
RUN echo "$GREETING from RUN" > built.txt && chmod 604 built.txt && rm -r /var
USER app
EXPOSE 8080
CMD ["sh", "-c", "cat built.txt greeting.txt; id -u; stat -c %U:%a greeting.txt built.txt; ls /var 2>&1; tool"]
`;

for (const user of [undefined, "kittest"] as const) {
  describe(`kitten build as ${user ?? "root"}`, () => {
    let root: string;
    let r: Runner;
    const dirs: string[] = [];
    beforeAll(() => {
      root = tempRoot(user ? userIds(user) : undefined);
      r = runner(user ?? "root", root, user);
    });
    afterAll(async () => {
      await r.k(["__ns-down", "default"]);
      await r.k(["__ns-down", "bp"]);
      Bun.spawnSync([...userNamespace(user), "rm", "-rf", join(root, "data")]);
      removeRoot(root);
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    test("builds an image that kitten run starts; a rebuild is all cache hits with the same id", async () => {
      const ctx = workspace(user, { Dockerfile: APP, "greeting.txt": "copied\n", "bin/tool": "#!/bin/sh\necho tool ran\n" });
      dirs.push(ctx);
      Bun.spawnSync(["chmod", "755", join(ctx, "bin/tool")]);
      const env = registry.mirrorEnv;
      const b = await r.k(["build", "--progress", "plain", "-t", "app:1", "--build-arg", "GREETING=hi", ctx], env, 120_000);
      expect(b.stderr).not.toContain("error");
      expect(b.code).toBe(0);
      expect(b.stderr).toMatch(/RUN echo "\$GREETING from RUN"/);
      const run = await r.k(["run", "--rm", "app:1"], env);
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe("hi from RUN\ncopied\n999\napp:644\nroot:604\nls: /var: No such file or directory\ntool ran\n");
      const first = await r.k(["build", "-q", "-t", "app:1", "--build-arg", "GREETING=hi", ctx], env);
      const again = await r.k(["build", "--progress", "plain", "-t", "app:1", "--build-arg", "GREETING=hi", ctx], env);
      expect(again.code).toBe(0);
      expect(again.stderr.match(/CACHED/g)?.length).toBe(4);
      expect(again.stderr).not.toMatch(/^#[2-9] DONE/m);
      expect(again.stderr).toContain(first.stdout.trim());
      // a changed build arg re-runs the RUN that uses it and nothing before it
      const changed = await r.k(["build", "--progress", "plain", "-t", "app:2", "--build-arg", "GREETING=hey", ctx], env);
      expect(changed.stderr.match(/CACHED/g)?.length).toBe(3);
      expect((await r.k(["run", "--rm", "app:2", "cat", "built.txt"], env)).stdout).toBe("hey from RUN\n");
      const inspect = JSON.parse((await r.k(["image", "inspect", "app:1"])).stdout)[0];
      expect(inspect.Config).toMatchObject({ User: "app", WorkingDir: "/app", ExposedPorts: { "8080/tcp": {} } });
      expect(inspect.Config.Env).toContain("APP_HOME=/app");
    }, 180_000);

    test("compose up builds a missing image; up --build after a change serves the new content", async () => {
      const port = freePort();
      const proj = workspace(user, {
        "compose.yaml": [
          "name: bp",
          "services:",
          "  web:",
          "    build: ./web",
          `    ports: ["127.0.0.1:${port}:80"]`,
          "  tool:",
          "    image: team/tool:1",
          "    build:",
          "      context: ./tool",
          "      args: { FLAVOUR: mint }",
          "      secrets: [token]",
          "      dockerfile_inline: |",
          "        FROM busybox",
          "        ARG FLAVOUR",
          "        RUN --mount=type=secret,id=token test \"$$(cat /run/secrets/token)\" = opensesame && echo $$FLAVOUR > /flavour",
          '        CMD ["sleep", "1000"]',
          "secrets:",
          "  token:",
          "    file: ./token.txt",
          "",
        ].join("\n"),
        "web/Dockerfile": 'FROM busybox\nCOPY index.html /www/\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
        "web/index.html": "version one\n",
        "tool/.keep": "",
        "token.txt": "opensesame",
      });
      dirs.push(proj);
      const compose = ["-f", join(proj, "compose.yaml")];
      const env = registry.mirrorEnv;
      const up = await r.k(["up", "-d", "--wait", ...compose], env, 120_000);
      expect(up.stderr).toContain("building service web (bp-web)");
      // image: and build: — the pull fails (the registry has no team/tool), so it is built
      expect(up.stderr).toContain("service tool: pulling team/tool:1 failed");
      expect(up.stderr).toContain("building service tool (team/tool:1)");
      expect(up.code).toBe(0);
      expect((await r.k(["exec", "bp-tool-1", "cat", "/flavour"])).stdout).toBe("mint\n");
      const get = async () => (await fetch(`http://127.0.0.1:${port}/`).then((res) => res.text()).catch((e) => String(e)));
      expect(await get()).toBe("version one\n");
      writeFileSync(join(proj, "web/index.html"), "version two\n");
      const again = await r.k(["up", "-d", "--wait", ...compose], env, 120_000);
      expect(again.stderr).not.toContain("building");
      expect(await get()).toBe("version one\n");
      const rebuilt = await r.k(["up", "-d", "--wait", "--build", ...compose], env, 120_000);
      expect(rebuilt.code).toBe(0);
      expect(await get()).toBe("version two\n");
      expect((await r.k(["images"])).stdout).toContain("bp-web");
      // kitten build SERVICE: a project's service, the build cache shared with up's builds
      const one = await r.k(["build", "--progress", "plain", ...compose, "tool"], env, 120_000);
      expect(one.code).toBe(0);
      expect(one.stderr).toContain("CACHED");
      expect(one.stderr).toContain("service tool: built sha256:");
      expect((await r.k(["down", ...compose], env)).code).toBe(0);
    }, 240_000);

    test("a project's services build at the same time, their steps named after their service", async () => {
      // each RUN waits up to 30 s for the other's mark in a shared cache mount: one after the other, a fails
      const meet = (me: string, other: string) =>
        `FROM busybox\nRUN --mount=type=cache,id=meet,target=/meet touch /meet/${me} && i=0 && while [ ! -e /meet/${other} ]; do i=$((i+1)); [ $i -gt 300 ] && exit 7; sleep 0.1; done\n`;
      const proj = workspace(user, {
        "compose.yaml": ["name: par", "services:", "  a:", "    build: ./a", "  b:", "    build: ./b", ""].join("\n"),
        "a/Dockerfile": meet("a", "b"),
        "b/Dockerfile": meet("b", "a"),
      });
      dirs.push(proj);
      const built = await r.k(["build", "-f", join(proj, "compose.yaml")], registry.mirrorEnv, 120_000);
      expect(built.stderr).not.toContain("exit code: 7");
      expect(built.code).toBe(0);
      expect(built.stderr).toMatch(/#\d+ \[a 2\/2\] RUN --mount=type=cache/);
      expect(built.stderr).toMatch(/#\d+ \[b 2\/2\] RUN --mount=type=cache/);
      expect(built.stderr).toContain("service a: built sha256:");
      expect(built.stderr).toContain("service b: built sha256:");
      // the builds ran in the project's namespace: nothing of it stays
      expect((await r.k(["down", "-f", join(proj, "compose.yaml")])).code).toBe(0);
    }, 120_000);
  });
}

describe("build inputs, outputs and errors", () => {
  let root: string;
  let r: Runner;
  const dirs: string[] = [];
  beforeAll(() => {
    root = tempRoot();
    r = runner("root", root);
  });
  afterAll(async () => {
    await r.k(["__ns-down", "default"]);
    removeRoot(root);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const ctx = (files: Record<string, string>) => {
    const d = workspace(undefined, files);
    dirs.push(d);
    return d;
  };

  test("a Dockerfile on stdin (-f -), a tar context on stdin (-), --progress json, --iidfile, --label", async () => {
    const d = ctx({ "hello.txt": "from the tar\n" });
    const df = "FROM busybox\nCOPY hello.txt /\nCMD [\"cat\", \"/hello.txt\"]\n";
    const fromStdin = await kitten(["build", "-q", "-f", "-", "-t", "stdin-df", d], { env: { ...registry.mirrorEnv, KITTEN_ROOT: root }, stdin: df, timeoutMs: 120_000 });
    expect(fromStdin.stderr).toBe("");
    expect(fromStdin.stdout).toMatch(/^sha256:[a-f0-9]{64}\n$/);
    writeFileSync(join(d, "Dockerfile"), df);
    const tar = Bun.spawn(["sh", "-c", `tar -C ${d} -c . | ${KITTEN} build --progress json --iidfile ${join(d, "iid")} --label team=core -t from-tar -`], {
      env: { PATH: process.env.PATH!, HOME: "/root", NO_COLOR: "1", KITTEN_ROOT: root, ...registry.mirrorEnv },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [, err, code] = await Promise.all([new Response(tar.stdout).text(), new Response(tar.stderr).text(), tar.exited]);
    expect(code).toBe(0);
    const events = err.trim().split("\n").map((l) => JSON.parse(l) as { type: string; status?: string; name?: string });
    expect(events.filter((e) => e.type === "build-step" && e.status !== "running").map((e) => `${e.name} ${e.status}`)).toEqual(["[1/3] FROM busybox done", "[2/3] COPY hello.txt / cached"]);
    const iid = readFileSync(join(d, "iid"), "utf8");
    expect((await r.k(["run", "--rm", iid], registry.mirrorEnv)).stdout).toBe("from the tar\n");
    const inspect = JSON.parse((await r.k(["image", "inspect", "from-tar"])).stdout)[0];
    expect(inspect.Config.Labels).toEqual({ team: "core" });
  }, 120_000);

  test("ONBUILD triggers run in the build FROM the image, and are not passed on", async () => {
    const parent = ctx({ Dockerfile: "FROM busybox\nONBUILD RUN echo triggered > /from-trigger\n" });
    expect((await r.k(["build", "-q", "-t", "with-trigger", parent], registry.mirrorEnv, 120_000)).code).toBe(0);
    const child = ctx({ Dockerfile: "FROM with-trigger\nRUN cat /from-trigger\n" });
    const built = await r.k(["build", "--progress", "plain", "-t", "child", child], registry.mirrorEnv, 120_000);
    expect(built.code).toBe(0);
    expect(built.stderr).toContain("RUN echo triggered > /from-trigger");
    const inspect = JSON.parse((await r.k(["image", "inspect", "child"])).stdout)[0];
    expect(inspect.Config.OnBuild ?? null).toBeNull();
  }, 120_000);

  test("a build killed in the middle of a RUN leaves no cache entry: the next build runs the step", async () => {
    const d = ctx({ Dockerfile: "FROM busybox\nRUN sleep 3 && echo done > /slow\n" });
    const env = { PATH: process.env.PATH!, HOME: "/root", NO_COLOR: "1", KITTEN_ROOT: root, ...registry.mirrorEnv };
    // the base first, so the kill lands in the RUN
    expect((await r.k(["pull", "busybox"], registry.mirrorEnv)).code).toBe(0);
    const proc = Bun.spawn([KITTEN, "build", "--progress", "plain", "-t", "killed", d], { env, stdout: "ignore", stderr: "pipe" });
    let seen = "";
    for await (const chunk of proc.stderr) {
      seen += new TextDecoder().decode(chunk);
      if (seen.includes("RUN sleep")) break;
    }
    await Bun.sleep(500);
    proc.kill("SIGKILL");
    await proc.exited;
    const again = await r.k(["build", "--progress", "plain", "-t", "killed", d], registry.mirrorEnv, 120_000);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain("CACHED");
    expect((await r.k(["run", "--rm", "killed", "cat", "/slow"], registry.mirrorEnv)).stdout).toBe("done\n");
  }, 120_000);

  test("a failing RUN names the step, the command and its exit code and shows its last lines (exit 1)", async () => {
    const d = ctx({ Dockerfile: "FROM busybox\nRUN echo first line; echo last words >&2; exit 3\n" });
    const res = await r.k(["build", "--progress", "tty", d], registry.mirrorEnv, 120_000);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("last words");
    expect(res.stderr).toContain('error: Dockerfile:2: [2/2] RUN echo first line; echo last words >&2; exit 3: process "/bin/sh -c echo first line; echo last words >&2; exit 3" did not complete successfully: exit code: 3\n');
    expect(res.stderr).not.toContain("    at ");
  }, 120_000);

  test.each([
    ["a Dockerfile syntax error", { Dockerfile: "FROM busybox\nCOPY onlyone\n" }, [], "error: Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined.\n"],
    ["an unknown instruction", { Dockerfile: "FROM busybox\nRUNN true\n" }, [], "error: Dockerfile:2: unknown instruction: RUNN\nhint: did you mean RUN?\n"],
    ["a missing COPY source", { Dockerfile: "FROM busybox\nCOPY nope.txt /\n" }, [], 'error: Dockerfile:2: COPY failed: "nope.txt" not found in the build context\n'],
    ["a COPY source .dockerignore excludes", { Dockerfile: "FROM busybox\nCOPY secret.env /\n", "secret.env": "x", ".dockerignore": "*.env\n" }, [], 'error: Dockerfile:2: COPY failed: "secret.env" not found in the build context (excluded by .dockerignore)\nhint: a .dockerignore line excludes "secret.env": remove that line or add !secret.env\n'],
    ["an unknown --target", { Dockerfile: "FROM busybox AS base\nFROM base AS dev\n" }, ["--target", "prod"], 'error: target stage "prod" could not be found\nhint: the stages of Dockerfile are: base, dev\n'],
    ["a chown outside the id range", { Dockerfile: "FROM busybox\nCOPY --chown=70000 f /f\n", f: "x" }, [], "error: Dockerfile:2: --chown=70000: uid 70000 is outside the range 0-65536 this user's namespace maps\n"],
    ["another platform", { Dockerfile: "FROM busybox\n" }, ["--platform", "linux/s390x"], "error: platform linux/s390x is not supported\n"],
  ] as const)("%s is refused with exit 2", async (_what, files, flags, message) => {
    const d = ctx(files as Record<string, string>);
    const res = await r.k(["build", "--progress", "plain", ...flags, d], registry.mirrorEnv, 120_000);
    expect(res.stderr).toContain(message);
    expect(res.code).toBe(2);
  }, 120_000);

  test.each([
    [["build", "https://example.com/repo.git"], "error: remote build contexts are not supported: https://example.com/repo.git\n"],
    [["build", "--squash", "."], "error: unknown flag: --squash\n"],
    [["build", "./does-not-exist"], 'error: unable to prepare context: path "./does-not-exist" not found\n'],
  ])("kitten %j is refused with exit 2", async (args, message) => {
    const res = await r.k(args);
    expect(res.stderr).toContain(message);
    expect(res.code).toBe(2);
  });
});
