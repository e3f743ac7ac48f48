/**
 * The round trip, for real (issue #16): every compose example goes through
 * `kitten kube export | kitten kube play -`, comes up with real runc, and serves its page on the
 * published port — the hostPort export keeps — with its services reaching each other by the
 * Service names. Images are the busybox-based stand-ins served as docker.io by a local registry
 * (test/fixtures/registry.ts), pulled first so export reads their EXPOSE from kitten's store.
 * As root for all examples, as the unprivileged `kittest` for one.
 *
 * The examples publish fixed host ports (8080, 80): the Kitten examples run from copies whose
 * only change is a free loopback port, webstack gets WEB_PORT=127.0.0.1:<free port>.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, TEST_USER, kitten, removeRoot, requireBinary, tempRoot, userIds, type RunResult } from "./helpers.ts";
import { freePort } from "./run-fixtures.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";

requireBinary();

const IMAGES = ["busybox:latest", "nginx:latest", "nginx:1.27-alpine", "postgres:latest", "postgres:16-alpine", "redis:alpine", "redis:7-alpine", "python:3.11-slim"];
const NGINX_PAGE = "hello from kitten nginx fixture";
const TIMEOUT = 150_000;

let registry: Registry;
let dir: string;
const roots: string[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  for (const image of IMAGES) await registry.pushBusyboxImage(image);
  dir = mkdtempSync(join(tmpdir(), "kitten-kube-rt-"));
  chmodSync(dir, 0o755);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  for (const r of roots) removeRoot(r);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Who {
  label: string;
  user?: string;
  root: string;
}

function who(user?: string): Who {
  const root = tempRoot(user ? userIds(user) : undefined);
  roots.push(root);
  return { label: user ?? "root", user, root };
}

function k(w: Who, args: string[], o: { env?: Record<string, string>; stdin?: string } = {}): Promise<RunResult> {
  return kitten(args, { user: w.user, env: { KITTEN_ROOT: w.root, ...registry.mirrorEnv, ...o.env }, stdin: o.stdin, timeoutMs: TIMEOUT });
}

/** A copy of a Kitten example whose published host ports become free ports on 127.0.0.1. */
function withFreePorts(example: string, owner?: string): { file: string; port: number } {
  const doc = JSON.parse(readFileSync(join(EXAMPLES, example), "utf8")) as { containers: Record<string, { ports?: string[] }> };
  let port = 0;
  for (const c of Object.values(doc.containers)) {
    c.ports = c.ports?.map((p) => `127.0.0.1:${(port = freePort())}:${p.split(":")[1]}`);
  }
  const file = join(dir, `${owner ?? "root"}-${example}`);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  if (owner) chownSync(file, userIds(owner).uid, userIds(owner).gid);
  return { file, port };
}

async function get(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return res.text();
}

/** export | play --wait, the page on the port, then play --down. */
async function roundTrip(w: Who, o: { file: string; project: string; port: number; env?: Record<string, string>; check?: () => Promise<void> }): Promise<void> {
  const exported = await k(w, ["kube", "export", "-f", o.file, "-p", o.project], { env: o.env });
  expect(exported.code).toBe(0);
  expect(exported.stdout).toContain("kind: Deployment");
  // what a local round trip needs is in the YAML: the host port on the container
  expect(exported.stdout).toContain(`hostPort: ${o.port}`);
  const played = await k(w, ["kube", "play", "-", "--wait"], { stdin: exported.stdout });
  try {
    expect(played.stderr).not.toContain("error:");
    expect(played.code).toBe(0);
    expect(await get(o.port)).toContain(NGINX_PAGE);
    await o.check?.();
  } finally {
    const down = await k(w, ["kube", "play", "--down", "-", "-t", "1"], { stdin: exported.stdout });
    expect(down.code).toBe(0);
  }
  expect((await k(w, ["ls", "--format", "json"])).stdout.trim()).toBe("[]");
}

async function inside(w: Who, container: string, script: string): Promise<string> {
  const res = await k(w, ["exec", container, "sh", "-c", script]);
  expect(res.code).toBe(0);
  return res.stdout;
}

