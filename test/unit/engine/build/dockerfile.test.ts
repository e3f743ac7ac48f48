import { describe, expect, test } from "bun:test";
import { parseDockerfile } from "../../../../src/engine/build/dockerfile/parser.ts";
import { toDockerfile } from "../../../../src/engine/build/dockerfile/instructions.ts";
import { processWord, processWords } from "../../../../src/engine/build/dockerfile/shell-lex.ts";
import { parseMount } from "../../../../src/engine/build/dockerfile/mounts.ts";
import { isKittenError } from "../../../../src/core/errors.ts";

const df = (text: string) => toDockerfile(parseDockerfile(text, "Dockerfile"));

function errorOf(fn: () => unknown): { display: string; exitCode: number; hint?: string } {
  try {
    fn();
  } catch (err) {
    if (isKittenError(err)) return { display: err.display, exitCode: err.exitCode, hint: err.hint };
    throw err;
  }
  throw new Error("expected an error");
}

describe("variable substitution (BuildKit's shell lexer)", () => {
  const env = new Map([
    ["a", "A"],
    ["empty", ""],
    ["path", "/usr/local/bin/tool.tar.gz"],
    ["ports", "80 443"],
  ]);
  test.each([
    ["$a", "A"],
    ["${a}x", "Ax"],
    ["${unset:-def}", "def"],
    ["${empty:-def}", "def"],
    ["${empty-def}", ""],
    ["${a:+alt}", "alt"],
    ["${unset:+alt}", ""],
    ["${empty+alt}", "alt"],
    ["'$a'", "$a"],
    ['"$a b"', "A b"],
    ["\\$a", "$a"],
    ['"\\x\\$a"', "\\x$a"],
    ["${path##*/}", "tool.tar.gz"],
    ["${path#*/}", "usr/local/bin/tool.tar.gz"],
    ["${path%.*}", "/usr/local/bin/tool.tar"],
    ["${path%%.*}", "/usr/local/bin/tool"],
    ["${path/local/opt}", "/usr/opt/bin/tool.tar.gz"],
    ["${a//A/BB}", "BB"],
    ["$unset", ""],
    ["a$", "a$"],
  ])("%s → %s", (word, expected) => {
    expect(processWord(word, env)).toBe(expected);
  });

  test("${v:?msg} fails with the message when unset", () => {
    expect(() => processWord("${nope:?must be set}", env)).toThrow("nope: must be set");
  });

  test("unquoted expansions split into words, quoted ones do not", () => {
    expect(processWords("$ports 8080", env)).toEqual(["80", "443", "8080"]);
    expect(processWords('"$ports" 8080', env)).toEqual(["80 443", "8080"]);
  });

  test("the backtick escape directive changes the escape character", () => {
    expect(processWord("`$a", env, { escape: "`" })).toBe("$a");
  });
});

