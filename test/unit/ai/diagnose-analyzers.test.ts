import { describe, expect, test } from "bun:test";
import { analyze, startErrorFinding, type Finding } from "../../../src/ai/diagnose/analyzers.ts";
import type { ContainerEvidence } from "../../../src/ai/diagnose/evidence.ts";

function evidence(over: Omit<Partial<ContainerEvidence>, "config"> & { config?: Partial<ContainerEvidence["config"]> }): ContainerEvidence {
  const { config, ...rest } = over;
  return {
    service: "api",
    container: "shop-api-1",
    state: "exited",
    restartCount: 0,
    logs: [],
    dependencies: [],
    ...rest,
    config: { image: "python:3.12-slim", environment: {}, ports: [], ...config },
  };
}

interface Case {
  name: string;
  evidence: ContainerEvidence;
  rule: string;
  cause: string | RegExp;
  evidenceIncludes?: string;
  fixIncludes?: string;
  confidence?: Finding["confidence"];
}

const CASES: Case[] = [
  {
    name: "a shell that cannot find the command (exit 127)",
    evidence: evidence({ exitCode: 127, logs: ["/bin/sh: 1: pythn: not found"], config: { command: ["sh", "-c", "pythn app.py"] } }),
    rule: "exit-127",
    cause: 'command not found: "pythn"',
    evidenceIncludes: "/bin/sh: 1: pythn: not found",
    fixIncludes: '["sh","-c","pythn app.py"]',
    confidence: "high",
  },
  {
    name: "the runtime failing to exec a missing binary",
    evidence: evidence({ state: "created", startError: 'runc create failed: unable to start container process: exec: "gunicorn": executable file not found in $PATH', config: { command: ["gunicorn", "app:app"] } }),
    rule: "exit-127",
    cause: 'command not found: "gunicorn"',
  },
  {
    name: "bash's command not found",
    evidence: evidence({ exitCode: 127, logs: ["bash: line 1: flask: command not found"] }),
    rule: "exit-127",
    cause: 'command not found: "flask"',
  },
  {
    name: "a shell error whose prefix went to another log record",
    evidence: evidence({ exitCode: 127, logs: ["pythn: not found"], config: { command: ["sh", "-c", "pythn app.py"] } }),
    rule: "exit-127",
    cause: 'command not found: "pythn"',
  },
  {
    name: "a script without the executable bit (exit 126)",
    evidence: evidence({ exitCode: 126, logs: ["/bin/sh: 1: ./start.sh: Permission denied"], config: { command: ["sh", "-c", "./start.sh"] } }),
    rule: "exit-126",
    cause: "the command is not executable (exit 126)",
    fixIncludes: "chmod +x",
  },
  {
    name: "a binary for another architecture",
    evidence: evidence({ exitCode: 126, logs: ["exec /app/server: exec format error"] }),
    rule: "exit-126",
    cause: /another CPU architecture/,
  },
  {
    name: "an OOM kill",
    evidence: evidence({ exitCode: 137, signal: "SIGKILL", oomKilled: true, config: { deploy: { resources: { limits: { memory: "67108864" } } } } }),
    rule: "oom",
    cause: "killed for running out of memory at its limit (deploy.resources.limits.memory: 64 MiB)",
    fixIncludes: "deploy.resources.limits.memory",
    confidence: "high",
  },
  {
    name: "a SIGKILL without an OOM flag",
    evidence: evidence({ exitCode: 137, logs: ["worker started"] }),
    rule: "exit-137",
    cause: /killed with SIGKILL \(exit 137\)/,
    confidence: "medium",
  },
  {
    name: "a segfault (exit 139)",
    evidence: evidence({ exitCode: 139, logs: ["Segmentation fault (core dumped)"] }),
    rule: "exit-139",
    cause: "crashed with a segmentation fault (exit 139)",
    evidenceIncludes: "Segmentation fault (core dumped)",
  },
  {
    name: "nginx failing to bind its port",
    evidence: evidence({ service: "web", exitCode: 1, logs: ["2026/11/23 19:00:00 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)", "nginx: [emerg] still could not bind()"], config: { image: "nginx:alpine" } }),
    rule: "address-in-use",
    cause: "address already in use (port 80)",
  },
  {
    name: "node's EADDRINUSE",
    evidence: evidence({ exitCode: 1, logs: ["Error: listen EADDRINUSE: address already in use :::3000", "    at Server.setupListenHandle [as _listen2] (node:net:1817:16)"] }),
    rule: "address-in-use",
    cause: "address already in use (port 3000)",
  },
  {
    name: "postgres without a password",
    evidence: evidence({
      service: "db",
      exitCode: 1,
      config: { image: "postgres:16-alpine" },
      logs: [
        "Error: Database is uninitialized and superuser password is not specified.",
        "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
        '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
      ],
    }),
    rule: "missing-env",
    cause: "required environment variable POSTGRES_PASSWORD is not set",
    evidenceIncludes: 'service "db" (image postgres:16-alpine) has no POSTGRES_PASSWORD in its environment',
    fixIncludes: 'set POSTGRES_PASSWORD in the environment of service "db"',
    confidence: "high",
  },
  {
    name: "mysql without a root password",
    evidence: evidence({
      service: "db",
      exitCode: 1,
      config: { image: "mysql:8.4" },
      logs: ["2026-11-23 19:00:00+00:00 [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified", "    You need to specify one of the following as an environment variable:", "    - MYSQL_ROOT_PASSWORD"],
    }),
    rule: "missing-env",
    cause: "required environment variable MYSQL_ROOT_PASSWORD is not set",
  },
  {
    name: "an app naming the variable it lacks",
    evidence: evidence({ exitCode: 1, logs: ["Traceback (most recent call last):", "RuntimeError: environment variable API_TOKEN is not set"] }),
    rule: "missing-env",
    cause: "required environment variable API_TOKEN is not set",
    fixIncludes: "a secret",
  },
  {
    name: "a refused connection to a dependency that is still starting",
    evidence: evidence({
      exitCode: 1,
      restartCount: 1,
      logs: ['psycopg2.OperationalError: connection to server at "db" (10.89.0.2), port 5432 failed: Connection refused'],
      config: { depends_on: { db: { condition: "service_started", required: true } } },
      dependencies: [{ service: "db", image: "postgres:16", state: "running", healthy: undefined }],
    }),
    rule: "connection-refused",
    cause: 'connection refused by the dependency "db" on port 5432',
    fixIncludes: "use condition service_healthy for db",
    confidence: "high",
  },
  {
    name: "a refused connection to an IP, matched to the dependency by its port",
    evidence: evidence({ exitCode: 1, logs: ["Error: connect ECONNREFUSED 10.0.0.3:6379"], dependencies: [{ service: "cache", image: "redis:7-alpine", state: "exited", exitCode: 1 }] }),
    rule: "connection-refused",
    cause: 'connection refused by the dependency "cache" on port 6379',
    evidenceIncludes: "cache is exited (exit code 1)",
    fixIncludes: "kitten diagnose cache",
  },
  {
    name: "a dependency not declared in depends_on",
    evidence: evidence({ exitCode: 1, logs: ["redis.exceptions.ConnectionError: Error 111 connecting to cache:6379. Connection refused."], dependencies: [{ service: "cache", state: "running" }] }),
    rule: "connection-refused",
    cause: 'connection refused by the dependency "cache" on port 6379',
    fixIncludes: "add depends_on: cache",
  },
  {
    name: "a refusal whose dependency is named on the line before",
    evidence: evidence({ exitCode: 1, logs: ["connecting to db:5432", "nc: can't connect to remote host (10.89.0.3): Connection refused"], dependencies: [{ service: "db", state: "running" }] }),
    rule: "connection-refused",
    cause: 'connection refused by the dependency "db" on port 5432',
    evidenceIncludes: "connecting to db:5432",
  },
  {
    name: "busybox failing to resolve a dependency",
    evidence: evidence({ exitCode: 1, logs: ["connecting to db:5432", "nc: bad address 'db'"], dependencies: [{ service: "db", state: "running" }] }),
    rule: "connection-refused",
    cause: 'cannot resolve the dependency "db"',
    fixIncludes: "both must share a network",
  },
  {
    name: "a host name that is no service",
    evidence: evidence({ exitCode: 1, logs: ["getaddrinfo ENOTFOUND database"], dependencies: [{ service: "db", state: "running" }] }),
    rule: "connection-refused",
    cause: "cannot resolve a host name it connects to",
    fixIncludes: "services reach each other by service name (db)",
  },
  {
    name: "an image that does not exist",
    evidence: evidence({ state: "created", startError: "pull docker.io/library/nginx:does-not-exist: manifest unknown", config: { image: "nginx:does-not-exist" } }),
    rule: "image-missing",
    cause: 'the image "nginx:does-not-exist" cannot be pulled',
  },
  {
    name: "an entrypoint missing from the image",
    evidence: evidence({ state: "created", startError: 'exec: "/docker-entrypoint.sh": stat /docker-entrypoint.sh: no such file or directory', config: { entrypoint: ["/docker-entrypoint.sh"] } }),
    rule: "entrypoint-missing",
    cause: '"/docker-entrypoint.sh" does not exist in the image',
  },
  {
    name: "a crash loop",
    evidence: evidence({ state: "restarting", exitCode: 1, restartCount: 5, restartTimes: [0, 2000, 6000, 14000, 30000].map((t) => 1_700_000_000_000 + t), logs: ["boom"], config: { restart: "always" } }),
    rule: "crash-loop",
    cause: "crash loop: restarted 5 times in 30s",
  },
  {
    name: "a failing healthcheck",
    evidence: evidence({ state: "running", health: { status: "unhealthy", failingStreak: 4, lastOutput: "sh: curl: not found\n" }, config: { healthcheck: { test: ["CMD-SHELL", "curl -f http://localhost/"] } } }),
    rule: "healthcheck",
    cause: "the healthcheck fails (4 times in a row)",
    evidenceIncludes: "sh: curl: not found",
  },
  {
    name: "a crash no rule knows, quoting the error lines",
    evidence: evidence({ exitCode: 3, logs: ["starting", "Traceback (most recent call last):", '  File "/app/main.py", line 3, in <module>', "ValueError: invalid literal for int() with base 10: 'x'"] }),
    rule: "generic",
    cause: "exited with code 3",
    evidenceIncludes: "ValueError: invalid literal for int() with base 10: 'x'",
    confidence: "low",
  },
];

