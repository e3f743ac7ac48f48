/** What diagnose finds in a failed build's context, and how a failed build reads as text. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEvidence } from "../../../src/ai/diagnose/build-source.ts";
import { analyzeBuild } from "../../../src/ai/diagnose/build-analyzers.ts";
import { renderDiagnosis } from "../../../src/cli/commands/diagnose.ts";
import type { BuildFailure } from "../../../src/engine/state/failure-store.ts";

let ctx: string;
beforeAll(() => {
  ctx = mkdtempSync(join(tmpdir(), "kitten-diag-ctx-"));
  mkdirSync(join(ctx, "app"));
  writeFileSync(join(ctx, "app", "requirements.txt"), "flask\n");
  writeFileSync(join(ctx, "package.json"), "{}\n");
  writeFileSync(join(ctx, ".dockerignore"), "node_modules\n*.json\n");
});
afterAll(() => rmSync(ctx, { recursive: true, force: true }));

const failure = (output: string[]): BuildFailure => ({
  time: "t",
  context: ctx,
  dockerfile: join(ctx, "Dockerfile"),
  tags: ["shop-api"],
  project: "shop",
  service: "api",
  step: { name: "[3/4] RUN x", instruction: "RUN", line: 3, original: "RUN x", command: "/bin/sh -c x", exitCode: 1, output },
  error: "Dockerfile:3: …",
});

describe("a missing file, looked up in the build context", () => {
  test("in the context under the path the image used: COPY it first", () => {
    const b = buildEvidence(failure(["ERROR: Could not open requirements file: [Errno 2] No such file or directory: '/srv/app/requirements.txt'"]));
    expect(b.contextFiles).toEqual([{ path: "/srv/app/requirements.txt", relative: "app/requirements.txt", inContext: true }]);
    expect(analyzeBuild(b)[0]!.fix).toContain("COPY app/requirements.txt into the image before this step");
  });

  test("in the context but excluded by .dockerignore: the line that does it", () => {
    const b = buildEvidence(failure(["npm error enoent Could not read package.json: Error: ENOENT: no such file or directory, open '/app/package.json'"]));
    expect(b.contextFiles).toEqual([{ path: "/app/package.json", relative: "package.json", inContext: true, ignoredBy: { file: join(ctx, ".dockerignore"), line: 2, pattern: "*.json" } }]);
  });

  test("nowhere in the context", () => {
    const b = buildEvidence(failure(["python: can't open file '/app/main.py': [Errno 2] No such file or directory"]));
    expect(b.contextFiles).toEqual([{ path: "/app/main.py", relative: "main.py", inContext: false }]);
    expect(analyzeBuild(b)[0]!.evidence).toContain("main.py is not in the build context either");
  });
});

describe("a failed build as text", () => {
  test("names the service, image, Dockerfile line, stage, instruction, command and exit code, then each finding", () => {
    const b = failure(["Reading package lists...", "E: Unable to locate package nosuchpkg"]);
    b.step = { ...b.step!, stage: "build", command: "/bin/sh -c apt-get update && apt-get install -y nosuchpkg", exitCode: 100, original: "RUN apt-get update && apt-get install -y nosuchpkg" };
    const text = renderDiagnosis({
      containers: [],
      builds: [{ service: "api", image: "shop-api", context: ctx, dockerfile: "Dockerfile", line: 3, stage: "build", instruction: "RUN", command: b.step.command, exitCode: 100, error: b.error, time: "t", findings: analyzeBuild(b) }],
    });
    expect(text.split("\n").slice(0, 6)).toEqual([
      "api: build of shop-api failed at Dockerfile:3 (stage build, RUN), exit code 100",
      "  command: /bin/sh -c apt-get update && apt-get install -y nosuchpkg",
      '  cause: the package "nosuchpkg" does not exist for apt-get (high confidence)',
      "    | Dockerfile:3 (stage build): RUN apt-get update && apt-get install -y nosuchpkg",
      '    | exit code 100 from "/bin/sh -c apt-get update && apt-get install -y nosuchpkg"',
      "    | E: Unable to locate package nosuchpkg",
    ]);
  });
});
