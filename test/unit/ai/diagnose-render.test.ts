import { describe, expect, test } from "bun:test";
import { renderDiagnosis } from "../../../src/cli/commands/diagnose.ts";
import { analyze } from "../../../src/ai/diagnose/analyzers.ts";
import { maskEvidence } from "../../../src/ai/diagnose/mask.ts";
import type { ContainerEvidence } from "../../../src/ai/diagnose/evidence.ts";

describe("diagnose text output", () => {
  test("quotes the evidence under each cause and ends with the fix, secrets masked", () => {
    const e: ContainerEvidence = maskEvidence({
      service: "api",
      container: "shop-api-1",
      state: "restarting",
      exitCode: 127,
      restartCount: 3,
      logs: ["using token tok_abc123", "/bin/sh: 1: pythn: not found"],
      config: { image: "python:3.12-slim", command: ["sh", "-c", "pythn app.py"], environment: { API_TOKEN: "tok_abc123" }, ports: [] },
      dependencies: [],
    });
    const text = renderDiagnosis({ containers: [{ service: e.service, container: e.container, state: e.state, exitCode: 127, restartCount: 3, findings: analyze(e) }], builds: [], explanation: "api's command has a typo." });
    expect(text).toBe(
      [
        "api (shop-api-1): restarting, exit code 127, restarted 3 times",
        '  cause: command not found: "pythn" (high confidence)',
        "    | exit code 127, restarted 3 times",
        "    | /bin/sh: 1: pythn: not found",
        '  fix: check the command ["sh","-c","pythn app.py"] of service "api": fix the name or path, or use an image that contains "pythn"',
        "  cause: crash loop: restarted 3 times (high confidence)",
        "    | exit code 127, restarted 3 times",
        "    | restart: no",
        "  fix: restarting does not help: fix the cause above; meanwhile `restart: on-failure:3` limits the retries",
        "",
        "explanation:",
        "  api's command has a typo.",
        "",
      ].join("\n"),
    );
    expect(text).not.toContain("tok_abc123");
  });

  test("says so when nothing failed", () => {
    expect(renderDiagnosis({ containers: [], builds: [] })).toBe("no failing or restarting containers\n");
  });
});
