import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "../../../../src/core/errors.ts";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { loadProject, type LoadOptions } from "../../../../src/engine/compose/index.ts";
import { normalizeProjectName } from "../../../../src/engine/compose/discover.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-load-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

const load = (options: LoadOptions = {}) => loadProject({ cwd: dir, env: {}, projectName: "p", ...options });

async function failure(options: LoadOptions): Promise<InvalidInputError> {
  try {
    await load(options);
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error("expected the load to fail");
}

describe("merging several -f files", () => {
  test("merges mappings, replaces scalars and commands, appends ports, merges environment, labels, volumes and networks by key", async () => {
    write("base.yaml", [
      "services:",
      "  web:",
      "    image: nginx:1",
      "    command: [nginx, -g, daemon off;]",
      "    ports: ['8080:80']",
      "    expose: ['80']",
      "    environment: {A: base, B: base}",
      "    labels: [tier=web]",
      "    volumes: ['./a:/data', './logs:/logs']",
      "    networks: {front: {aliases: [www]}}",
      "    healthcheck: {test: [CMD, curl, http://x], interval: 10s}",
      "    depends_on: {db: {condition: service_started}}",
      "  db:",
      "    image: postgres",
      "networks:",
      "  front: {}",
    ]);
    write("override.yaml", [
      "services:",
      "  web:",
      "    image: nginx:2",
      "    command: nginx-debug",
      "    ports: ['8080:80', '8443:443']",
      "    expose: ['443']",
      "    environment: [B=over, C=new]",
      "    labels: {owner: me}",
      "    volumes: ['./b:/data:ro']",
      "    networks: {front: {aliases: [web]}, back: null}",
      "    healthcheck: {test: [CMD, wget, http://x]}",
      "    depends_on: {db: {condition: service_healthy}}",
      "networks:",
      "  back: {internal: true}",
    ]);
    const { project, files } = await load({ files: ["base.yaml", "override.yaml"] });
    expect(files).toEqual([join(dir, "base.yaml"), join(dir, "override.yaml")]);
    const web = project.services.web!;
    expect(web.image).toBe("nginx:2");
    expect(web.command).toEqual(["nginx-debug"]);
    expect(web.ports.map((p) => p.published)).toEqual(["8080", "8443"]);
    expect(web.expose).toEqual(["80", "443"]);
    expect(web.environment).toEqual({ A: "base", B: "over", C: "new" });
    expect(web.labels).toEqual({ tier: "web", owner: "me" });
    expect(web.volumes!.map((v) => [v.source, v.target, v.read_only ?? false])).toEqual([
      [join(dir, "b"), "/data", true],
      [join(dir, "logs"), "/logs", false],
    ]);
    expect(web.networks).toEqual({ front: { aliases: ["www", "web"] }, back: null });
    expect(web.healthcheck).toEqual({ test: ["CMD", "wget", "http://x"], interval: "10s" });
    expect(web.depends_on).toEqual({ db: { condition: "service_healthy", required: true } });
    expect(project.networks.back).toEqual({ name: "p_back", internal: true });
  });

  test("adds services from a later file and resolves its relative paths against the project directory", async () => {
    write("compose.yaml", ["services:", "  web: {image: nginx}"]);
    write("more/extra.yaml", ["services:", "  side:", "    image: busybox", "    volumes: ['./x:/x']"]);
    const { project, workingDir } = await load({ files: ["compose.yaml", "more/extra.yaml"] });
    expect(workingDir).toBe(dir);
    expect(Object.keys(project.services)).toEqual(["side", "web"]);
    expect(project.services.side!.volumes![0]!.source).toBe(join(dir, "x"));
  });
});

describe("errors in merged files", () => {
  test("point at the file that holds the offending key", async () => {
    write("base.yaml", ["services:", "  web:", "    image: nginx", "    container_name: the-web"]);
    write("override.yaml", ["services:", "  web:", "    deploy: {replicas: 2}"]);
    const err = await failure({ files: ["base.yaml", "override.yaml"] });
    expect(err.message).toBe('service "web" sets container_name "the-web" with 2 replicas');
    expect(err.location).toEqual({ file: join(dir, "base.yaml"), line: 4, col: 21 });
  });
});

describe("discovery and the project name", () => {
  test("prefers compose.yaml, applies compose.override.yaml and warns about the other candidates", async () => {
    write("compose.yaml", ["services:", "  web: {image: nginx}"]);
    write("compose.override.yaml", ["services:", "  web: {image: httpd}"]);
    write("docker-compose.yml", ["services:", "  old: {image: busybox}"]);
    const reporter = new MemoryReporter();
    const { project, files } = await load({ reporter });
    expect(files).toEqual([join(dir, "compose.yaml"), join(dir, "compose.override.yaml")]);
    expect(project.services.web!.image).toBe("httpd");
    expect(reporter.warnings[0]).toContain("found several config files");
  });

  test("looks in the parent directories", async () => {
    write("docker-compose.yml", ["services:", "  web: {image: nginx}"]);
    mkdirSync(join(dir, "a/b"), { recursive: true });
    const { files } = await load({ cwd: join(dir, "a/b") });
    expect(files).toEqual([join(dir, "docker-compose.yml")]);
  });

  test("finds a kitten.json and reports the Kitten format", async () => {
    write("kitten.json", [JSON.stringify({ version: "1.0", containers: { web: { image: "nginx" } } })]);
    const loaded = await load();
    expect(loaded.format).toBe("kitten");
  });

  test("takes the name from -p, then COMPOSE_PROJECT_NAME, then name:, then the directory, like compose-go", async () => {
    const sub = join(dir, "My App.v2");
    mkdirSync(sub);
    writeFileSync(join(sub, "compose.yaml"), "services:\n  web: {image: nginx}\n");
    const base = { cwd: sub, projectName: undefined };
    expect((await load(base)).project.name).toBe("myappv2");
    writeFileSync(join(sub, "compose.yaml"), "name: filename\nservices:\n  web: {image: nginx}\n");
    expect((await load(base)).project.name).toBe("filename");
    expect((await load({ ...base, env: { COMPOSE_PROJECT_NAME: "envname" } })).project.name).toBe("envname");
    expect((await load({ ...base, projectName: "flag", env: { COMPOSE_PROJECT_NAME: "envname" } })).project.name).toBe("flag");
  });

  test("refuses an explicit project name that is not normalized", async () => {
    write("compose.yaml", ["services:", "  web: {image: nginx}"]);
    expect((await failure({ projectName: undefined, env: { COMPOSE_PROJECT_NAME: "My_Project" } })).message).toBe('invalid project name "My_Project" (from COMPOSE_PROJECT_NAME)');
  });

  test.each([
    ["My_Project", "my_project"],
    ["--x.y", "xy"],
    ["Kitten 2", "kitten2"],
  ])("normalizes the directory name %p to %p", (input, expected) => {
    expect(normalizeProjectName(input)).toBe(expected);
  });
});

describe("the interpolation environment", () => {
  test("reads .env beside the first file, with the shell environment winning", async () => {
    write("compose.yaml", ["services:", "  web:", "    image: nginx:${TAG}", "    environment: {PORT: '${PORT:-80}', ONLY_ENV: '${ONLY_ENV}'}"]);
    write(".env", ["TAG=from-dotenv", "ONLY_ENV=dotenv", "PORT=81"]);
    const { project } = await load({ env: { TAG: "from-shell" } });
    expect(project.services.web!.image).toBe("nginx:from-shell");
    expect(project.services.web!.environment).toEqual({ PORT: "81", ONLY_ENV: "dotenv" });
  });

  test("replaces .env with the --env-file files, later ones winning", async () => {
    write("compose.yaml", ["services:", "  web: {image: 'nginx:${TAG}'}"]);
    write(".env", ["TAG=dotenv"]);
    write("a.env", ["TAG=a"]);
    write("b.env", ["TAG=b"]);
    expect((await load({ envFiles: ["a.env"] })).project.services.web!.image).toBe("nginx:a");
    expect((await load({ envFiles: ["a.env", "b.env"] })).project.services.web!.image).toBe("nginx:b");
  });

  test("warns once per unset variable", async () => {
    write("compose.yaml", ["services:", "  web:", "    image: nginx:${TAG}", "    environment: ['A=${TAG}', 'B=${OTHER}']"]);
    const reporter = new MemoryReporter();
    await load({ reporter });
    expect(reporter.warnings).toEqual([
      'the "TAG" variable is not set, defaulting to a blank string',
      'the "OTHER" variable is not set, defaulting to a blank string',
    ]);
  });

  test("locates a missing required variable", async () => {
    write("compose.yaml", ["services:", "  web:", "    image: ${IMAGE:?set IMAGE}"]);
    const err = await failure({});
    expect(err.display).toBe(`${join(dir, "compose.yaml")}:3:12: services.web.image: required variable IMAGE is missing a value: set IMAGE`);
  });

  test("reads the file given as - from stdin", async () => {
    const { project, files } = await load({ files: ["-"], stdin: "services:\n  web: {image: nginx}\n" });
    expect(files).toEqual(["-"]);
    expect(project.services.web!.image).toBe("nginx");
  });
});

describe("extends", () => {
  test("merges a service of the same file under the extending one, recursively", async () => {
    write("compose.yaml", [
      "services:",
      "  base:",
      "    image: python:3.11-slim",
      "    environment: {A: base, B: base}",
      "    ports: ['8000']",
      "  middle:",
      "    extends: base",
      "    environment: {B: middle}",
      "    command: [python, app.py]",
      "  web:",
      "    extends: {service: middle}",
      "    environment: {C: web}",
      "    ports: ['9000:9000']",
    ]);
    const { project } = await load();
    const web = project.services.web!;
    expect(web.image).toBe("python:3.11-slim");
    expect(web.environment).toEqual({ A: "base", B: "middle", C: "web" });
    expect(web.command).toEqual(["python", "app.py"]);
    expect(web.ports.map((p) => [p.target, p.published])).toEqual([[8000, undefined], [9000, "9000"]]);
  });

  test("extends a service of another file, whose relative paths resolve against that file's directory", async () => {
    write("common/services.yaml", ["services:", "  app:", "    image: busybox", "    volumes: ['./data:/data']", "    env_file: app.env"]);
    write("common/app.env", ["FROM_FILE=1"]);
    write("compose.yaml", ["services:", "  web:", "    extends: {file: common/services.yaml, service: app}", "    command: echo hi"]);
    const { project } = await load();
    const web = project.services.web!;
    expect(web.image).toBe("busybox");
    expect(web.volumes![0]!.source).toBe(join(dir, "common/data"));
    expect(web.environment).toEqual({ FROM_FILE: "1" });
    expect(web.command).toEqual(["echo", "hi"]);
  });

  test.each([
    [["  a:", "    extends: b", "  b:", "    image: x", "    extends: a"], "extends cycle: a -> b -> a"],
    [["  a:", "    image: x", "    extends: a"], "extends cycle: a -> a"],
    [["  a:", "    extends: nope"], 'service "a" extends unknown service "nope"'],
    [["  a:", "    extends: {file: missing.yaml, service: x}"], "extended file not found"],
  ])("refuses a broken extends", async (lines, message) => {
    write("compose.yaml", ["services:", ...lines]);
    expect((await failure({})).message).toContain(message);
  });
});

describe("profiles", () => {
  const file = [
    "services:",
    "  web: {image: nginx, depends_on: {debug: {condition: service_started, required: false}}}",
    "  debug: {image: busybox, profiles: [debug, all]}",
    "  admin: {image: busybox, profiles: [admin]}",
  ];

  test("removes services whose profiles are not enabled, and optional dependencies on them", async () => {
    write("compose.yaml", file);
    const { project } = await load();
    expect(Object.keys(project.services)).toEqual(["web"]);
    expect(project.services.web!.depends_on).toEqual({});
  });

  test.each([
    [{ profiles: ["debug"] }, ["debug", "web"]],
    [{ profiles: ["all", "admin"] }, ["admin", "debug", "web"]],
    [{ profiles: ["*"] }, ["admin", "debug", "web"]],
    [{ env: { COMPOSE_PROFILES: "admin" } }, ["admin", "web"]],
  ])("enables the services of %p", async (options, expected) => {
    write("compose.yaml", file);
    expect(Object.keys((await load(options as LoadOptions)).project.services)).toEqual(expected);
  });

  test("refuses a required dependency on a disabled service, naming both", async () => {
    write("compose.yaml", ["services:", "  web: {image: nginx, depends_on: [debug]}", "  debug: {image: busybox, profiles: [debug]}"]);
    const err = await failure({});
    expect(err.message).toBe('service "web" depends on service "debug", which is disabled by its profiles [debug]');
    expect(err.hint).toContain("--profile debug");
  });
});

describe("merge control tags", () => {
  test("!reset removes an inherited value and !override replaces it whole", async () => {
    write("compose.yaml", ["services:", "  web:", "    image: nginx", "    ports: ['8080:80']", "    environment: {A: '1', B: '2'}", "    command: [a, b]"]);
    write("override.yaml", ["services:", "  web:", "    ports: !reset []", "    environment: !override {C: '3'}", "    command: !reset null"]);
    const { project } = await load({ files: ["compose.yaml", "override.yaml"] });
    const web = project.services.web!;
    expect(web.ports).toEqual([]);
    expect(web.environment).toEqual({ C: "3" });
    expect(web.command).toBeUndefined();
  });

  test("work through extends too", async () => {
    write("compose.yaml", ["services:", "  base: {image: nginx, ports: ['80']}", "  web:", "    extends: base", "    ports: !override ['81']"]);
    expect((await load()).project.services.web!.ports.map((p) => p.target)).toEqual([81]);
  });

  test("are refused outside the keys of a service", async () => {
    write("compose.yaml", ["services:", "  web:", "    image: nginx", "    healthcheck:", "      test: !reset null"]);
    expect((await failure({})).message).toBe("services.web.healthcheck.test: !reset is only supported on the keys of a service");
  });
});

describe("include", () => {
  test("imports the services, networks and volumes of included files, with their own directory and .env", async () => {
    write("db/compose.yaml", ["name: ignored", "services:", "  db:", "    image: postgres:${PG_TAG}", "    volumes: ['./init:/docker-entrypoint-initdb.d', 'dbdata:/var/lib/postgresql/data']", "volumes:", "  dbdata: {}"]);
    write("db/.env", ["PG_TAG=16", "SHARED=from-db"]);
    write("compose.yaml", ["include:", "  - db/compose.yaml", "services:", "  web:", "    image: nginx:${SHARED}", "    depends_on: [db]"]);
    write(".env", ["SHARED=from-parent"]);
    const { project } = await load({ projectName: undefined });
    expect(project.name).toBe(normalizeProjectName(join(dir).split("/").pop()!));
    expect(Object.keys(project.services)).toEqual(["db", "web"]);
    expect(project.services.db!.image).toBe("postgres:16");
    expect(project.services.web!.image).toBe("nginx:from-parent");
    expect(project.services.db!.volumes![0]!.source).toBe(join(dir, "db/init"));
    expect(project.volumes.dbdata!.name).toBe(`${project.name}_dbdata`);
  });

  test("takes the long form with several paths, a project directory and env files", async () => {
    write("lib/base.yaml", ["services:", "  cache: {image: 'redis:${REDIS_TAG}', volumes: ['./data:/data']}"]);
    write("lib/more.yaml", ["services:", "  cache: {command: [redis-server]}"]);
    write("lib/vars.env", ["REDIS_TAG=7"]);
    write("compose.yaml", ["include:", "  - path: [lib/base.yaml, lib/more.yaml]", "    project_directory: .", "    env_file: lib/vars.env", "services:", "  cache:", "    ports: ['6379']"]);
    const cache = (await load()).project.services.cache!;
    expect(cache.image).toBe("redis:7");
    expect(cache.command).toEqual(["redis-server"]);
    expect(cache.volumes![0]!.source).toBe(join(dir, "data"));
    expect(cache.ports.map((p) => p.target)).toEqual([6379]);
  });

  test.each([
    [["include: [missing.yaml]", "services:", "  web: {image: nginx}"], "included file not found"],
    [["include: [{project_directory: .}]", "services:", "  web: {image: nginx}"], 'an include entry needs a "path"'],
    [["include: [compose.yaml]", "services:", "  web: {image: nginx}"], "include cycle"],
  ])("refuses a broken include", async (lines, message) => {
    write("compose.yaml", lines);
    expect((await failure({})).message).toContain(message);
  });
});

describe("where the files and the project directory come from", () => {
  test("reads COMPOSE_FILE when no file is given, split on COMPOSE_PATH_SEPARATOR", async () => {
    write("a.yaml", ["services:", "  web: {image: nginx}"]);
    write("b.yaml", ["services:", "  web: {image: httpd}"]);
    expect((await load({ env: { COMPOSE_FILE: "a.yaml:b.yaml" } })).project.services.web!.image).toBe("httpd");
    expect((await load({ env: { COMPOSE_FILE: "b.yaml;a.yaml", COMPOSE_PATH_SEPARATOR: ";" } })).project.services.web!.image).toBe("nginx");
  });

  test("resolves relative paths and .env against --project-directory", async () => {
    write("files/compose.yaml", ["services:", "  web:", "    image: 'nginx:${TAG}'", "    volumes: ['./site:/usr/share/nginx/html']"]);
    write("proj/.env", ["TAG=from-proj"]);
    const { project, workingDir } = await load({ files: ["files/compose.yaml"], projectDirectory: "proj" });
    expect(workingDir).toBe(join(dir, "proj"));
    expect(project.services.web!.image).toBe("nginx:from-proj");
    expect(project.services.web!.volumes![0]!.source).toBe(join(dir, "proj/site"));
  });
});