describe("diagnose analyzers", () => {
  test.each(CASES.map((c) => [c.name, c] as const))("name the cause of %s", (_name, c) => {
    const findings = analyze(c.evidence);
    const f = findings.find((x) => x.rule === c.rule);
    expect(f, `rules found: ${findings.map((x) => x.rule).join(", ")}`).toBeDefined();
    if (!f) return;
    if (typeof c.cause === "string") expect(f.cause).toBe(c.cause);
    else expect(f.cause).toMatch(c.cause);
    if (c.evidenceIncludes) expect(f.evidence.join("\n")).toContain(c.evidenceIncludes);
    if (c.fixIncludes) expect(f.fix).toContain(c.fixIncludes);
    if (c.confidence) expect(f.confidence).toBe(c.confidence);
    expect(f.fix.length).toBeGreaterThan(10);
  });

  test("puts the cause before the crash loop it produces", () => {
    const findings = analyze(evidence({ exitCode: 127, restartCount: 4, logs: ["/bin/sh: 1: pythn: not found"] }));
    expect(findings.map((f) => f.rule)).toEqual(["exit-127", "crash-loop"]);
  });

  test("uses the fallback only when no rule names a cause", () => {
    expect(analyze(evidence({ exitCode: 127, logs: ["sh: x: not found"] })).map((f) => f.rule)).toEqual(["exit-127"]);
    expect(analyze(evidence({ exitCode: 2, logs: [] })).map((f) => f.rule)).toEqual(["generic"]);
  });

  test("does not call restarts spread over hours a crash loop", () => {
    const hour = 3_600_000;
    const findings = analyze(evidence({ exitCode: 1, restartCount: 3, restartTimes: [0, hour, 2 * hour] }));
    expect(findings.map((f) => f.rule)).not.toContain("crash-loop");
  });

  test("finds a catalog-required variable missing from the config even before any log line", () => {
    const [f] = analyze(evidence({ service: "db", state: "exited", exitCode: 1, config: { image: "mariadb:11" } }));
    expect(f?.cause).toBe("required environment variable MARIADB_ROOT_PASSWORD is not set");
  });

  test("accepts an image's alternative to its required variable", () => {
    const findings = analyze(evidence({ service: "db", exitCode: 1, config: { image: "postgres:16", environment: { POSTGRES_HOST_AUTH_METHOD: "trust" } } }));
    expect(findings.map((f) => f.rule)).toEqual(["generic"]);
  });

  test("explains an error that kept a container from starting", () => {
    const message = 'container "ep-app-1": runc create failed: unable to start container process: exec: "/app/start.sh": stat /app/start.sh: no such file or directory';
    const f = startErrorFinding("app", { image: "busybox", command: ["/app/start.sh"], environment: {}, ports: [] }, message);
    expect(f?.cause).toBe('"/app/start.sh" does not exist in the image');
    expect(f?.fix).toContain('["/app/start.sh"]');
    expect(startErrorFinding("app", { image: "busybox", environment: {}, ports: [] }, "disk full")).toBeUndefined();
  });
});
