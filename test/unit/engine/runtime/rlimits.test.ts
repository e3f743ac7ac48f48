import { expect, test } from "bun:test";
import { buildRlimits, parseProcLimits, rlimitType, UNLIMITED } from "../../../../src/engine/runtime/spec/rlimits.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max processes             7823                 7823                 processes
Max open files            1024                 4096                 files
Max locked memory         8388608              8388608              bytes
`;

test("reads the hard limits from /proc/self/limits", () => {
  expect(parseProcLimits(LIMITS)).toEqual({ RLIMIT_CPU: UNLIMITED, RLIMIT_NPROC: 7823, RLIMIT_NOFILE: 4096, RLIMIT_MEMLOCK: 8388608 });
});

test("clamps soft and hard to the host's hard limit and keeps soft below hard", () => {
  const host = parseProcLimits(LIMITS);
  expect(buildRlimits({ nproc: { soft: 10000, hard: 20000 }, memlock: { soft: -1, hard: -1 } }, host)).toEqual([
    { type: "RLIMIT_NOFILE", soft: 4096, hard: 4096 },
    { type: "RLIMIT_NPROC", soft: 7823, hard: 7823 },
    { type: "RLIMIT_MEMLOCK", soft: 8388608, hard: 8388608 },
  ]);
});

test("maps compose ulimit names and refuses unknown ones", () => {
  expect(rlimitType("nofile")).toBe("RLIMIT_NOFILE");
  expect(() => rlimitType("bogus")).toThrow('unknown ulimit "bogus"');
});
