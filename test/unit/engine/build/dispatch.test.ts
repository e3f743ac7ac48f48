import { describe, expect, test } from "bun:test";
import { parseDockerfile } from "../../../../src/engine/build/dockerfile/parser.ts";
import { toDockerfile } from "../../../../src/engine/build/dockerfile/instructions.ts";
import { StageDispatcher, type FsStep, type RunStep, type CopyStep } from "../../../../src/engine/build/dispatch.ts";
import { planBuild } from "../../../../src/engine/build/stages.ts";
import { scratchConfig, stageBaseConfig, type BuildConfig } from "../../../../src/engine/build/image-config.ts";
import { isKittenError } from "../../../../src/core/errors.ts";

const platform = { os: "linux", architecture: "amd64" };

/** Dispatches the last stage of `text` over `base`; returns the dispatcher and its steps. */
function run(text: string, options: { buildArgs?: Record<string, string>; base?: BuildConfig } = {}) {
  const d = toDockerfile(parseDockerfile(text));
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const usedArgs = new Set<string>();
  const plan = planBuild(d, { buildArgs, platform, usedArgs });
  const stage = d.stages[d.stages.length - 1]!;
  const disp = new StageDispatcher(
    { file: "Dockerfile", escape: "\\", buildArgs, globalArgs: plan.globalArgs, stageIndex: plan.stageIndex, currentStage: stage.index, usedArgs },
    { config: stageBaseConfig(options.base ?? scratchConfig()) },
  );
  const steps: FsStep[] = [];
  for (const i of stage.instructions) {
    const s = disp.dispatch(i);
    if (s) steps.push(s);
  }
  return { disp, steps, plan, usedArgs };
}

