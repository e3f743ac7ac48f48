import { describe, expect, test } from "bun:test";
import { eventLine, renderProjects, renderPs, statusText, type PsRenderRow } from "../../../src/cli/render/project.ts";
import { renderStats } from "../../../src/cli/render/usage.ts";
import type { ContainerRecord } from "../../../src/engine/state/project-store.ts";

const now = Date.parse("2026-01-01T01:00:00Z");
const c = (r: Partial<PsRenderRow>): PsRenderRow => ({
  name: "demo-web-1",
  project: "demo",
  service: "web",
  replica: 1,
  image: "nginx",
  status: "running",
  restarts: 0,
  health: "none",
  manualStop: false,
  startedAt: "2026-01-01T00:59:30Z",
  ...r,
});

describe("project rendering", () => {
  test.each([
    [c({}), "Up 30 seconds"],
    [c({ health: "healthy", startedAt: "2026-01-01T00:50:00Z" }), "Up 10 minutes (healthy)"],
    [c({ status: "exited", exitCode: 3, finishedAt: "2026-01-01T00:00:00Z" }), "Exited (3) 1 hour ago"],
    [c({ status: "paused" }), "Up 30 seconds (paused)"],
    [c({ status: "created", startedAt: undefined }), "Created"],
    [c({ startedAt: "2026-01-01T01:00:00Z" }), "Up less than a second"],
  ])("status of %#: %s", (rec, text) => {
    expect(statusText(rec, now)).toBe(text);
  });

  test("ps shows docker compose's columns, the command quoted and cut to 20 characters", () => {
    const rows = [
      c({ restarts: 2, command: "nginx -g daemon off;", createdAt: "2026-01-01T00:59:00Z", ports: [{ hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" }] }),
      c({ name: "demo-db-1", service: "db", image: "postgres", command: "docker-entrypoint.sh postgres", status: "exited", exitCode: 0, finishedAt: "2026-01-01T00:59:00Z" }),
    ];
    expect(renderPs(rows, now)).toBe(
      [
        "NAME        IMAGE     COMMAND                 SERVICE  CREATED       STATUS                   PORTS",
        'demo-web-1  nginx     "nginx -g daemon off;"  web      1 minute ago  Up 30 seconds            127.0.0.1:8080->80/tcp',
        'demo-db-1   postgres  "docker-entrypoint.s…"  db                     Exited (0) 1 minute ago',
        "",
      ].join("\n"),
    );
    expect(renderPs(rows.slice(1), now, { noTrunc: true })).toContain('"docker-entrypoint.sh postgres"');
  });

  test("ls counts containers by state", () => {
    expect(renderProjects([{ name: "demo", configFiles: ["/p/compose.yaml"], counts: { running: 2, exited: 1 } }])).toBe(
      "NAME  STATUS                 CONFIG FILES\ndemo  running(2), exited(1)  /p/compose.yaml\n",
    );
  });

  test("an event line names the action, container and attributes", () => {
    expect(eventLine({ id: 1, time: "2026-01-01T00:00:00.000Z", project: "demo", service: "web", container: "demo-web-1", action: "die", exitCode: 1 })).toBe(
      "2026-01-01T00:00:00.000Z container die demo-web-1 (service=web, exitCode=1)",
    );
  });

  test("stats prints CPU percent and memory in binary units", () => {
    expect(renderStats([{ container: "demo-web-1", cpuPercent: 12.345, memoryKb: 20480, pids: 3 }])).toBe(
      "NAME        CPU %   MEM USAGE  PIDS\ndemo-web-1  12.35%  20.00MiB   3\n",
    );
  });
});
