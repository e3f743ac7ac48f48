import { describe, expect, test } from "bun:test";
import { evidenceFromState, isFailing, recordLines, type StateSnapshot } from "../../../src/ai/diagnose/state-source.ts";
import { analyze } from "../../../src/ai/diagnose/analyzers.ts";
import type { ContainerRecord, ProjectEvent } from "../../../src/engine/state/project-store.ts";
import type { Project } from "../../../src/engine/compose/model.ts";

const project: Project = {
  name: "shop",
  services: {
    api: { image: "python:3.12-slim", environment: { DB_PASSWORD: "pw" }, ports: [], depends_on: { db: { condition: "service_started", required: true } } },
    db: { image: "postgres:16", environment: {}, ports: [] },
    web: { image: "nginx:alpine", environment: {}, ports: [] },
  },
  networks: {},
  volumes: {},
};

const record = (over: Partial<ContainerRecord> & Pick<ContainerRecord, "name" | "service">): ContainerRecord => ({
  project: "shop",
  replica: 1,
  image: "x",
  status: "running",
  restarts: 0,
  health: "none",
  manualStop: false,
  ...over,
});

let id = 0;
const event = (container: string, action: ProjectEvent["action"], time: string, extra: Partial<ProjectEvent> = {}): ProjectEvent => ({ id: ++id, time, project: "shop", container, action, ...extra });

describe("evidence from the orchestration state", () => {
  const snapshot: StateSnapshot = {
    project,
    containers: [
      record({ name: "shop-api-1", service: "api", status: "exited", exitCode: 137, restarts: 3 }),
      record({ name: "shop-db-1", service: "db", status: "exited", exitCode: 1 }),
      record({ name: "shop-web-1", service: "web", status: "running", health: "unhealthy", healthLog: [{ start: "t", end: "t", exitCode: 1, output: "wget: can't connect" }] }),
    ],
    events: [
      event("shop-api-1", "restart", "2026-11-23T20:00:00Z"),
      event("shop-api-1", "restart", "2026-11-23T20:00:05Z"),
      event("shop-api-1", "oom", "2026-11-23T20:00:09.900Z"),
      event("shop-api-1", "die", "2026-11-23T20:00:10Z", { exitCode: 137 }),
    ],
    logTail: (c) => (c.service === "db" ? ["Error: Database is uninitialized and superuser password is not specified."] : []),
  };

  test("takes the failing, restarting and unhealthy containers, with their config and dependencies", () => {
    const evidence = evidenceFromState(snapshot, []);
    expect(evidence.map((e) => e.container)).toEqual(["shop-api-1", "shop-db-1", "shop-web-1"]);
    const api = evidence[0]!;
    expect(api).toMatchObject({ state: "exited", exitCode: 137, signal: "SIGKILL", oomKilled: true, restartCount: 3 });
    expect(api.restartTimes).toEqual([Date.parse("2026-11-23T20:00:00Z"), Date.parse("2026-11-23T20:00:05Z")]);
    expect(api.config.environment.DB_PASSWORD).toBe("pw");
    expect(api.dependencies.find((d) => d.service === "db")).toEqual({ service: "db", image: "postgres:16", state: "exited", exitCode: 1, condition: "service_started" });
    expect(evidence[2]!.health).toEqual({ status: "unhealthy", lastOutput: "wget: can't connect", lastExitCode: 1 });
  });

  test("feeds the analyzers: OOM for api, the missing password for db", () => {
    const [api, db] = evidenceFromState(snapshot, ["api", "db"]);
    expect(analyze(api!)[0]?.rule).toBe("oom");
    expect(analyze(db!)[0]?.cause).toBe("required environment variable POSTGRES_PASSWORD is not set");
  });

  test("leaves healthy and cleanly exited containers out", () => {
    expect(isFailing(record({ name: "a", service: "a", status: "exited", exitCode: 0 }))).toBe(false);
    expect(isFailing(record({ name: "a", service: "a", status: "running" }))).toBe(false);
    expect(evidenceFromState(snapshot, ["nothing"])).toEqual([]);
  });

  test("joins partial log records into lines, per stream", () => {
    const records = [
      { stream: "stderr", text: "sh: " },
      { stream: "stdout", text: "starting\n" },
      { stream: "stderr", text: "pythn: not found\n" },
      { stream: "stdout", text: "no newline at the end" },
    ];
    expect(recordLines(records)).toEqual(["starting", "sh: pythn: not found", "no newline at the end"]);
  });
});

describe("evidence from failed starts", () => {
  const base = { project, events: [], logTail: () => [] };

  test("a running container whose post_start hook failed is diagnosed, with where the error came from", () => {
    const snap: StateSnapshot = {
      ...base,
      containers: [record({ name: "shop-web-1", service: "web", status: "running" })],
      starts: [{ time: "t", service: "web", container: "shop-web-1", phase: "post_start", error: 'container "shop-web-1": post_start hook `/warm` exited with status 3' }],
    };
    const [web] = evidenceFromState(snap, []);
    expect(web).toMatchObject({ container: "shop-web-1", state: "running", startPhase: "post_start", startError: 'container "shop-web-1": post_start hook `/warm` exited with status 3' });
  });

  test("a failure that left no container (a create, a pull, the secrets) is diagnosed as not created, for known services only", () => {
    const snap: StateSnapshot = {
      ...base,
      containers: [],
      starts: [
        { time: "t", service: "api", container: "shop-api-1", phase: "create", error: "open /proc/sys/net/ipv4/x: no such file or directory" },
        { time: "t", service: "db", phase: "secrets", error: 'secret "pw": file /x not found' },
        { time: "t", service: "gone", phase: "pull", error: "manifest unknown" },
      ],
      limitsWarning: (service) => (service === "api" ? "memory=1 not enforced" : undefined),
    };
    const evidence = evidenceFromState(snap, []);
    expect(evidence.map((e) => [e.service, e.container, e.state, e.startPhase])).toEqual([
      ["api", "shop-api-1", "not created", "create"],
      ["db", "", "not created", "secrets"],
    ]);
    expect(evidence[0]!.limitsNotEnforced).toBe("memory=1 not enforced");
    expect(evidenceFromState(snap, ["db"]).map((e) => e.service)).toEqual(["db"]);
  });
});
