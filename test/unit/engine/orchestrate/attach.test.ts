import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { attachProject, lastEventId, type AttachOptions } from "../../../../src/engine/orchestrate/attach.ts";
import { parseRestartPolicy } from "../../../../src/engine/supervisor/restart-policy.ts";
import { harness, run, type Harness } from "../supervisor/harness.ts";

let h: Harness;
afterEach(async () => {
  await h.supervisor.close();
  h.cleanup();
});

const paths = () => ({ data: join(h.dir, "data"), runtime: join(h.dir, "run"), config: join(h.dir, "config") });
const attach = (o: Partial<AttachOptions> = {}) => attachProject({ project: "demo", pollMs: 5, ...o }, { paths: paths() }, () => {});

describe("attached up", () => {
  test("with --abort-on-container-exit ends when the first container exits, with its code", async () => {
    h = harness({}, { a: {}, b: {} });
    await run(h, "a");
    await run(h, "b");
    const ended = attach({ abortOnExit: true });
    await Bun.sleep(20);
    h.runtime.crash("demo-b-1", 7);
    expect(await ended).toEqual({ reason: "container exited", container: "demo-b-1", exitCode: 7 });
  });

  test("ends when every container has exited for good, with the first non-zero code", async () => {
    h = harness({}, { a: {}, b: {} });
    await run(h, "a");
    await run(h, "b");
    const ended = attach();
    h.runtime.crash("demo-a-1", 0);
    await Bun.sleep(20);
    h.runtime.crash("demo-b-1", 3);
    expect(await ended).toEqual({ reason: "all exited", exitCode: 3 });
  });

  test("keeps going while a crashed container waits for its restart, until cancelled", async () => {
    h = harness({}, { a: { restart: parseRestartPolicy("always") } });
    await run(h, "a");
    const abort = new AbortController();
    const ended = attach({ signal: abort.signal });
    h.runtime.crash("demo-a-1", 1);
    await Bun.sleep(50);
    abort.abort();
    expect(await ended).toEqual({ reason: "cancelled" });
  });

  test("--exit-code-from ends when that service exits, ignoring the others", async () => {
    h = harness({}, { a: {}, test: {} });
    await run(h, "a");
    await run(h, "test");
    const ended = attach({ exitCodeFrom: "test" });
    h.runtime.crash("demo-a-1", 9);
    await Bun.sleep(20);
    h.runtime.crash("demo-test-1", 0);
    expect(await ended).toEqual({ reason: "container exited", container: "demo-test-1", exitCode: 0 });
  });

  test("sees an exit that happened before attaching, given the event id from before up", async () => {
    h = harness({}, { a: {}, test: {} });
    const before = lastEventId("demo", { paths: paths() });
    await run(h, "a");
    await run(h, "test");
    h.runtime.crash("demo-test-1", 4);
    await Bun.sleep(10);
    expect(await attach({ exitCodeFrom: "test", afterEventId: before })).toEqual({ reason: "container exited", container: "demo-test-1", exitCode: 4 });
  });
});
