/**
 * `kitten config` on the runnable examples: the canonical JSON (docker compose config's long
 * form) of the Kitten README's three examples and of the webstack compose project, YAML that
 * says the same, discovery from the working directory, .env / --env-file / shell precedence,
 * profiles, stdin, -f merging, and warnings that leave the exit code at 0.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { EXAMPLES, kitten } from "./helpers.ts";

const WEBSTACK = join(EXAMPLES, "webstack");

async function configJson(args: string[], options: Parameters<typeof kitten>[1] = {}) {
  const r = await kitten(["config", "--format", "json", ...args], options);
  if (r.code !== 0) throw new Error(`kitten config failed (${r.code}): ${r.stderr}`);
  return { ...r, project: JSON.parse(r.stdout) };
}

const started = (extra = {}) => ({ condition: "service_started", required: true, ...extra });
const port = (published: string, target: number) => ({ mode: "ingress", protocol: "tcp", published, target });

describe("kitten config on the Kitten README's examples", () => {
  test("prints example 1 (a single web server) in canonical form", async () => {
    const { project, stderr } = await configJson(["-f", join(EXAMPLES, "kitten-single-web.json")]);
    expect(stderr).toBe("");
    expect(project).toEqual({
      name: "compose-examples",
      services: {
        nginx: { environment: {}, hostname: "web", image: "nginx:latest", networks: { default: null }, ports: [port("8080", 80)], restart: "always" },
      },
      networks: { default: { name: "compose-examples_default" } },
      volumes: {},
    });
  });

  test("prints example 2 (web + db on a network with subnet and gateway) in canonical form", async () => {
    const { project } = await configJson(["-f", join(EXAMPLES, "kitten-web-db.json")]);
    expect(project).toEqual({
      name: "compose-examples",
      services: {
        db: { environment: { POSTGRES_PASSWORD: "secret" }, hostname: "db", image: "postgres:latest", networks: { mynet: null }, ports: [], restart: "always" },
        web: { depends_on: { db: started() }, environment: {}, hostname: "web", image: "nginx:latest", networks: { mynet: null }, ports: [port("8080", 80)] },
      },
      networks: { mynet: { driver: "bridge", ipam: { config: [{ gateway: "10.0.0.1", subnet: "10.0.0.0/24" }] }, name: "compose-examples_mynet" } },
      volumes: {},
    });
  });

  test("prints example 3 (microservices) in canonical form", async () => {
    const { project } = await configJson(["-f", join(EXAMPLES, "kitten-microservices.json"), "-p", "micro"]);
    const net = { microservices: null };
    const api = (n: string) => ({
      command: ["python", "-m", "http.server", n],
      depends_on: { postgres: started(), redis: started() },
      environment: {},
      image: "python:3.11-slim",
      networks: net,
      ports: [],
    });
    expect(project).toEqual({
      name: "micro",
      services: {
        api1: { ...api("8001"), hostname: "api1" },
        api2: { ...api("8002"), hostname: "api2" },
        nginx: { depends_on: { api1: started(), api2: started() }, environment: {}, hostname: "nginx", image: "nginx:latest", networks: net, ports: [port("80", 80)] },
        postgres: { environment: { POSTGRES_PASSWORD: "secret" }, hostname: "postgres", image: "postgres:latest", networks: net, ports: [], restart: "always" },
        redis: { environment: {}, hostname: "redis", image: "redis:alpine", networks: net, ports: [], restart: "always" },
      },
      networks: { microservices: { driver: "bridge", ipam: { config: [{ subnet: "10.0.0.0/24" }] }, name: "micro_microservices" } },
      volumes: {},
    });
  });
});

describe("kitten config on the webstack compose project", () => {
  const healthcheck = (test: string[], interval: string, retries: number, timeout: string, startPeriod?: string) => ({
    interval,
    retries,
    test,
    timeout,
    ...(startPeriod ? { start_interval: "1s", start_period: startPeriod } : {}),
  });
  const expected = {
    name: "webstack",
    services: {
      api: {
        depends_on: { cache: { condition: "service_healthy", required: true }, db: { condition: "service_healthy", required: true } },
        deploy: { replicas: 1, resources: { limits: { memory: "268435456" } } },
        environment: {
          DATABASE_URL: "postgres://app:change-me@db:5432/app",
          LOG_LEVEL: "info",
          PYTHONUNBUFFERED: "1",
          REDIS_URL: "redis://cache:6379/0",
        },
        expose: ["8000"],
        healthcheck: healthcheck(["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz', timeout=3)"], "10s", 5, "5s", "30s"),
        build: { context: join(WEBSTACK, "api") },
        networks: { back: null, front: null },
        ports: [],
        restart: "unless-stopped",
      },
      cache: {
        environment: {},
        healthcheck: healthcheck(["CMD", "redis-cli", "ping"], "5s", 5, "3s", "10s"),
        build: { context: join(WEBSTACK, "cache") },
        networks: { back: null },
        ports: [],
        restart: "unless-stopped",
        volumes: [{ source: "cachedata", target: "/data", type: "volume", volume: {} }],
      },
      db: {
        environment: { POSTGRES_DB: "app", POSTGRES_PASSWORD: "change-me", POSTGRES_USER: "app" },
        healthcheck: healthcheck(["CMD-SHELL", "pg_isready -h 127.0.0.1 -U ${POSTGRES_USER} -d ${POSTGRES_DB}"], "5s", 10, "3s", "30s"),
        build: { context: join(WEBSTACK, "db") },
        networks: { back: { aliases: ["postgres"] } },
        ports: [],
        restart: "unless-stopped",
        volumes: [{ source: "dbdata", target: "/var/lib/postgresql/data", type: "volume", volume: {} }],
      },
      web: {
        depends_on: { api: { condition: "service_healthy", required: true } },
        environment: {},
        healthcheck: healthcheck(["CMD", "curl", "-fsS", "-o", "/dev/null", "http://localhost/healthz"], "10s", 3, "3s"),
        build: { context: join(WEBSTACK, "web") },
        networks: { front: null },
        ports: [port("8080", 80)],
        restart: "unless-stopped",
      },
    },
    networks: { back: { internal: true, name: "webstack_back" }, front: { name: "webstack_front" } },
    volumes: { cachedata: { name: "webstack_cachedata" }, dbdata: { name: "webstack_dbdata" } },
  };

  test("finds compose.yaml and .env in the working directory and prints the canonical form", async () => {
    const { project, stderr } = await configJson([], { cwd: WEBSTACK });
    expect(stderr).toBe("");
    expect(project).toEqual(expected);
  });

  test("prints YAML that says the same as the JSON, by default", async () => {
    const r = await kitten(["config"], { cwd: WEBSTACK });
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("name: webstack\nservices:\n");
    expect(parse(r.stdout)).toEqual(expected);
  });

  test("lets the shell environment override .env", async () => {
    const { project } = await configJson([], { cwd: WEBSTACK, env: { WEB_PORT: "9090", API_REPLICAS: "2" } });
    expect(project.services.web.ports).toEqual([port("9090", 80)]);
    expect(project.services.api.deploy.replicas).toBe(2);
  });

  test("lists the services with --services and prints nothing with --quiet", async () => {
    const services = await kitten(["config", "--services"], { cwd: WEBSTACK });
    expect(services).toEqual({ code: 0, stdout: "api\ncache\ndb\nweb\n", stderr: "" });
    const quiet = await kitten(["config", "--quiet"], { cwd: WEBSTACK });
    expect(quiet).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("finds the project from a subdirectory, like docker compose", async () => {
    const { project } = await configJson([], { cwd: join(WEBSTACK, "web") });
    expect(project.name).toBe("webstack");
  });
});

describe("kitten config with files it is given", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kitten-config-"));
    writeFileSync(
      join(dir, "compose.yaml"),
      ["services:", "  web:", "    image: nginx:${TAG}", "    ports: ['8080:80']", "    environment: {A: '1', B: '2'}", "    build: .", "    cpu_shares: 512", "  tools:", "    image: busybox", "    profiles: [debug]", "    blkio_config: {weight: 300}", ""].join("\n"),
    );
    writeFileSync(join(dir, "compose.override.yaml"), ["services:", "  web:", "    ports: ['9090:90']", "    environment: {B: over}", ""].join("\n"));
    writeFileSync(join(dir, "prod.env"), "TAG=1.27\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("applies compose.override.yaml and warns once per ignored key set and unset variable, exiting 0", async () => {
    const r = await kitten(["config", "--format", "json", "-p", "demo"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").filter(Boolean)).toEqual([
      'warning: the "TAG" variable is not set, defaulting to a blank string',
      "warning: ignoring: service web: [cpu_shares]",
    ]);
    const web = JSON.parse(r.stdout).services.web;
    expect(web.image).toBe("nginx:");
    expect(web.environment).toEqual({ A: "1", B: "over" });
    expect(web.ports).toEqual([port("8080", 80), port("9090", 90)]);
  });

  test("reads --env-file instead of .env and enables --profile services", async () => {
    const r = await kitten(["config", "--format", "json", "-p", "demo", "--env-file", "prod.env", "--profile", "debug"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: ignoring: service tools: [blkio_config]");
    const project = JSON.parse(r.stdout);
    expect(project.services.web.image).toBe("nginx:1.27");
    expect(Object.keys(project.services)).toEqual(["tools", "web"]);
  });

  test("enables profiles from COMPOSE_PROFILES and names the project from COMPOSE_PROJECT_NAME", async () => {
    const { project } = await configJson(["--env-file", "prod.env"], { cwd: dir, env: { COMPOSE_PROFILES: "debug", COMPOSE_PROJECT_NAME: "fromenv" } });
    expect(project.name).toBe("fromenv");
    expect(project.services.tools.profiles).toEqual(["debug"]);
  });

  test("reads a file from stdin with -f -", async () => {
    const r = await kitten(["config", "--format", "json", "-p", "piped", "-f", "-"], {
      cwd: dir,
      stdin: JSON.stringify({ version: "1.0", containers: { hello: { image: "busybox", command: "echo hi" } } }),
    });
    expect(r.code).toBe(0);
    const project = JSON.parse(r.stdout);
    expect(project.services.hello.command).toEqual(["echo", "hi"]);
    expect(project.services.hello.hostname).toBe("hello");
  });

  test("merges later -f files over earlier ones", async () => {
    const second = join(dir, "second.yaml");
    writeFileSync(second, ["services:", "  web:", "    image: httpd", "    command: [httpd-foreground]", ""].join("\n"));
    const { project } = await configJson(["-f", "compose.yaml", "-f", second, "-p", "merged"], { cwd: dir });
    expect(project.services.web.image).toBe("httpd");
    expect(project.services.web.command).toEqual(["httpd-foreground"]);
    expect(project.services.web.ports).toEqual([port("8080", 80)]);
  });
});

describe("kitten config on valid files with keys it does not model", () => {
  const WARN = join(EXAMPLES, "../test/fixtures/warn");
  test.each([
    [
      "unsupported-service-keys.yaml",
      // secrets, devices, dns and sysctls are read since issue #12; cpu_shares still is not
      ["warning: ignoring: service web: [build.cache_from, cpu_shares]"],
    ],
    [
      "unsupported-nested-keys.yaml",
      [
        "warning: ignoring: service web: [deploy.placement, deploy.resources.reservations.devices, networks.front.mac_address]",
        "warning: ignoring: network front: [driver_opts]",
        "warning: ignoring: volume data: [driver_opts]",
      ],
    ],
    ["obsolete-version.yaml", [`warning: ${join(WARN, "obsolete-version.yaml")}: the attribute "version" is obsolete, it will be ignored`]],
  ])("warns about %s once per service and still prints the project", async (file, warnings) => {
    const r = await kitten(["config", "--format", "json", "-p", "warned", "-f", join(WARN, file)]);
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split("\n")).toEqual(warnings);
    expect(JSON.parse(r.stdout).services.web.image).toBe("nginx");
  });
});
