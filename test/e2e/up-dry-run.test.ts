/** `kitten up --dry-run`: the plan of real compose files, in text and JSON, touching nothing. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, KITTEN, kitten, removeRoot, tempRoot } from "./helpers.ts";
import { generateCompose } from "../../bench/config/generate.ts";

const STACK = `
name: shop
services:
  web:
    image: nginx:1.27
    depends_on: [api]
    ports: ["8080:80"]
  api:
    image: registry.example/api:\${API_TAG:-1.0}
    depends_on:
      db: { condition: service_healthy }
      cache: { condition: service_started }
      metrics: { condition: service_started, required: false }
  worker:
    image: registry.example/worker
    depends_on: { db: { condition: service_healthy } }
    deploy: { replicas: 2 }
  db:
    image: postgres:16
    healthcheck: { test: ["CMD", "pg_isready"], interval: 5s }
  cache:
    image: redis:7
    container_name: shop-redis
  metrics:
    image: prom/prometheus
    profiles: [debug]
`;

let dir: string;
let root: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-e2e-plan-"));
  writeFileSync(join(dir, "compose.yaml"), STACK);
  writeFileSync(join(dir, "cycle.yaml"), "services:\n  web: { image: a, depends_on: [api] }\n  api: { image: a, depends_on: [web] }\n");
  root = tempRoot();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeRoot(root);
});

const run = (args: string[]) => kitten(["up", "--dry-run", ...args], { cwd: dir, env: { KITTEN_ROOT: root } });

describe("kitten up --dry-run", () => {
  test("prints levels and containers of a typical stack and changes nothing", async () => {
    const r = await run([]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "project shop: 5 services, 6 containers, 3 levels (dry run: nothing was changed)",
        "level 1:",
        "  cache   shop-redis  [redis:7]",
        "  db      shop-db-1  [postgres:16]",
        "level 2:",
        "  api     shop-api-1  [registry.example/api:1.0]  after db healthy, cache started",
        "  worker  shop-worker-1, shop-worker-2  [registry.example/worker]  after db healthy",
        "level 3:",
        "  web     shop-web-1  [nginx:1.27]  after api started",
        "",
      ].join("\n"),
    );
    expect(readdirSync(root)).toEqual([]);
  });

  test("prints the plan as one JSON object with levels and container names", async () => {
    const r = await run(["--format", "json"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.project).toBe("shop");
    expect(plan.levels).toEqual([["cache", "db"], ["api", "worker"], ["web"]]);
    expect(Object.keys(plan.services)).toEqual(["api", "cache", "db", "web", "worker"]);
    expect(plan.services.worker.containers).toEqual(["shop-worker-1", "shop-worker-2"]);
    expect(plan.services.api.depends_on).toEqual({
      db: { condition: "service_healthy", required: true },
      cache: { condition: "service_started", required: true },
    });
  });

  test.each([
    ["a named service with its dependencies", ["api"], [["cache", "db"], ["api"]]],
    ["--no-deps", ["web", "--no-deps"], [["web"]]],
    ["an enabled profile", ["--profile", "debug"], [["cache", "db", "metrics"], ["api", "worker"], ["web"]]],
    ["a service named despite its inactive profile", ["metrics"], [["metrics"]]],
    ["a named service whose optional dependency's profile is inactive", ["api"], [["cache", "db"], ["api"]]],
  ])("plans %s", async (_name, args, levels) => {
    const r = await run([...args, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).levels).toEqual(levels);
  });

  test("takes the shell's variables over the defaults and --scale over replicas", async () => {
    const r = await kitten(["up", "--dry-run", "--format", "json", "--scale", "worker=3", "-p", "other"], {
      cwd: dir,
      env: { API_TAG: "2.5" },
    });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.project).toBe("other");
    expect(plan.services.api.image).toBe("registry.example/api:2.5");
    expect(plan.services.worker.containers).toEqual(["other-worker-1", "other-worker-2", "other-worker-3"]);
  });

  test.each([
    ["an unknown service", ["wrker"], 'error: no such service: wrker\nhint: did you mean "worker"?\n'],
    ["a malformed --scale", ["--scale", "worker"], 'error: invalid --scale option "worker". Should be SERVICE=NUM\nhint: use --scale <service>=<replicas>, e.g. --scale web=3\n'],
    ["container_name with replicas", ["--scale", "cache=2"], 'error: service "cache" has container_name "shop-redis" and cannot run 2 replicas\nhint: remove container_name, or run one replica\n'],
  ])("refuses %s with exit 2 and no stack trace", async (_name, args, stderr) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(stderr);
  });

  test("prints the whole plan of a 300-service file, however large", async () => {
    writeFileSync(join(dir, "big.yaml"), generateCompose(300));
    const r = await run(["-f", "big.yaml", "--format", "json"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(Object.keys(plan.services)).toHaveLength(300);
    expect(plan.levels).toHaveLength(9);
    expect(plan.levels[0]).toEqual(["s1"]);
  });

  test("does not cut its output short when the reader is slow", async () => {
    writeFileSync(join(dir, "big.yaml"), generateCompose(300));
    // A shell pipe to a reader that starts late: the plan is larger than the pipe buffer, so
    // kitten must keep writing until the reader has taken everything.
    const script = `"$0" up --dry-run -f big.yaml --format json | (sleep 0.5; cat)`;
    const proc = Bun.spawn(["sh", "-c", script, KITTEN], { cwd: dir, stdout: "pipe", stderr: "ignore" });
    const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(text).services)).toHaveLength(300);
  });

  test("names a dependency cycle", async () => {
    const r = await run(["-f", "cycle.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("error: ");
    expect(r.stderr).toContain("dependency cycle: api -> web -> api");
    expect(r.stderr).not.toMatch(/^ +at /m);
  });
});

describe("kitten up --dry-run on compose-examples", () => {
  const examples = existsSync(EXAMPLES)
    ? readdirSync(EXAMPLES, { recursive: true, encoding: "utf8" }).filter((f) => /^[^/]+\.(json|ya?ml)$|(^|\/)(compose|docker-compose|kitten)\.(ya?ml|json)$/.test(f))
    : [];

  test("finds the examples", () => {
    expect(examples).toContain("webstack/compose.yaml");
    expect(examples).toContain("kitten-web-db.json");
  });

  test.each(examples)("plans %s with every service in exactly one level", async (file) => {
    const r = await kitten(["up", "--dry-run", "--format", "json", "-f", join(EXAMPLES, file)]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    const levelled = plan.levels.flat();
    expect(levelled.sort()).toEqual(Object.keys(plan.services).sort());
    expect(new Set(levelled).size).toBe(levelled.length);
    for (const s of Object.values(plan.services) as { containers: string[]; replicas: number }[]) expect(s.containers).toHaveLength(s.replicas);
  });
});
