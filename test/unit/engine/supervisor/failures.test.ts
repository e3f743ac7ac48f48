/** The supervisor records what a failed create, start or post_start leaves for diagnose, and a good start clears it. */
import { afterEach, describe, expect, test } from "bun:test";
import { FailureStore } from "../../../../src/engine/state/failure-store.ts";
import { ProjectSupervisor } from "../../../../src/engine/supervisor/supervisor.ts";
import { harness, spec, type Harness } from "./harness.ts";

let h: Harness;
afterEach(() => h.cleanup());

function withFailures(programs: Parameters<typeof harness>[0], policies: Parameters<typeof harness>[1]): { sup: ProjectSupervisor; failures: FailureStore } {
  h = harness(programs, policies);
  const failures = new FailureStore(h.store.db);
  const sup = new ProjectSupervisor({ project: "demo", runtime: h.runtime, store: h.store, clock: h.clock, reporter: h.reporter, policy: (s) => h.policies[s], failures });
  return { sup, failures };
}

describe("failures the supervisor records", () => {
  test("a create the runtime refuses, with the service and container", async () => {
    const { sup, failures } = withFailures({ web: { failCreate: 'container "demo-web-1": device /dev/ttyUSB0: permission denied for user kittest' } }, { web: {} });
    await expect(sup.create(spec("web"))).rejects.toThrow("permission denied");
    expect(failures.forProject("demo").starts).toMatchObject([{ service: "web", container: "demo-web-1", phase: "create", error: 'container "demo-web-1": device /dev/ttyUSB0: permission denied for user kittest' }]);
  });

  test("a post_start hook that fails, and its clearing by the next start whose hooks pass", async () => {
    let fail = true;
    const { sup, failures } = withFailures(
      { web: { exec: () => (fail ? { exitCode: 3, stdout: "", stderr: "warm-up failed\n" } : { exitCode: 0, stdout: "", stderr: "" }) } },
      { web: { postStart: [{ command: ["/warm-up"] }] } },
    );
    await sup.create(spec("web"));
    await expect(sup.start("demo-web-1")).rejects.toThrow("post_start hook `/warm-up` exited with status 3: warm-up failed");
    expect(failures.forProject("demo").starts).toMatchObject([{ service: "web", container: "demo-web-1", phase: "post_start", code: "hook_failed" }]);
    fail = false;
    await sup.stop("demo-web-1", 0);
    await sup.start("demo-web-1");
    expect(failures.forProject("demo").starts).toEqual([]);
    await sup.close();
  });
});
