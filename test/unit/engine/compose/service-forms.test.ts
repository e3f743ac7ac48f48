import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { parseProjectText } from "../../../../src/engine/compose/index.ts";
import { service, serviceError } from "./helpers.ts";

describe("command and entrypoint", () => {
  const cases: [string, string[] | null][] = [
    ["command: echo hello", ["echo", "hello"]],
    ['command: sh -c "echo $$HOME && sleep 1"', ["sh", "-c", "echo $HOME && sleep 1"]],
    ["command: [\"sh\", \"-c\", \"a b\"]", ["sh", "-c", "a b"]],
    ["command: [sleep, 10]", ["sleep", "10"]],
    ["command: []", []],
    ["command: null", null],
  ];
  test.each(cases)("reads %p", (line, expected) => {
    expect(service(line).command).toEqual(expected);
  });

  test("splits an entrypoint string like a shell", () => {
    expect(service("entrypoint: /docker-entrypoint.sh --flag 'two words'").entrypoint).toEqual(["/docker-entrypoint.sh", "--flag", "two words"]);
  });

  test("refuses a command that is a mapping", () => {
    expect(serviceError("command: {a: b}").message).toBe("services.web.command: expected a list, got a mapping");
  });
});

describe("environment", () => {
  test.each([
    ["environment: {A: 1, B: true, C: text, D: ''}", { A: "1", B: "true", C: "text", D: "" }],
    ["environment: [A=1, B=x=y, C=]", { A: "1", B: "x=y", C: "" }],
    // like compose-go, an unset bare KEY stays null (unset in the container), never ""
    ["environment: [FROM_SHELL, NOT_SET]", { FROM_SHELL: "shell", NOT_SET: null }],
    ["environment: {FROM_SHELL: null, NOT_SET: null}", { FROM_SHELL: "shell", NOT_SET: null }],
  ])("reads %p", (line, expected) => {
    expect(service(line, { env: { FROM_SHELL: "shell" } }).environment).toEqual(expected);
  });

  test("merges env_file entries under environment, resolving paths against the project directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-envfile-"));
    try {
      writeFileSync(join(dir, "a.env"), "A=from-a\nB=from-a\n");
      writeFileSync(join(dir, "b.env"), "B=from-b\nC=${A}-c\n");
      const text = [
        "services:",
        "  web:",
        "    image: nginx",
        "    env_file: [a.env, {path: b.env, required: true}, {path: missing.env, required: false}]",
        "    environment: {C: explicit}",
      ].join("\n");
      const { project } = parseProjectText(text, "compose.yaml", { projectName: "p", projectDirectory: dir, env: { A: "shell" } });
      expect(project.services.web!.environment).toEqual({ A: "from-a", B: "from-b", C: "explicit" });
      const single = parseProjectText(text.replace(/env_file: .*/, "env_file: a.env"), "compose.yaml", { projectName: "p", projectDirectory: dir });
      expect(single.project.services.web!.environment).toEqual({ A: "from-a", B: "from-a", C: "explicit" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("takes a raw env_file literally", () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-envfile-"));
    try {
      writeFileSync(join(dir, "raw.env"), "# comment\nQUOTED=\"kept\" # too\nDOLLAR=${NOT_INTERPOLATED}\n");
      const text = "services:\n  web:\n    image: nginx\n    env_file: [{path: raw.env, format: raw}]\n";
      const { project } = parseProjectText(text, "compose.yaml", { projectName: "p", projectDirectory: dir });
      expect(project.services.web!.environment).toEqual({ QUOTED: '"kept" # too', DOLLAR: "${NOT_INTERPOLATED}" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("networks of a service", () => {
  test.each([
    ["networks: [front, back]", { front: null, back: null }],
    ["networks: {front: null, back: {aliases: [db, database], ipv4_address: 10.0.0.9, priority: 10}}", { front: null, back: { aliases: ["db", "database"], ipv4_address: "10.0.0.9", priority: 10 } }],
  ])("reads %p", (line, expected) => {
    const text = `services:\n  web:\n    image: nginx\n    ${line}\nnetworks:\n  front: {}\n  back:\n    ipam: {config: [{subnet: 10.0.0.0/24}]}\n`;
    expect(parseProjectText(text, "c.yaml", { projectName: "p" }).project.services.web!.networks).toEqual(expected);
  });

  test("joins the project's default network when none is given", () => {
    expect(service("restart: always").networks).toEqual({ default: null });
  });

  test("has no networks with a network_mode", () => {
    const web = service("network_mode: host");
    expect(web.networks).toBeUndefined();
    expect(web.network_mode).toBe("host");
  });

  test("refuses an invalid ipv4_address", () => {
    expect(serviceError("networks: {default: {ipv4_address: 10.0.0.300}}").message).toContain('invalid IPv4 address "10.0.0.300"');
  });
});

describe("depends_on", () => {
  const two = (lines: string) => parseProjectText(`services:\n  db:\n    image: postgres\n  web:\n    image: nginx\n    ${lines}\n`, "c.yaml", { projectName: "p" }).project.services.web!.depends_on;
  test("reads the list form as service_started and required", () => {
    expect(two("depends_on: [db]")).toEqual({ db: { condition: "service_started", required: true } });
  });
  test("reads the long form with its defaults, required and restart", () => {
    expect(two("depends_on: {db: {condition: service_healthy, restart: true}}")).toEqual({ db: { condition: "service_healthy", required: true, restart: true } });
    expect(two("depends_on: {db: {required: false}}")).toEqual({ db: { condition: "service_started", required: false } });
    expect(two("depends_on: {db: {condition: service_completed_successfully}}")).toEqual({ db: { condition: "service_completed_successfully", required: true } });
  });
  test("adds the dependencies implied by links, keeping a declared one", () => {
    expect(two("links: [db:database]")).toEqual({ db: { condition: "service_started", required: true, restart: true } });
    expect(two("links: [db]\n    depends_on: {db: {condition: service_healthy}}")).toEqual({ db: { condition: "service_healthy", required: true } });
  });
  test("adds the dependency implied by network_mode service:", () => {
    expect(two('network_mode: "service:db"')).toEqual({ db: { condition: "service_started", required: true, restart: true } });
  });
});

describe("healthcheck", () => {
  test.each([
    ["healthcheck: {test: curl -f http://x}", { test: ["CMD-SHELL", "curl -f http://x"] }],
    ["healthcheck: {test: [CMD, curl, -f, http://x], interval: 90s, timeout: 1500ms, retries: 3, start_period: 1m, start_interval: 5s}", { test: ["CMD", "curl", "-f", "http://x"], interval: "1m30s", timeout: "1.5s", retries: 3, start_period: "1m", start_interval: "5s" }],
    ["healthcheck: {test: [CMD-SHELL, 'pg_isready']}", { test: ["CMD-SHELL", "pg_isready"] }],
    ["healthcheck: {test: [NONE]}", { test: ["NONE"], disable: true }],
    ["healthcheck: {disable: true, interval: 5s}", { test: ["NONE"], disable: true }],
  ])("reads %p", (line, expected) => {
    expect(service(line).healthcheck).toEqual(expected);
  });
  test("refuses negative retries", () => {
    expect(serviceError("healthcheck: {retries: -1}").message).toContain("must be at least 0");
  });
});

describe("deploy and scale", () => {
  test("reads replicas and resource limits, memory in bytes", () => {
    expect(service("deploy: {replicas: 3, resources: {limits: {cpus: '0.50', memory: 512m, pids: 100}, reservations: {memory: 1g}}}").deploy).toEqual({
      replicas: 3,
      resources: { limits: { cpus: "0.5", memory: "536870912", pids: 100 }, reservations: { memory: "1073741824" } },
    });
  });
  test.each([
    ["1024", "1024"],
    ["64k", "65536"],
    ["1.5g", "1610612736"],
    ["256MiB", "268435456"],
    ["2GB", "2147483648"],
  ])("reads memory %p as %p bytes", (memory, bytes) => {
    // reservations: a limit below 6 MiB is refused as docker refuses it (runtime-checks.ts)
    expect(service(`deploy: {resources: {reservations: {memory: ${memory}}}}`).deploy?.resources?.reservations?.memory).toBe(bytes);
  });
  test("folds scale into deploy.replicas", () => {
    expect(service("scale: 4").deploy).toEqual({ replicas: 4 });
    expect(service("scale: 2\ndeploy: {replicas: 2}").deploy).toEqual({ replicas: 2 });
  });
  test("warns about deploy keys it does not model", () => {
    const reporter = new MemoryReporter();
    service("deploy: {placement: {constraints: []}, restart_policy: {condition: any}, replicas: 1}", { reporter });
    expect(reporter.warnings).toEqual(["ignoring: service web: [deploy.placement, deploy.restart_policy]"]);
  });
});

describe("the other service keys", () => {
  test.each([
    ["restart: on-failure:3", "restart", "on-failure:3"],
    ["restart: 'no'", "restart", "no"],
    ["restart: unless-stopped", "restart", "unless-stopped"],
    ["working_dir: /app", "working_dir", "/app"],
    ["user: 1000", "user", "1000"],
    ["user: 'app:app'", "user", "app:app"],
    ["hostname: box", "hostname", "box"],
    ["container_name: my-web", "container_name", "my-web"],
    ["labels: {a: b, n: 1}", "labels", { a: "b", n: "1" }],
    ["labels: [a=b, flag]", "labels", { a: "b", flag: "" }],
    ['extra_hosts: ["db:10.0.0.2", "gw=host-gateway", "v6:::1", "two=1.1.1.1,2.2.2.2"]', "extra_hosts", ["db:10.0.0.2", "gw:host-gateway", "v6:::1", "two:1.1.1.1", "two:2.2.2.2"]],
    ["extra_hosts: {db: 10.0.0.2, multi: [1.1.1.1, 2.2.2.2]}", "extra_hosts", ["db:10.0.0.2", "multi:1.1.1.1", "multi:2.2.2.2"]],
    ["stop_signal: SIGINT", "stop_signal", "SIGINT"],
    ["stop_grace_period: 1m30s", "stop_grace_period", "1m30s"],
    ["stop_grace_period: 120s", "stop_grace_period", "2m"],
    ["init: true", "init", true],
    ["read_only: 'true'", "read_only", true],
    ["tmpfs: /run", "tmpfs", ["/run"]],
    ["tmpfs: [/run, /tmp:size=64m]", "tmpfs", ["/run", "/tmp:size=64m"]],
    ["cap_add: [NET_ADMIN]", "cap_add", ["NET_ADMIN"]],
    ["cap_drop: [ALL]", "cap_drop", ["ALL"]],
    ["ulimits: {nofile: 1024, nproc: {soft: 10, hard: 20}}", "ulimits", { nofile: { soft: 1024, hard: 1024 }, nproc: { soft: 10, hard: 20 } }],
    ["profiles: [debug]", "profiles", ["debug"]],
    ["tty: true", "tty", true],
    ["stdin_open: false", "stdin_open", false],
  ])("reads %p", (line, key, expected) => {
    expect((service(line, { profiles: ["debug"] }) as Record<string, unknown>)[key]).toEqual(expected);
  });

  test.each([
    ["restart: sometimes", 'invalid restart policy "sometimes"'],
    ["restart: on-failure:x", "invalid restart policy"],
    ["init: maybe", "services.web.init: expected true or false"],
    ["container_name: 'bad name'", 'invalid container name "bad name"'],
    ["extra_hosts: [nohost]", 'invalid extra host "nohost"'],
    ["stop_grace_period: soon", 'invalid duration "soon"'],
    ["cap_add: NET_ADMIN", "services.web.cap_add: expected a list"],
    ["imgae: nginx", 'unknown key "imgae"'],
  ])("refuses %p", (line, message) => {
    expect(serviceError(line).message).toContain(message);
  });

  test("warns once per service about spec keys it does not model, sorted", () => {
    const reporter = new MemoryReporter();
    service("cpu_shares: 512\nbuild: {context: ., cache_from: [x]}\ncgroup: host\nx-custom: 1", { reporter });
    expect(reporter.warnings).toEqual(["ignoring: service web: [build.cache_from, cgroup, cpu_shares]"]);
  });

  test("suggests the right key for a misspelt one", () => {
    expect(serviceError("enviroment: {A: 1}").hint).toBe('did you mean "environment"?');
  });
});
