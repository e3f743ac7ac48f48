/**
 * The "done when": `kitten ask --offline "deploy nginx on port 8080" --yes` leaves an
 * nginx service (from the local test registry, as docker.io through the mirror setting)
 * answering on 127.0.0.1:8080. As root, real rootlesskit/conmon/runc.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kitten, removeRoot, requireBinary, tempRoot } from "./helpers.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";

requireBinary();

let registry: Registry;
let root: string;
let cwd: string;
let env: Record<string, string>;

beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushBusyboxImage("nginx:alpine");
  root = tempRoot();
  cwd = mkdtempSync(join(tmpdir(), "kitten-ask-deploy-"));
  env = { ...registry.mirrorEnv, KITTEN_ROOT: root };
}, 180_000);

afterAll(async () => {
  await kitten(["down", "-t", "1"], { cwd, env, timeoutMs: 60_000 });
  await registry.stop();
  removeRoot(root);
  rmSync(cwd, { recursive: true, force: true });
}, 180_000);

test("deploys nginx on port 8080 from plain English, offline, with --yes", async () => {
  const r = await kitten(["ask", "--offline", "deploy nginx on port 8080", "--yes", "-p", "askdeploy"], { cwd, env, timeoutMs: 180_000 });
  expect(r.stderr).not.toContain("error:");
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("wrote compose.yaml");
  expect(readFileSync(join(cwd, "compose.yaml"), "utf8")).toContain('published: "8080"');
  const res = await fetch("http://127.0.0.1:8080/");
  expect(await res.text()).toContain("hello from kitten nginx fixture");
  const ps = await kitten(["ps", "-p", "askdeploy", "--format", "json"], { cwd, env });
  expect((JSON.parse(ps.stdout) as { service: string; status: string }[]).map((c) => [c.service, c.status])).toEqual([["nginx", "running"]]);
}, 180_000);
