import { expect, test } from "bun:test";
import { parseDockerArgs, type FlagTable } from "../../../src/cli/docker-args.ts";

const T: FlagTable = {
  interactive: { short: "i", description: "" },
  tty: { short: "t", description: "" },
  rm: { description: "" },
  env: { short: "e", value: true, repeat: true, description: "" },
  name: { value: true, description: "" },
  network: { value: true, aliases: ["net"], description: "" },
};

test("stops at the image so the container's own flags pass through", () => {
  const p = parseDockerArgs(["--rm", "img", "sh", "-c", "ls -h", "--help"], T, "run");
  expect(p.flags).toEqual({ rm: true });
  expect(p.positionals).toEqual(["img", "sh", "-c", "ls -h", "--help"]);
});

test("combines short booleans and reads values in every docker spelling", () => {
  const p = parseDockerArgs(["-it", "-e", "A=1", "-eB=2", "--env", "C=3", "--env=D=4", "--name=x", "--net", "none", "img"], T, "run");
  expect(p.flags).toEqual({ interactive: true, tty: true, env: ["A=1", "B=2", "C=3", "D=4"], name: "x", network: "none" });
  expect(p.positionals).toEqual(["img"]);
});

test("treats -- as the end of flags", () => {
  expect(parseDockerArgs(["--", "-img"], T, "run").positionals).toEqual(["-img"]);
});

test.each([
  [["--bogus", "img"], "unknown flag: --bogus"],
  [["-x", "img"], "unknown flag: -x"],
  [["--name"], "flag --name needs a value"],
  [["--rm=maybe", "img"], "flag --rm takes true or false"],
])("refuses %p", (argv, message) => {
  expect(() => parseDockerArgs(argv as string[], T, "run")).toThrow(message as string);
});
