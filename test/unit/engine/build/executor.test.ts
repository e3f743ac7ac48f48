/**
 * The executor with a fake worker behind its interface (no namespace, no runc): independent
 * stages run at the same time, a stage waits for the stages it copies from, a second build is
 * all cache hits without starting the worker, and a changed build arg re-runs only the steps
 * after it is used.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kittenPaths, type KittenPaths } from "../../../../src/core/paths.ts";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { Images } from "../../../../src/engine/image/resolver.ts";
import { parseDockerfile } from "../../../../src/engine/build/dockerfile/parser.ts";
import { toDockerfile } from "../../../../src/engine/build/dockerfile/instructions.ts";
import { planBuild } from "../../../../src/engine/build/stages.ts";
import { Executor } from "../../../../src/engine/build/executor.ts";
import type { BuildWorker } from "../../../../src/engine/build/worker-client.ts";
import type { WorkerRequest } from "../../../../src/engine/build/worker/protocol.ts";
import { closeStateDbs } from "../../../../src/engine/state/db.ts";

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

let root: string;
let paths: KittenPaths;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kitten-executor-"));
  paths = kittenPaths({ KITTEN_ROOT: root });
});
afterEach(() => {
  closeStateDbs();
  rmSync(root, { recursive: true, force: true });
});

/** A worker that records requests and makes a layer (dir + blob) per step, optionally holding RUNs until `release`. */
function fakeWorker(images: Images, hold = 0) {
  const requests: WithoutId<WorkerRequest>[] = [];
  let waiting: (() => void)[] = [];
  let starts = 0;
  let held = 0;
  const worker: BuildWorker = {
    async send(req) {
      requests.push(req);
      if (req.op === "run" && held++ < hold) {
        // the first `hold` RUNs are held until all of them are in flight at once: only parallel stages get there
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === hold) {
            for (const w of waiting) w();
            waiting = [];
          }
        });
      }
      const diffId = `sha256:${new Bun.CryptoHasher("sha256").update(JSON.stringify(req) + requests.length).digest("hex")}`;
      images.store.ensureDirs();
      mkdirSync(images.store.layerPath(diffId), { recursive: true });
      writeFileSync(images.store.blobPath(diffId), "layer");
      return { diffId, size: 5 };
    },
    async close() {},
  };
  return { worker, requests, starts: () => starts, startWorker: async () => (starts++, { worker, runtimeDir: join(root, "run") }) };
}

function executor(text: string, buildArgs: Record<string, string>, fake: ReturnType<typeof fakeWorker>, images: Images, reporter = new MemoryReporter()) {
  const dockerfile = toDockerfile(parseDockerfile(text));
  const usedArgs = new Set<string>();
  const args = new Map(Object.entries(buildArgs));
  const platform = { os: "linux", architecture: "amd64" };
  const plan = planBuild(dockerfile, { buildArgs: args, platform, usedArgs });
  return new Executor(
    { dockerfile, plan, context: root, ignoreLines: [], buildArgs: args, usedArgs, platform, noCache: false, pull: false, secrets: {}, network: "default", extraHosts: [], namedContexts: {}, runtime: "runc" },
    { paths, reporter, images, startWorker: fake.startWorker },
  );
}

const DOCKERFILE = `FROM scratch AS a
RUN build a
FROM scratch AS b
RUN build b
FROM scratch
ARG FLAVOUR=plain
COPY --from=a /a /a
COPY --from=b /b /b
RUN echo $FLAVOUR
`;

describe("the build executor", () => {
  test("runs independent stages at the same time and a stage after the stages it copies from", async () => {
    const images = new Images({ paths });
    const fake = fakeWorker(images, 2);
    const result = await executor(DOCKERFILE, {}, fake, images).run();
    expect(result.layers).toHaveLength(3);
    const ops = fake.requests.map((r) => (r.op === "run" ? `run ${r.argv.at(-1)}` : r.op === "copy" ? `copy ${r.dest}` : r.op));
    // both stage RUNs were in flight together (the fake held each until the other arrived)
    expect(ops.slice(0, 2).sort()).toEqual(["run build a", "run build b"]);
    expect(ops.slice(2)).toEqual(["copy /a", "copy /b", "run echo $FLAVOUR"]);
    expect(fake.starts()).toBe(1);
  });

  test("the worker first removes the work dirs of builds that were killed, and no live build's", async () => {
    const images = new Images({ paths });
    const tmp = join(paths.data, "build", "tmp");
    for (const d of ["999999999-dead", "secrets-999999998-dead", `${process.pid}-live`, "notabuild"]) mkdirSync(join(tmp, d), { recursive: true });
    const fake = fakeWorker(images);
    await executor(DOCKERFILE, {}, fake, images).run();
    expect(fake.requests[0]).toMatchObject({ op: "remove" });
    expect((fake.requests[0] as { paths: string[] }).paths.sort()).toEqual([join(tmp, "999999999-dead"), join(tmp, "secrets-999999998-dead")]);
    expect(fake.requests.filter((r) => r.op === "remove")).toHaveLength(1);
  });

  test("a second build is all cache hits and never starts the worker; a changed arg re-runs only what uses it", async () => {
    const images = new Images({ paths });
    const first = await executor(DOCKERFILE, {}, fakeWorker(images), images).run();
    const again = fakeWorker(images);
    const reporter = new MemoryReporter();
    const second = await executor(DOCKERFILE, {}, again, images, reporter).run();
    expect(again.starts()).toBe(0);
    expect(second.layers).toEqual(first.layers);
    expect(reporter.events.filter((e) => e.type === "build-step" && e.status === "cached")).toHaveLength(5);
    const changed = fakeWorker(images);
    const third = await executor(DOCKERFILE, { FLAVOUR: "mint" }, changed, images).run();
    expect(changed.requests.map((r) => r.op)).toEqual(["run"]);
    expect(changed.requests[0]!.op === "run" && changed.requests[0]!.env).toContain("FLAVOUR=mint");
    expect(third.layers.slice(0, 2)).toEqual(first.layers.slice(0, 2));
    expect(third.layers[2]).not.toEqual(first.layers[2]);
  });
});
