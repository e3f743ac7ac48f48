import { describe, expect, test } from "bun:test";
import { RuntimeFailure } from "../../../../src/core/errors.ts";
import { looksLikeToken, maskSecrets, secretForms } from "../../../../src/core/secret-mask.ts";
import { parseDockerfile } from "../../../../src/engine/build/dockerfile/parser.ts";
import { toDockerfile } from "../../../../src/engine/build/dockerfile/instructions.ts";
import { buildFailureRecord, ignoringLine } from "../../../../src/engine/build/failure-record.ts";
import { BuildStepError } from "../../../../src/engine/build/executor.ts";
import { OutputTail } from "../../../../src/engine/build/output-tail.ts";

const TEXT = `FROM busybox AS base
RUN echo base

FROM base AS app
COPY app.py /app/
RUN --mount=type=secret,id=token,env=TOKEN \\
    pip install -r requirements.txt
`;
const parsed = toDockerfile(parseDockerfile(TEXT, "Dockerfile"));
const common = { time: "t", context: "/src/app", dockerfile: "/src/app/Dockerfile", tags: ["app:1"], text: TEXT, parsed, buildArgs: {}, secrets: [] };

describe("the record a failed build leaves", () => {
  test("a RUN step: its stage and instruction from the Dockerfile, its command, exit code and output, secrets and secret build args masked", () => {
    const err = new BuildStepError('[app 3/3] RUN pip install -r requirements.txt: process "/bin/sh -c pip install -r requirements.txt" did not complete successfully: exit code: 1', 7, { file: "Dockerfile", line: 6 }, 1);
    const r = buildFailureRecord({
      ...common,
      err,
      step: { name: "[app 3/3] RUN pip install -r requirements.txt", instruction: "RUN", line: 6, command: "/bin/sh -c pip install -r requirements.txt", exitCode: 1, network: "default", output: ["using s3cr3t-token", "index https://ci:hunter22@pypi.example/simple", "ERROR: No matching distribution found for flaskk"] },
      secrets: ["s3cr3t-token\n"],
      buildArgs: { PIP_INDEX_PASSWORD: "pw-from-arg", PYTHON_VERSION: "3.12" },
    });
    expect(r.step).toEqual({
      name: "[app 3/3] RUN pip install -r requirements.txt",
      instruction: "RUN",
      line: 6,
      stage: "app",
      original: "RUN --mount=type=secret,id=token,env=TOKEN     pip install -r requirements.txt",
      command: "/bin/sh -c pip install -r requirements.txt",
      exitCode: 1,
      network: "default",
      output: ["using ****", "index https://ci:****@pypi.example/simple", "ERROR: No matching distribution found for flaskk"],
    });
    expect(r.error).toStartWith("Dockerfile:6: [app 3/3] RUN");
    expect(r.code).toBe("build_step_failed");
    const again = buildFailureRecord({ ...common, err: new RuntimeFailure("x"), step: { name: "s", instruction: "RUN", output: ["pw-from-arg and 3.12"] }, buildArgs: { PIP_INDEX_PASSWORD: "pw-from-arg", PYTHON_VERSION: "3.12" } });
    expect(again.step!.output).toEqual(["**** and 3.12"]);
    const token = buildFailureRecord({ ...common, err: new RuntimeFailure("x"), step: { name: "s", instruction: "RUN", output: ["cloning with ghp_16C7e42F292c6912E7710c838347Ae178B4a for 4.2.1"] }, buildArgs: { GH: "ghp_16C7e42F292c6912E7710c838347Ae178B4a", VERSION: "4.2.1" } });
    expect(token.step!.output).toEqual(["cloning with **** for 4.2.1"]);
  });

  test("an error placed in the Dockerfile but in no step gets its line's instruction", () => {
    const err = new RuntimeFailure('COPY failed: "app.py" not found in the build context (excluded by .dockerignore)', { code: "bad_dockerfile", location: { file: "Dockerfile", line: 5 } });
    const r = buildFailureRecord({ ...common, err, ignore: { file: "/src/app/.dockerignore", text: "# python\n*.pyc\n*.py\n!keep.py\n" } });
    expect(r.step).toEqual({ name: "COPY app.py /app/", instruction: "COPY", line: 5, stage: "app", original: "COPY app.py /app/", output: [] });
    expect(r.ignoredBy).toEqual({ file: "/src/app/.dockerignore", line: 3, pattern: "*.py" });
    expect(r.error).toBe('Dockerfile:5: COPY failed: "app.py" not found in the build context (excluded by .dockerignore)');
  });

  test("a Dockerfile that did not parse is placed by its text", () => {
    const err = new RuntimeFailure("unknown instruction: RUNN", { code: "bad_dockerfile", location: { file: "Dockerfile", line: 2 } });
    const r = buildFailureRecord({ ...common, parsed: undefined, text: "FROM busybox\nRUNN true\n", err });
    expect(r.step).toEqual({ name: "RUNN true", instruction: "RUNN", line: 2, output: [], original: "RUNN true" });
  });

  test("the .dockerignore line that decides: the last match, a later ! re-includes", () => {
    const ignore = { file: ".dockerignore", text: "*.env\nsecrets/\n!secrets/public.env\n" };
    expect(ignoringLine(ignore, "prod.env")).toEqual({ file: ".dockerignore", line: 1, pattern: "*.env" });
    expect(ignoringLine(ignore, "secrets/db.key")).toEqual({ file: ".dockerignore", line: 2, pattern: "secrets/" });
    expect(ignoringLine(ignore, "secrets/public.env")).toBeUndefined();
  });
});

describe("a step's output tail", () => {
  test("joins lines split across chunks per stream and keeps the last ones", () => {
    const t = new OutputTail(3);
    t.add("stderr", "/bin/sh: ");
    t.add("stdout", "one\ntw");
    t.add("stderr", "make: not found\n");
    t.add("stdout", "o\nthree\r\n");
    t.add("stdout", "four");
    expect(t.take()).toEqual(["two", "three", "four"]);
    const u = new OutputTail(5);
    u.add("stderr", "/bin/sh: ");
    u.add("stderr", "make: not found\n");
    expect(u.take()).toEqual(["/bin/sh: make: not found"]);
  });
});

describe("secret masking", () => {
  test("takes tokens for secrets whatever their name, never versions, paths or words", () => {
    expect(["ghp_16C7e42F292c6912E7710c838347Ae178B4a", "sk-proj-4f8a9b2c1d3e5f607182a3b4c5d6e7f8", "0123456789abcdef0123456789abcdef01234567"].map(looksLikeToken)).toEqual([true, true, true]);
    expect(["3.12.1", "v20.11.0", "/usr/local/lib/python3.12", "bookworm-slim", "https://example.com/a1b2c3d4e5f6g7h8i9", "production"].map(looksLikeToken)).toEqual([false, false, false, false, false, false]);
  });

  test("masks a secret as given, trimmed and line by line, longest first", () => {
    const forms = secretForms(["-----BEGIN KEY-----\nabcdef123456\n-----END KEY-----\n", "ab"]);
    expect(forms).not.toContain("ab");
    expect(maskSecrets("key line abcdef123456 here", forms)).toBe("key line **** here");
    expect(maskSecrets("postgres://app:pa55word@db/shop", [])).toBe("postgres://app:****@db/shop");
  });
});
