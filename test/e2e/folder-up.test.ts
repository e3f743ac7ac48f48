/**
 * `kitten up DIR` on folders without a compose file (issue #17 "done when"): node, python, go,
 * a static site, a Dockerfile and a two-service monorepo are detected, drafted, written once
 * accepted (-y), built with kitten's builder from the language stand-ins in the test registry,
 * and serve on their published ports — as root and as kittest. Without -y and a terminal
 * nothing is written.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, TEST_USER, kitten, removeRoot, requireBinary, tempRoot, userIds } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";
import { pushLanguageImages } from "../fixtures/language-images.ts";

requireBinary();
setDefaultTimeout(600_000);

let registry: Registry;

beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushBusyboxImage("busybox");
  await registry.pushBusyboxImage("redis:7-alpine");
  await pushLanguageImages(registry);
}, 1_800_000);

afterAll(async () => {
  await registry?.stop();
});

/** GET http://127.0.0.1:port/ until it answers (a freshly started server may need a moment). */
async function body(port: string | number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    try {
      return await (await fetch(`http://127.0.0.1:${port}/`)).text();
    } catch {
      await Bun.sleep(100);
    }
  }
  throw new Error(`nothing answers on ${port}`);
}

const CASES: Array<{ kind: string; expect: Array<[string, string]> }> = [
  { kind: "node", expect: [["3000", "hello from node on 3000"]] },
  { kind: "python", expect: [["8000", "hello from python"]] },
  { kind: "go", expect: [["8080", "hello from go"]] },
  { kind: "static", expect: [["8080", "hello from a static site"]] },
  { kind: "dockerfile", expect: [["8080", "hello from a Dockerfile"]] },
  { kind: "monorepo", expect: [["5001", "api ok, redis at redis://redis:6379"], ["8080", "monorepo web"]] },
];

describe.each([["root", undefined], [TEST_USER, TEST_USER]] as const)("kitten up DIR as %s", (_label, user) => {
  let root: string;
  let work: string;
  let env: Record<string, string>;
  const owner = user ? userIds(user) : undefined;

  beforeAll(() => {
    root = tempRoot(owner);
    work = mkdtempSync(join(tmpdir(), "kitten-folders-"));
    cpSync(join(REPO, "test/fixtures/folders"), work, { recursive: true });
    mkdirSync(join(work, "docs"));
    writeFileSync(join(work, "docs", "README.md"), "notes, no app\n");
    if (owner) Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, work]);
    env = { ...registry.mirrorEnv, KITTEN_ROOT: root };
  });

  afterAll(async () => {
    await kitten(["down", "-p", "default"], { env, user, timeoutMs: 60_000 });
    removeRoot(root);
    rmSync(work, { recursive: true, force: true });
  });

  test("without a terminal and -y, the draft is shown and nothing is written", async () => {
    const r = await kitten(["up", "./node"], { cwd: work, env, user });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("package.json has `start` (node server.js): node");
    expect(r.stderr).toContain("FROM node:22-slim");
    expect(r.stderr).toContain("error: node has no compose file: kitten drafted one (above) and wrote nothing");
    expect(r.stderr).toContain("hint: run again with -y");
    expect(existsSync(join(work, "node", "compose.yaml"))).toBe(false);
    expect(existsSync(join(work, "node", "Dockerfile"))).toBe(false);
  });

  test("a folder kitten does not know is refused with what it looks for", async () => {
    const r = await kitten(["up", "-y", "./docs"], { cwd: work, env, user });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: ./docs: nothing here kitten knows how to run");
    expect(r.stderr).toContain("hint: kitten recognises a compose file, a Dockerfile, package.json");
    expect(r.stderr).not.toContain("    at ");
  });

  for (const c of CASES) {
    test(`${c.kind}: detected, built and serving`, async () => {
      const dir = `./${c.kind}`;
      const up = await kitten(["up", "-d", "--wait", "-y", dir], { cwd: work, env, user, timeoutMs: 600_000 });
      try {
        expect(up.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
        expect(up.code).toBe(0);
        expect(existsSync(join(work, c.kind, "compose.yaml"))).toBe(true);
        for (const [port, text] of c.expect) expect(await body(port)).toContain(text);
        // a second up of the folder uses the compose file it wrote: no draft, nothing rebuilt
        const again = await kitten(["up", "-d", "--wait", dir], { cwd: work, env, user, timeoutMs: 300_000 });
        expect(again.code).toBe(0);
        expect(again.stderr).not.toContain("kitten found in");
      } finally {
        const down = await kitten(["down", "-v", "-t", "1"], { cwd: join(work, c.kind), env, user, timeoutMs: 120_000 });
        expect(down.code).toBe(0);
      }
      if (c.kind === "static") expect(readFileSync(join(work, c.kind, "Dockerfile"), "utf8")).toContain("FROM nginx:alpine");
    });
  }
});
