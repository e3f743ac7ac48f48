import { describe, expect, test } from "bun:test";
import { startFailure } from "../../../../src/engine/runtime/exec.ts";

describe("exec start failures become docker's exit codes", () => {
  test.each([
    [
      'time="2026-12-06T11:32:17Z" level=error msg="exec failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH"',
      { code: 127, message: '"nope": executable file not found in $PATH' },
    ],
    [
      'time="2026-12-06T11:32:17Z" level=error msg="exec failed: unable to start container process: exec: \\"/etc/passwd\\": permission denied"',
      { code: 126, message: '"/etc/passwd": permission denied' },
    ],
    ['exec failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory', { code: 127, message: '"/nope": stat /nope: no such file or directory' }],
    ["crun: executable file `nope` not found in $PATH: No such file or directory", { code: 127, message: "executable file `nope` not found in $PATH: No such file or directory" }],
  ])("%s", (line, expected) => {
    expect(startFailure(line)).toEqual(expected as never);
  });

  test("a line the command itself printed is left alone", () => {
    expect(startFailure("sh: nope: not found")).toBeUndefined();
    expect(startFailure('level=error msg="something else"')).toBeUndefined();
  });
});
