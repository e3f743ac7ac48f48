/**
 * Restart policies applied by conmon's exit command when no supervisor runs (exit-policy.ts),
 * against a real sqlite store, a fake clock and a fake lock: what it records, when it restarts,
 * and how it leaves things to a live supervisor — or takes over when that one dies.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ProjectStore } from "../../../../src/engine/state/project-store.ts";
import { applyExitPolicy, storedRestartPolicy, type ExitPolicyDeps, type ExitOutcome } from "../../../../src/engine/supervisor/exit-policy.ts";
import { FakeClock, flush } from "./fake-clock.ts";

let dir: string;
let store: ProjectStore;
let clock: FakeClock;
let calls: string[];
let supervisor: boolean;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-exit-"));
  store = new ProjectStore(openStateDb({ data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") }));
  clock = new FakeClock();
  calls = [];
  supervisor = false;
});

afterEach(() => {
  closeStateDbs();
  rmSync(dir, { recursive: true, force: true });
});

function project(restart?: string) {
  store.saveProject({ name: "demo", workingDir: "/", configFiles: [], config: { name: "demo", services: { app: restart ? { restart } : {} } } });
  store.putContainer({
    name: "demo-app-1",
    project: "demo",
    service: "app",
    replica: 1,
    image: "img",
    status: "running",
    restarts: 0,
    health: "none",
    manualStop: false,
    startedAt: new Date(clock.now() - 1000).toISOString(),
  });
}

function deps(code: number | undefined): ExitPolicyDeps {
  return {
    store,
    project: "demo",
    container: "demo-app-1",
    exit: { code, finishedAt: new Date(clock.now()).toISOString() },
    // the lock is free exactly when no supervisor runs
    claim: async () => (supervisor ? undefined : { release: () => void calls.push("unlock") }),
    supervisorAnswers: async () => supervisor,
    restartInPlace: async () => (calls.push("restart"), 42),
    releasePorts: async () => void calls.push("release ports"),
    clock,
  };
}

const actions = () => store.listEvents({ project: "demo" }).map((e) => [e.action, e.exitCode, e.detail].filter((x) => x !== undefined).join(" "));

test("restart: always restarts the container in place after the backoff, with no supervisor", async () => {
  project("always");
  const done = applyExitPolicy(deps(3));
  await flush();
  expect(store.getContainer("demo-app-1")).toMatchObject({ status: "restarting", exitCode: 3, restarts: 1, backoffMs: 100 });
  expect(calls).toEqual(["unlock"]);
  await clock.advance(100);
  expect(await done).toBe("restarted");
  expect(calls).toEqual(["unlock", "restart", "unlock"]);
  expect(store.getContainer("demo-app-1")).toMatchObject({ status: "running", pid: 42, restarts: 1, backoffMs: 100 });
  expect(store.getContainer("demo-app-1")?.restartAt).toBeUndefined();
  expect(actions()).toEqual(["die 3", "restart in 100ms (restart 1, no supervisor running)", "start"]);
});

test("the backoff carried in the record doubles", async () => {
  project("always");
  store.updateContainer("demo-app-1", { restarts: 4, backoffMs: 1600 });
  const done = applyExitPolicy(deps(1));
  await flush();
  expect(store.getContainer("demo-app-1")).toMatchObject({ restarts: 5, backoffMs: 3200 });
  await clock.advance(3200);
  expect(await done).toBe("restarted");
});

test("restart: no leaves it down and releases its ports", async () => {
  project();
  expect(await applyExitPolicy(deps(0))).toBe("stays down");
  expect(store.getContainer("demo-app-1")).toMatchObject({ status: "exited", exitCode: 0 });
  expect(calls).toEqual(["release ports", "unlock"]);
});

test("an unknown exit code counts as a failure for on-failure", async () => {
  project("on-failure");
  const done = applyExitPolicy(deps(undefined));
  await clock.advance(100);
  expect(await done).toBe("restarted");
});

test("a container a user stopped is left alone, without taking the lock", async () => {
  project("always");
  store.updateContainer("demo-app-1", { manualStop: true });
  expect(await applyExitPolicy(deps(143))).toBe("left alone");
  expect(calls).toEqual([]);
});

test("with a live supervisor it only waits until the supervisor has dealt with the exit", async () => {
  project("always");
  supervisor = true;
  const d = deps(1);
  let outcome: ExitOutcome | undefined;
  void applyExitPolicy(d).then((o) => (outcome = o));
  await clock.advance(1000);
  expect(outcome).toBeUndefined();
  // the supervisor restarts it: a run that started after this exit
  clock.advance(10);
  store.updateContainer("demo-app-1", { status: "running", startedAt: new Date(clock.now() + 5).toISOString() });
  await clock.advance(300);
  expect(outcome).toBe("supervisor");
  expect(calls).toEqual([]);
});

test("takes over a restart a supervisor decided and then died during its delay", async () => {
  project("always");
  supervisor = true;
  let outcome: ExitOutcome | undefined;
  void applyExitPolicy(deps(1)).then((o) => (outcome = o));
  await clock.advance(250);
  // the supervisor records its decision, then is killed
  store.updateContainer("demo-app-1", { status: "restarting", restarts: 1, backoffMs: 400, restartAt: new Date(clock.now() + 400).toISOString() });
  supervisor = false;
  await clock.advance(250);
  expect(calls).toEqual(["unlock"]);
  await clock.advance(400);
  expect(outcome).toBe("restarted");
  expect(store.getContainer("demo-app-1")).toMatchObject({ status: "running", restarts: 1 });
});

test("reads a service's restart policy from the stored project", () => {
  expect(storedRestartPolicy({ services: { a: { restart: "always" } } }, "a")).toBe("always");
  expect(storedRestartPolicy({ services: { a: {} } }, "a")).toBeUndefined();
  expect(storedRestartPolicy(null, "a")).toBeUndefined();
});

test("a down while the backoff runs: the restart is dropped and no lock is taken again", async () => {
  project("always");
  const d = deps(3);
  let claims = 0;
  const claim = d.claim;
  d.claim = async () => (claims++, claim());
  const done = applyExitPolicy(d);
  await flush();
  expect(claims).toBe(1);
  store.removeProject("demo");
  await clock.advance(100);
  expect(await done).toBe("unknown");
  // taking the lock would have made the supervisor lock file again after down removed it
  expect(claims).toBe(1);
  expect(calls).toEqual(["unlock"]);
});
