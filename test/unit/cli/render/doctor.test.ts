import { describe, expect, test } from "bun:test";
import { failedRequired, renderDoctor } from "../../../../src/cli/render/doctor.ts";
import { fail, ok, warn } from "../../../../src/engine/doctor/types.ts";
import type { DoctorReport } from "../../../../src/engine/doctor/index.ts";

const report: DoctorReport = {
  ok: false,
  runtime: null,
  checks: [
    fail("runc", "not found on PATH", "apt-get install -y runc"),
    warn("crun", "unusable here: cgroups in hybrid mode not supported"),
    ok("conmon", "/usr/bin/conmon"),
  ],
};

describe("renderDoctor", () => {
  test("prints one aligned line per check and the fix under a failure", () => {
    expect(renderDoctor(report)).toBe(
      [
        "fail  runc    not found on PATH",
        "              fix: apt-get install -y runc",
        "warn  crun    unusable here: cgroups in hybrid mode not supported (optional)",
        "ok    conmon  /usr/bin/conmon",
        "",
        "runtime: none (neither runc nor crun can run a container here)",
        "",
      ].join("\n"),
    );
  });

  test("ends with the verdict and the warning count when the host is usable", () => {
    const text = renderDoctor({ ok: true, runtime: "runc", checks: [ok("runc", "ran"), warn("crun", "unusable here")] });
    expect(text.endsWith("runtime: runc\nkitten can run containers here (1 warning)\n")).toBe(true);
  });

  test("lists only required failures", () => {
    expect(failedRequired({ ...report, checks: [...report.checks, fail("cgroup", "x", null, false)] })).toEqual(["runc"]);
  });
});