describe("dispatching a stage", () => {
  test("ENV values see the variables as they were before the instruction", () => {
    const { disp } = run("FROM scratch\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n");
    expect(disp.config.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "abc=bye", "def=hello", "ghi=bye"]);
  });

  test("ARG: --build-arg wins over the default, a meta arg reaches a stage only when declared, ENV wins for RUN", () => {
    const { steps, disp } = run("ARG V=meta\nARG G=global\nFROM scratch\nARG V\nARG W=${V}-w\nARG U=${G:-unset}\nRUN echo\nENV W=env\nRUN echo\n", { buildArgs: { W: "cli" } });
    const [first, second] = steps as RunStep[];
    expect(first!.env).toContain("V=meta");
    expect(first!.env).toContain("W=cli");
    expect(first!.env).toContain("U=unset");
    expect(first!.history.created_by).toBe("RUN |3 V=meta W=cli U=unset /bin/sh -c echo # buildkit");
    expect(second!.env).toContain("W=env");
    expect(disp.config.Env).not.toContain("V=meta");
  });

  test("predefined platform args are global: a stage sees TARGETARCH only after ARG TARGETARCH", () => {
    const { steps } = run("FROM scratch\nRUN echo $TARGETARCH\nARG TARGETARCH\nRUN echo $TARGETARCH\n");
    expect((steps[0] as RunStep).env.some((e) => e.startsWith("TARGETARCH="))).toBe(false);
    expect((steps[1] as RunStep).env).toContain("TARGETARCH=amd64");
  });

  test("proxy args reach RUN without a declaration but stay out of history and the key", () => {
    const { steps } = run("FROM scratch\nRUN true\n", { buildArgs: { HTTP_PROXY: "http://p:3128" } });
    const r = steps[0] as RunStep;
    expect(r.env).toContain("HTTP_PROXY=http://p:3128");
    expect(r.keyEnv.join()).not.toContain("HTTP_PROXY");
    expect(r.history.created_by).toBe("RUN /bin/sh -c true # buildkit");
  });

  test("ENTRYPOINT drops a CMD the stage did not set, keeps one it did", () => {
    expect(run("FROM scratch\nENTRYPOINT [\"/bin/app\"]\n", { base: { Cmd: ["sh"] } }).disp.config.Cmd).toBeNull();
    const kept = run('FROM scratch\nCMD ["x"]\nENTRYPOINT ["/bin/app"]\n').disp.config;
    expect([kept.Entrypoint, kept.Cmd]).toEqual([["/bin/app"], ["x"]]);
  });

  test("SHELL applies to shell-form RUN, CMD and ENTRYPOINT", () => {
    const { disp, steps } = run('FROM scratch\nSHELL ["/bin/ash", "-ec"]\nRUN echo hi\nCMD echo hi\n');
    expect((steps[0] as RunStep).argv).toEqual(["/bin/ash", "-ec", "echo hi"]);
    expect(disp.config.Cmd).toEqual(["/bin/ash", "-ec", "echo hi"]);
    expect(disp.history.at(-1)!.created_by).toBe('CMD ["/bin/ash" "-ec" "echo hi"]');
  });

  test("EXPOSE expands variables into several ports, ranges and protocols, sorted", () => {
    const { disp } = run("FROM scratch\nARG P=\"80 53/UDP\"\nEXPOSE $P 8000-8001\n");
    expect(Object.keys(disp.config.ExposedPorts!)).toEqual(["53/udp", "80/tcp", "8000/tcp", "8001/tcp"]);
    expect(disp.history.at(-1)!.created_by).toBe("EXPOSE [53/udp 80/tcp 8000/tcp 8001/tcp]");
  });

  test("WORKDIR joins relative paths and is a filesystem step owned by USER", () => {
    const { disp, steps } = run("FROM scratch\nUSER app\nWORKDIR /a\nWORKDIR b/../c\nWORKDIR /\n");
    expect(disp.config.WorkingDir).toBe("/");
    expect(steps).toMatchObject([{ kind: "mkdir", path: "/a", user: "app" }, { kind: "mkdir", path: "/a/c" }]);
  });

  test("COPY destinations resolve against WORKDIR and keep a trailing slash", () => {
    const { steps } = run("FROM scratch\nWORKDIR /app\nCOPY a b ./\nCOPY --chown=${U:-1}:2 --chmod=640 c sub\nCOPY <<EOF /etc/x\nhello $HOME\nEOF\n");
    const [, a, b, c] = steps as CopyStep[];
    expect([a!.dest, a!.sources]).toEqual(["/app/", ["a", "b"]]);
    expect([b!.dest, b!.chown, b!.chmod]).toEqual(["/app/sub", "1:2", "640"]);
    expect(c!.inline).toEqual([{ name: "EOF", content: "hello \n" }]);
  });

  test("RUN heredocs: alone it is the script, with #! it runs as a file, with a command it is reconstituted", () => {
    const { steps } = run("FROM scratch\nRUN <<EOF\necho one\nEOF\nRUN <<EOF\n#!/bin/ash\necho two\nEOF\nRUN cat <<EOF > /x\nthree\nEOF\n");
    const [a, b, c] = steps as RunStep[];
    expect(a!.argv).toEqual(["/bin/sh", "-c", "echo one\n"]);
    expect([b!.argv, b!.pipeFiles]).toEqual([["/bin/sh", "-c", "/dev/pipes/EOF"], [{ name: "EOF", content: "#!/bin/ash\necho two\n" }]]);
    expect(c!.argv).toEqual(["/bin/sh", "-c", "cat <<EOF > /x\nthree\nEOF"]);
  });

  test.each([
    ["FROM scratch\nCOPY --from=$X a b\n", "Dockerfile:2: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope"],
    ["FROM scratch\nCOPY a b c\n", "Dockerfile:2: When using COPY with more than one source file, the destination must be a directory and end with a /"],
    ["FROM scratch\nCOPY http://x/y /y\n", "Dockerfile:2: source can't be a URL for COPY: http://x/y"],
    ["FROM scratch\nRUN --mount=type=ssh true\n", "Dockerfile:2: RUN --mount=type=ssh is not supported"],
    ["FROM scratch\nRUN --network=host true\n", "Dockerfile:2: RUN --network=host is not allowed"],
    ["FROM scratch\nSTOPSIGNAL SIGNOPE\n", 'Dockerfile:2: invalid signal "SIGNOPE" in STOPSIGNAL'],
    ["FROM scratch\nHEALTHCHECK --interval=1x CMD true\n", 'Dockerfile:2: invalid --interval "1x" in HEALTHCHECK'],
  ])("refuses %j", (text, message) => {
    let err: unknown;
    try {
      run(text);
    } catch (e) {
      err = e;
    }
    expect(isKittenError(err) && [err.display, err.exitCode]).toEqual([message, 2]);
  });
});

describe("planning stages", () => {
  const text = "ARG BASE=busybox\nFROM $BASE AS base\nFROM base AS build\nRUN make\nFROM scratch AS unused\nRUN exit 1\nFROM scratch\nCOPY --from=build /out /out\nRUN --mount=type=cache,from=base,target=/c true\n";

  test("builds only the stages the target needs, bases and --from sources first", () => {
    const { plan } = run(text);
    expect(plan.stages.map((s) => [s.stage.index, s.deps])).toEqual([[0, []], [1, [0]], [3, [0, 1]]]);
    expect(plan.stages[0]!.base).toEqual({ type: "image", ref: "busybox" });
    expect(plan.stages[1]!.base).toEqual({ type: "stage", index: 0 });
  });

  test("an unknown --target lists the stages", () => {
    const d = toDockerfile(parseDockerfile(text));
    let err: unknown;
    try {
      planBuild(d, { buildArgs: new Map(), platform, usedArgs: new Set(), target: "prod" });
    } catch (e) {
      err = e;
    }
    expect(isKittenError(err) && [err.message, err.hint, err.exitCode]).toEqual(['target stage "prod" could not be found', "the stages of Dockerfile are: base, build, unused", 2]);
  });
});
