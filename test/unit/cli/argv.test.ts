import { describe, expect, test } from "bun:test";
import { parseGlobalPrefix, specFromArgs, specFromTable, splitVerbArgs } from "../../../src/cli/argv.ts";
import { emptyGlobals } from "../../../src/cli/invocation.ts";

const logsSpec = specFromArgs({
  follow: { type: "boolean", alias: "f" },
  tail: { type: "string", alias: "n" },
  "no-log-prefix": { type: "boolean" },
  names: { type: "positional", required: false },
});

describe("global flags before the verb", () => {
  test("are read the way docker compose reads them, `compose` included", () => {
    const p = parseGlobalPrefix(["-f", "a.yml", "--file=b.yml", "-pshop", "--profile", "x,y", "--env-file", "e", "compose", "--project-directory", "d", "up", "-d"]);
    expect(p).toMatchObject({ compose: true, verb: "up", rest: ["-d"] });
    expect(p.global).toMatchObject({ files: ["a.yml", "b.yml"], projectName: "shop", profiles: ["x", "y"], envFiles: ["e"], projectDirectory: "d" });
  });

  test.each([
    [["--bogus", "ps"], "unknown flag: --bogus"],
    [["-x", "ps"], "unknown flag: -x"],
    [["-f"], "flag needs an argument: -f"],
    [["--ansi", "sometimes", "ps"], 'invalid --ansi value "sometimes"'],
    [["--compatibility", "ps"], "--compatibility is not supported"],
    [["--parallel", "two", "ps"], '--parallel must be an integer, not "two"'],
  ])("refuses %p", (argv, message) => {
    expect(() => parseGlobalPrefix(argv)).toThrow(message);
  });
});

describe("flags after the verb", () => {
  const split = (args: string[], spec = logsSpec) => {
    const g = emptyGlobals();
    return { ...splitVerbArgs(args, spec, g, "kitten logs"), g };
  };

  test("the verb's own letters keep their meaning; short clusters and attached values are spelled out", () => {
    expect(split(["-fn5", "web"]).args).toEqual(["--follow", "--tail", "5", "web"]);
    expect(split(["-n=2", "--no-log-prefix"]).args).toEqual(["--tail", "2", "--no-log-prefix"]);
  });

  test("long global flags are taken out, and -p where the verb has no -p", () => {
    const r = split(["--file", "x.yml", "-p", "shop", "web", "--project-directory=d"]);
    expect(r.args).toEqual(["web"]);
    expect(r.g).toMatchObject({ files: ["x.yml"], projectName: "shop", projectDirectory: "d" });
  });

  test("an unknown flag is an error, whatever its spelling", () => {
    expect(() => split(["--nope"])).toThrow("unknown flag: --nope");
    expect(() => split(["-fZ"])).toThrow("unknown flag: -Z");
    expect(() => split(["--follow=maybe"])).toThrow('flag --follow takes true or false, not "maybe"');
    expect(() => split(["--tail"])).toThrow("flag needs an argument: --tail");
  });

  test("a negated boolean is the verb's flag; --help anywhere is help; after -- everything is an argument", () => {
    expect(split(["--no-follow"]).args).toEqual(["--no-follow"]);
    expect(split(["web", "--help"]).help).toBe(true);
    expect(split(["--", "--nope"]).args).toEqual(["--", "--nope"]);
  });

  test("docker-style verbs stop at the first positional: the rest is the container's command", () => {
    const spec = specFromTable({ tty: { short: "t", description: "" }, env: { short: "e", value: true, repeat: true, description: "" } });
    const r = split(["-e", "A=1", "--project-name", "shop", "web", "ls", "--bogus", "-la", "--help"], spec);
    expect(r.args).toEqual(["--env", "A=1", "web", "ls", "--bogus", "-la", "--help"]);
    expect(r.help).toBe(false);
    expect(r.g.projectName).toBe("shop");
  });
});