describe("kube export | kube play - brings every compose example up, serving on its published port", () => {
  let root: Who;
  beforeAll(async () => {
    root = who();
    expect((await k(root, ["pull", "-q", ...IMAGES])).code).toBe(0);
  }, 120_000);

  test("example 1 (one nginx, root)", async () => {
    const { file, port } = withFreePorts("kitten-single-web.json");
    await roundTrip(root, { file, project: "rt1", port, check: async () => expect((await inside(root, "rt1-nginx-1", "hostname")).trim()).toBe("web") });
  }, TIMEOUT);

  test("example 3 (nginx, two python APIs, postgres, redis; root): each tier reaches the next by its Service name", async () => {
    const { file, port } = withFreePorts("kitten-microservices.json");
    await roundTrip(root, {
      file,
      project: "rt3",
      port,
      check: async () => {
        expect((await inside(root, "rt3-nginx-1", "wget -qO- http://api1:8001/ && wget -qO- http://api2:8002/")).match(/Directory listing for \//g)?.length).toBe(2);
        expect(await inside(root, "rt3-api1-1", "echo | nc -w 3 postgres 5432; echo | nc -w 3 redis 6379")).toMatch(/postgres-fixture[\s\S]*\+PONG/);
      },
    });
  }, TIMEOUT);

  test("webstack (root): healthchecks back as healthchecks, the env_file ConfigMap, the credential Secret, the bind-mounted file and the db alias", async () => {
    const port = freePort();
    await roundTrip(root, {
      file: join(EXAMPLES, "webstack/compose.yaml"),
      project: "webstack",
      port,
      env: { WEB_PORT: `127.0.0.1:${port}` },
      check: async () => {
        const ps = JSON.parse((await k(root, ["ps", "-p", "webstack", "--format", "json"])).stdout) as Array<{ service: string; health: string }>;
        expect(ps.map((r) => [r.service, r.health]).sort()).toEqual([["api", "healthy"], ["cache", "healthy"], ["db", "healthy"], ["web", "healthy"]]);
        expect(await inside(root, "webstack-web-1", "head -1 /etc/nginx/conf.d/default.conf; wget -qO- http://api:8000/")).toMatch(/^server \{[\s\S]*Directory listing/);
        const env = await inside(root, "webstack-api-1", "echo $LOG_LEVEL $PYTHONUNBUFFERED; echo | nc -w 3 postgres 5432");
        expect(env).toMatch(/^info 1\npostgres-fixture/);
        expect(await inside(root, "webstack-db-1", "echo $POSTGRES_PASSWORD")).toBe("change-me\n");
      },
    });
  }, TIMEOUT);
});

describe("a Job and a StatefulSet come back as compose semantics", () => {
  test("service_completed_successfully: the Job runs to completion before the StatefulSet's pod starts (root)", async () => {
    const w = who();
    expect((await k(w, ["pull", "-q", "nginx:latest", "busybox:latest"])).code).toBe(0);
    const port = freePort();
    const file = join(dir, "jobs.yaml");
    writeFileSync(
      file,
      `name: rtjobs\nservices:\n  migrate:\n    image: busybox:latest\n    command: ["sh", "-c", "sleep 1; echo migrated"]\n    restart: "no"\n` +
        `  web:\n    image: nginx:latest\n    ports: ["127.0.0.1:${port}:80"]\n    volumes: ["data:/data"]\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\nvolumes:\n  data: {}\n`,
    );
    const exported = await k(w, ["kube", "export", "-f", file, "--statefulset"]);
    expect(exported.stdout).toContain("kind: Job");
    expect(exported.stdout).toContain("kind: StatefulSet");
    const played = await k(w, ["kube", "play", "-", "--wait"], { stdin: exported.stdout });
    try {
      expect(played.code).toBe(0);
      expect(await get(port)).toContain(NGINX_PAGE);
      const ps = JSON.parse((await k(w, ["ps", "-p", "rtjobs", "-a", "--format", "json"])).stdout) as Array<{ service: string; status: string; exitCode?: number }>;
      expect(ps.find((r) => r.service === "migrate")?.status).toBe("exited");
      expect((await k(w, ["logs", "rtjobs-migrate-1"])).stdout).toContain("migrated");
      // the order compose gives: the job's container died (exit 0) before web's was created
      // --until now: print the log and exit (without it, events follows like compose)
      const events = (await k(w, ["events", "-p", "rtjobs", "--until", new Date().toISOString()])).stdout;
      const died = events.indexOf("container die rtjobs-migrate-1 (service=migrate, exitCode=0)");
      expect(died).toBeGreaterThan(-1);
      expect(died).toBeLessThan(events.indexOf("container create rtjobs-web-1"));
    } finally {
      await k(w, ["kube", "play", "--down", "-", "-t", "1"], { stdin: exported.stdout });
    }
  }, TIMEOUT);
});

describe("as the unprivileged user", () => {
  test(`example 2 (nginx + postgres) round-trips as ${TEST_USER}: served on its port, web reaches db by name`, async () => {
    const w = who(TEST_USER);
    expect((await k(w, ["pull", "-q", "nginx:latest", "postgres:latest"])).code).toBe(0);
    const { file, port } = withFreePorts("kitten-web-db.json", TEST_USER);
    await roundTrip(w, { file, project: "rt2", port, check: async () => expect(await inside(w, "rt2-web-1", "echo | nc -w 3 db 5432")).toContain("postgres-fixture") });
  }, TIMEOUT);
});
