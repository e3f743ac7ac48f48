/** The binary's own surface: version, grouped help, unknown commands, and --debug. */
import { describe, expect, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { KITTEN, kitten } from "./helpers.ts";

describe("kitten", () => {
  test("prints its version", async () => {
    const r = await kitten(["--version"]);
    expect(r).toEqual({ code: 0, stdout: `kitten ${pkg.version}\n`, stderr: "" });
  });

  test("lists its commands grouped, each with a one-line description", async () => {
    const r = await kitten(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Project commands:\n {2}config +\S.*\n {2}up +\S.*$/m);
    expect(r.stdout).toMatch(/^System:\n(?: {2}\S.*\n)* {2}doctor +check host prerequisites/m);
    expect(r.stdout).toContain("--debug");
    expect(r.stderr).toBe("");
  });

  test("shows the help and exits 2 when given no command", async () => {
    const r = await kitten([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Project commands:");
  });

  test("prints a command's usage with its flags", async () => {
    const r = await kitten(["up", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--dry-run");
    expect(r.stdout).toContain("--scale");
  });

  test("prints usage without colour codes into a pipe, even without NO_COLOR", async () => {
    // not through kitten(), which always sets NO_COLOR
    const proc = Bun.spawn([KITTEN, "up", "--help"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stdout: "pipe", stderr: "pipe" });
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(stdout).toContain("--dry-run");
    expect(stdout).not.toContain("\x1b[");
  });

  test("refuses an unknown command with exit 2, a hint and no stack trace", async () => {
    const r = await kitten(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('error: unknown command "frobnicate"\nhint: run `kitten --help` to list the commands\n');
  });

  test("suggests the command meant by a typo", async () => {
    const r = await kitten(["doctr"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hint: did you mean "doctor"?');
  });

  test("shows a stack trace with --debug and only then", async () => {
    const args = ["config", "-f", "/nonexistent/compose.yaml"];
    const lines = "error: file not found: /nonexistent/compose.yaml\nhint: check the path given with -f, or run from the project's directory\n";
    const plain = await kitten(args);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe(lines);
    const debug = await kitten(["--debug", ...args]);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toStartWith(lines);
    expect(debug.stderr).toMatch(/^ +at /m);
  });

  test("refuses an unknown --format with exit 2", async () => {
    const r = await kitten(["doctor", "--format", "xml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown format "xml"\nhint: use --format text or --format json\n');
  });
});