describe("parsing a Dockerfile", () => {
  test("reads parser directives only at the top and ignores unknown ones", () => {
    const p = parseDockerfile("# syntax=docker/dockerfile:1\n# escape=`\nFROM scratch\n");
    expect(p.directives).toEqual({ syntax: "docker/dockerfile:1", escape: "`" });
    const late = parseDockerfile("# unknown=x\n# escape=`\nFROM scratch\n");
    expect(late.directives.escape).toBe("\\");
  });

  test("joins continuation lines and drops comment lines inside them", () => {
    const p = parseDockerfile("FROM scratch\nRUN echo hello \\\n# a comment\n  world\n");
    expect(p.nodes[1]!.rest).toBe("echo hello   world");
    expect(p.nodes[1]!.line).toBe(2);
    expect(p.nodes[1]!.endLine).toBe(4);
  });

  test("reads heredocs for RUN and COPY with quoted and chomped delimiters", () => {
    const p = parseDockerfile("FROM scratch\nRUN <<EOF\necho $HOME\nEOF\nCOPY <<-'X' /a\n\tliteral $x\n\tX\nRUN 3<<A cat <<B\none\nA\ntwo\nB\n");
    expect(p.nodes[1]!.heredocs).toEqual([{ name: "EOF", expand: true, chomp: false, fd: 0, content: "echo $HOME\n" }]);
    expect(p.nodes[2]!.heredocs).toEqual([{ name: "X", expand: false, chomp: true, fd: 0, content: "literal $x\n" }]);
    expect(p.nodes[3]!.heredocs.map((h) => [h.name, h.fd, h.content])).toEqual([["A", 3, "one\n"], ["B", 0, "two\n"]]);
  });

  test("an unterminated heredoc names its delimiter and line", () => {
    const e = errorOf(() => parseDockerfile("FROM scratch\nRUN <<EOF\necho\n", "ctx/Dockerfile"));
    expect(e.display).toBe('ctx/Dockerfile:2: unterminated heredoc "EOF"');
    expect(e.exitCode).toBe(2);
  });

  test("builds stages with meta args and lower-cased names", () => {
    const d = df("ARG BASE=busybox\nFROM $BASE AS Build\nRUN true\nFROM scratch\nCOPY --from=build /x /x\n");
    expect(d.metaArgs[0]!.args).toEqual([{ key: "BASE", value: "busybox" }]);
    expect(d.stages.map((s) => [s.index, s.name, s.from.image])).toEqual([[0, "build", "$BASE"], [1, undefined, "scratch"]]);
    const copy = d.stages[1]!.instructions[0]!;
    expect(copy.kind === "copy" && copy.from).toBe("build");
  });

  test.each([
    ["FROM scratch\nFOO bar\n", "Dockerfile:2: unknown instruction: FOO"],
    ["FROM scratch\nRUNN true\n", "Dockerfile:2: unknown instruction: RUNN"],
    ["RUN true\n", "Dockerfile:1: RUN before the first FROM: no build stage in current context"],
    ["FROM scratch\nCOPY --chwn=1 a b\n", "Dockerfile:2: unknown flag: --chwn"],
    ["FROM scratch\nCOPY a\n", "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined."],
    ["FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments"],
    ["FROM scratch AS 1x\n", 'Dockerfile:1: invalid name for build stage: "1x", name can\'t start with a number or contain symbols'],
    ["FROM scratch\nENV a=1 b\n", 'Dockerfile:2: syntax error - can\'t find = in "b". Must be of the form: name=value'],
    ["FROM scratch\nSHELL /bin/bash\n", "Dockerfile:2: SHELL requires the arguments to be in JSON form"],
    ["FROM scratch\nONBUILD ONBUILD RUN x\n", "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
    ["", "Dockerfile:1: the Dockerfile has no instructions"],
  ])("refuses %j", (text, message) => {
    const e = errorOf(() => df(text));
    expect(e.display).toBe(message);
    expect(e.exitCode).toBe(2);
  });

  test("suggests the instruction a typo was meant to be", () => {
    expect(errorOf(() => df("FROM scratch\nRUNN true\n")).hint).toBe("did you mean RUN?");
  });

  test("reads the legacy ENV form as one pair", () => {
    const env = df("FROM scratch\nENV greeting hello big world\n").stages[0]!.instructions[0]!;
    expect(env.kind === "env" && env.pairs).toEqual([{ key: "greeting", value: "hello big world" }]);
  });

  test("HEALTHCHECK: exec and shell forms, NONE, options", () => {
    const d = df('FROM scratch\nHEALTHCHECK --interval=5s --retries=2 CMD ["true"]\nHEALTHCHECK CMD curl -f x\nHEALTHCHECK NONE\n');
    const [a, b, c] = d.stages[0]!.instructions;
    expect(a!.kind === "healthcheck" && [a!.test, a!.interval, a!.retries]).toEqual([["CMD", "true"], "5s", "2"]);
    expect(b!.kind === "healthcheck" && b!.test).toEqual(["CMD-SHELL", "curl -f x"]);
    expect(c!.kind === "healthcheck" && c!.test).toEqual(["NONE"]);
  });
});

describe("RUN --mount values", () => {
  const expand = (v: string) => v.replace("$DIR", "/cache");
  test("cache mounts default their id to the target and are writable", () => {
    expect(parseMount("type=cache,target=$DIR/pip", expand)).toEqual({ type: "cache", target: "/cache/pip", id: "/cache/pip", source: "/", readonly: false, sharing: "shared", mode: 0o755, uid: 0, gid: 0, from: undefined });
  });
  test("bind mounts are read-only unless rw", () => {
    expect(parseMount("target=/src", expand)).toMatchObject({ type: "bind", readonly: true, source: "/" });
    expect(parseMount("type=bind,target=/src,rw", expand)).toMatchObject({ readonly: false });
  });
  test("secrets default their target to /run/secrets/<id>", () => {
    expect(parseMount("type=secret,id=tok", expand)).toEqual({ type: "secret", target: "/run/secrets/tok", id: "tok", required: false, mode: 0o400, uid: 0, gid: 0 });
    expect(parseMount("type=secret,id=tok,env=TOKEN", expand)).toMatchObject({ env: "TOKEN" });
  });
  test("ssh mounts and unknown keys are refused by name", () => {
    expect(() => parseMount("type=ssh", expand)).toThrow("RUN --mount=type=ssh is not supported");
    expect(() => parseMount("type=tmpfs,target=/t,uid=1", expand)).toThrow("unexpected key 'uid' for mount type 'tmpfs'");
    expect(() => parseMount("type=cache,target=/x,from=$S", expand)).toThrow("variable expansion is not supported for --mount from");
  });
});
