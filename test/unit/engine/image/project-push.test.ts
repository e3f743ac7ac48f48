import { describe, expect, test } from "bun:test";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { RuntimeFailure } from "../../../../src/core/errors.ts";
import { pushServiceImages } from "../../../../src/engine/image/project-push.ts";
import type { PushResult } from "../../../../src/engine/image/push.ts";

const result = (ref: string): PushResult => ({ ref, digest: `sha256:${"0".repeat(64)}`, size: 1, layers: 1, uploaded: 1, existed: 0, mounted: 0 });

describe("pushServiceImages (compose push)", () => {
  test("pushes the image and build tags of services that have both build and image; skips the rest, as docker compose does", async () => {
    const pushed: string[] = [];
    const reporter = new MemoryReporter();
    const rows = await pushServiceImages(
      {
        api: { image: "reg.example/team/api:1", build: { tags: ["reg.example/team/api:latest"] } },
        web: { image: "nginx:1.27" },
        worker: { build: "./worker" },
        tool: { image: "reg.example/team/tool:2", build: "./tool" },
      },
      { reporter, push: async (ref) => (pushed.push(ref), result(ref)) },
    );
    expect(pushed.sort()).toEqual(["reg.example/team/api:1", "reg.example/team/api:latest", "reg.example/team/tool:2"]);
    expect(rows.map((r) => [r.service, r.ref ?? r.skipped])).toEqual([
      ["api", "reg.example/team/api:1"],
      ["api", "reg.example/team/api:latest"],
      ["web", "no build"],
      ["worker", "no image"],
      ["tool", "reg.example/team/tool:2"],
    ]);
    expect(reporter.events.filter((e) => e.type === "info").map((e) => (e as { message: string }).message)).toEqual([
      "web: skipped (not built by the project)",
      "worker: skipped (no image: to push to)",
    ]);
  });

  test("the first failure is the result once the other pushes ended; with ignoreFailures it is a warning and the others are pushed", async () => {
    const services = { a: { image: "r.example/a:1", build: "." }, b: { image: "r.example/b:1", build: "." } };
    const done: string[] = [];
    const push = async (ref: string) => {
      if (ref.includes("/a:")) throw new RuntimeFailure("registry r.example is not reachable");
      await Bun.sleep(20);
      done.push(ref);
      return result(ref);
    };
    expect(pushServiceImages(services, { push })).rejects.toThrow("registry r.example is not reachable");
    await Bun.sleep(50);
    expect(done).toEqual(["r.example/b:1"]);
    const reporter = new MemoryReporter();
    const rows = await pushServiceImages(services, { push, ignoreFailures: true, reporter });
    expect(rows.map((r) => [r.service, r.error ?? r.result?.ref])).toEqual([
      ["a", "registry r.example is not reachable"],
      ["b", "r.example/b:1"],
    ]);
    expect(reporter.warnings).toEqual(["pushing a (r.example/a:1): registry r.example is not reachable"]);
  });
});
