import { afterEach, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogReader, parseLogLine, tailRecords } from "../../../../src/engine/runtime/logs.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test("parses k8s-file records, keeping partial lines without a newline", () => {
  expect(parseLogLine("2026-11-23T19:35:26.728158526+00:00 stdout F hello world")).toEqual({ time: "2026-11-23T19:35:26.728158526+00:00", stream: "stdout", text: "hello world\n" });
  expect(parseLogLine("2026-11-23T19:35:26Z stderr P part")).toEqual({ time: "2026-11-23T19:35:26Z", stream: "stderr", text: "part" });
  expect(parseLogLine("2026-11-23T19:35:26Z stdout F ")).toEqual({ time: "2026-11-23T19:35:26Z", stream: "stdout", text: "\n" });
  expect(parseLogLine("garbage")).toBeUndefined();
});

test("reads only complete new lines on each call", () => {
  const dir = mkdtempSync(join(tmpdir(), "kitten-logs-"));
  dirs.push(dir);
  const file = join(dir, "ctr.log");
  const reader = new LogReader(file);
  expect(reader.read()).toEqual([]);
  writeFileSync(file, "t1 stdout F a\nt2 stdout F b");
  expect(reader.read().map((r) => r.text)).toEqual(["a\n"]);
  appendFileSync(file, "\nt3 stderr F c\n");
  expect(reader.read().map((r) => r.text)).toEqual(["b\n", "c\n"]);
});

test("tails whole lines, counting a partial record with the line it completes", () => {
  const recs = ["a\n", "b", "c\n", "d\n"].map((text) => ({ time: "t", stream: "stdout" as const, text }));
  expect(tailRecords(recs, 1).map((r) => r.text)).toEqual(["d\n"]);
  expect(tailRecords(recs, 2).map((r) => r.text)).toEqual(["b", "c\n", "d\n"]);
  expect(tailRecords(recs, 0)).toEqual([]);
  expect(tailRecords(recs)).toHaveLength(4);
});
