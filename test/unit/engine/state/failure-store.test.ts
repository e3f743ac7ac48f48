import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { FailureStore, MAX_PLAIN_BUILDS, OUTPUT_LINES, OUTPUT_LINE_CHARS, type BuildFailure, type StartFailure } from "../../../../src/engine/state/failure-store.ts";

let dir: string;
let store: FailureStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-failures-"));
  store = new FailureStore(openStateDb({ data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") }));
});
afterEach(() => {
  closeStateDbs();
  rmSync(dir, { recursive: true, force: true });
});

const build = (b: Partial<BuildFailure> = {}): BuildFailure => ({
  time: "2026-12-06T12:00:00.000Z",
  context: "/src/app",
  dockerfile: "/src/app/Dockerfile",
  tags: ["shop-app"],
  project: "shop",
  service: "app",
  step: { name: "[2/2] RUN make", instruction: "RUN", line: 2, command: "/bin/sh -c make", exitCode: 127, output: ["/bin/sh: 1: make: not found"] },
  error: "Dockerfile:2: …",
  ...b,
});

const start = (s: Partial<StartFailure> = {}): StartFailure => ({ time: "2026-12-06T12:00:00.000Z", service: "web", container: "shop-web-1", phase: "create", error: "boom", ...s });

describe("failure store", () => {
  test("keeps a service's last failed build until the next successful build of it", () => {
    store.recordBuild(build());
    expect(store.forProject("shop").builds.map((b) => b.step?.exitCode)).toEqual([127]);
    store.recordBuild(build({ step: { name: "[2/2] RUN make", instruction: "RUN", exitCode: 2, output: [] } }));
    expect(store.forProject("shop").builds.map((b) => b.step?.exitCode)).toEqual([2]);
    store.clearBuild({ project: "shop", service: "app", context: "/src/app", dockerfile: "/src/app/Dockerfile" });
    expect(store.forProject("shop").builds).toEqual([]);
  });

  test("a plain build is known by its context and Dockerfile, and found among all builds by its tags", () => {
    store.recordBuild(build({ project: undefined, service: undefined, tags: ["web:1"] }));
    store.recordBuild(build({ project: undefined, service: undefined, dockerfile: "/src/app/Dockerfile.dev", tags: ["web:dev"], time: "2026-12-06T12:00:01.000Z" }));
    expect(store.builds().map((b) => b.tags[0])).toEqual(["web:dev", "web:1"]);
    store.clearBuild({ context: "/src/app", dockerfile: "/src/app/Dockerfile" });
    expect(store.builds().map((b) => b.tags[0])).toEqual(["web:dev"]);
    expect(store.forProject("shop").builds).toEqual([]);
  });

  test("bounds what it keeps: the step's last lines, each clipped, and the newest plain builds", () => {
    store.recordBuild(build({ step: { name: "s", instruction: "RUN", output: Array.from({ length: 100 }, (_, i) => `${i} ${"x".repeat(2000)}`) } }));
    const out = store.forProject("shop").builds[0]!.step!.output;
    expect(out).toHaveLength(OUTPUT_LINES);
    expect(out[0]!.startsWith(`${100 - OUTPUT_LINES} `)).toBe(true);
    expect(out.every((l) => l.length <= OUTPUT_LINE_CHARS + 1)).toBe(true);
    for (let i = 0; i < MAX_PLAIN_BUILDS + 5; i++) {
      store.recordBuild(build({ project: undefined, service: undefined, context: `/ctx/${i}`, time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
    }
    const plain = store.builds().filter((b) => b.project === undefined);
    expect(plain).toHaveLength(MAX_PLAIN_BUILDS);
    expect(plain[0]!.context).toBe(`/ctx/${MAX_PLAIN_BUILDS + 4}`);
  });

  test("a start failure is the service's last failure: it replaces its failed build, and a start of that container clears it", () => {
    store.recordBuild(build({ service: "web" }));
    store.recordStart("shop", start());
    expect(store.forProject("shop")).toEqual({ builds: [], starts: [start()] });
    store.clearStart("shop", "web", "shop-web-2");
    expect(store.forProject("shop").starts).toHaveLength(1);
    store.clearStart("shop", "web", "shop-web-1");
    expect(store.forProject("shop").starts).toEqual([]);
  });

  test("a pull or secrets failure (no container) is cleared by any start of the service; down clears starts but keeps builds", () => {
    store.recordStart("shop", start({ container: undefined, phase: "pull", image: "nginx:nope" }));
    store.clearStart("shop", "web", "shop-web-3");
    expect(store.forProject("shop").starts).toEqual([]);
    store.recordStart("shop", start({ service: "api" }));
    store.recordBuild(build());
    store.clearProjectStarts("shop");
    expect(store.forProject("shop").starts).toEqual([]);
    expect(store.forProject("shop").builds).toHaveLength(1);
  });
});
