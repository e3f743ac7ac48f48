/**
 * The log reader and rotation (issue #13): --tail from the end of a 10 GB (sparse) log in little
 * memory, bounded reads, rotated files in order, and a follower that loses no line to a
 * rotation. Real files in a temp dir; conmon's control fifo is a real fifo read by this process.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { appendFileSync, closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K8sFileReader, lastRecords, readAll } from "../../../../src/engine/runtime/log-reader.ts";
import { logFiles, logPolicy, monitorLogSettings } from "../../../../src/engine/runtime/log-policy.ts";
import { askReopen, rotateIfFull } from "../../../../src/engine/runtime/log-rotation.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-logr-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (text: string, tag: "F" | "P" = "F", stream = "stdout") => `2026-01-01T00:00:00.000000000Z ${stream} ${tag} ${text}\n`;
const texts = (r: Array<{ text: string }>) => r.map((x) => x.text);

test("--tail reads a 10 GB log from its end, in little memory", () => {
  const log = join(dir, "ctr.log");
  const fd = openSync(log, "w");
  writeSync(fd, line("first"));
  // ten gigabytes of nothing (a sparse file), then the last lines
  ftruncateSync(fd, 10 * 1024 ** 3);
  closeSync(fd);
  appendFileSync(log, ["a", "b", "c", "d", "e", "f"].map((t) => line(t)).join(""));
  const before = process.memoryUsage().rss;
  const last = lastRecords(log, 3);
  expect(texts(last)).toEqual(["d\n", "e\n", "f\n"]);
  // the whole log would be 10 GB: what was read is a few kilobytes
  expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
});

test("--tail counts lines: partial records belong to the line that ends them, an unfinished last line is not one yet", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(log, line("a") + line("b1", "P") + line("b2") + line("c") + "2026-01-01T00:00:00Z stdout P unfinish");
  expect(texts(lastRecords(log, 2))).toEqual(["b1", "b2\n", "c\n"]);
  expect(texts(lastRecords(log, 0))).toEqual([]);
  expect(texts(lastRecords(log, 99))).toEqual(["a\n", "b1", "b2\n", "c\n"]);
});

test("reads in bounded chunks and delivers every record", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(log, Array.from({ length: 500 }, (_, i) => line(`line ${i}`)).join(""));
  const reader = new K8sFileReader(log, undefined, 1000);
  const first = reader.read();
  expect(first.length).toBeGreaterThan(0);
  expect(first.length).toBeLessThan(500);
  const rest = readAll(reader);
  expect(texts([...first, ...rest])).toEqual(Array.from({ length: 500 }, (_, i) => `line ${i}\n`));
  reader.close();
});

test("reads rotated files first, oldest first, and --tail reaches into them", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(`${log}.2`, line("1") + line("2"));
  writeFileSync(`${log}.1`, line("3") + line("4"));
  writeFileSync(log, line("5"));
  const reader = new K8sFileReader(log);
  expect(texts(readAll(reader))).toEqual(["1\n", "2\n", "3\n", "4\n", "5\n"]);
  reader.close();
  expect(texts(lastRecords(log, 3))).toEqual(["3\n", "4\n", "5\n"]);
});

test("a follower loses no line to a rotation: it drains the renamed file, then reads the new one", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(log, line("before"));
  const reader = new K8sFileReader(log);
  expect(texts(readAll(reader))).toEqual(["before\n"]);
  // the writer (conmon) keeps its descriptor: what it writes after the rename lands in ctr.log.1
  const writer = openSync(log, "a");
  renameSync(log, `${log}.1`);
  writeSync(writer, line("during"));
  expect(texts(readAll(reader))).toEqual(["during\n"]);
  // conmon reopens: a new ctr.log
  closeSync(writer);
  writeFileSync(log, line("after"));
  expect(texts(readAll(reader))).toEqual(["after\n"]);
  appendFileSync(log, line("more"));
  expect(texts(readAll(reader))).toEqual(["more\n"]);
  reader.close();
});

test("resumes from a position, also one in a file that was rotated since", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(log, line("a") + line("b"));
  const first = new K8sFileReader(log);
  expect(texts(first.read())).toEqual(["a\n", "b\n"]);
  const at = first.position();
  first.close();
  appendFileSync(log, line("c"));
  renameSync(log, `${log}.1`);
  writeFileSync(log, line("d"));
  const again = new K8sFileReader(log, at);
  expect(texts(readAll(again))).toEqual(["c\n", "d\n"]);
  again.close();
});

test("rotates at max-size: shifts the files, keeps max-file of them, and asks conmon to reopen", () => {
  const log = join(dir, "ctr.log");
  const bundle = join(dir, "bundle");
  mkdirSync(bundle);
  Bun.spawnSync(["mkfifo", join(bundle, "ctl")]);
  // conmon's end of its control fifo
  const ctl = openSync(join(bundle, "ctl"), "r+");
  const policy = { keep: true, maxSize: 100, maxFile: 3 };
  writeFileSync(log, "x".repeat(50));
  expect(rotateIfFull(log, bundle, policy)).toBe(false);
  for (const content of ["one", "two", "three"]) {
    writeFileSync(log, content.repeat(100));
    expect(rotateIfFull(log, bundle, policy)).toBe(true);
  }
  expect(existsSync(log)).toBe(false);
  expect(readFileSync(`${log}.1`, "utf8")).toStartWith("three");
  expect(readFileSync(`${log}.2`, "utf8")).toStartWith("two");
  expect(existsSync(`${log}.3`)).toBe(false);
  const buf = Buffer.alloc(64);
  const n = readSync(ctl, buf, 0, 64, null);
  expect(buf.subarray(0, n).toString()).toBe("2 0 0\n2 0 0\n2 0 0\n");
  closeSync(ctl);
  // no conmon reading the fifo: asking fails instead of hanging
  expect(askReopen(bundle)).toBe(false);
});

test("keeps docker's defaults: local 5 × 20 MB, json-file one file once max-size is set, a cap when nothing is set, none keeps nothing", () => {
  expect(logPolicy(undefined)).toEqual({ keep: true, maxSize: 20 * 1024 * 1024, maxFile: 5 });
  expect(logPolicy({ driver: "json-file", maxSize: 1000 })).toEqual({ keep: true, maxSize: 1000, maxFile: 1 });
  expect(logPolicy({ driver: "local", maxSize: 1000 })).toEqual({ keep: true, maxSize: 1000, maxFile: 5 });
  expect(logPolicy({ driver: "json-file", maxSize: 1000, maxFile: 3 })).toEqual({ keep: true, maxSize: 1000, maxFile: 3 });
  expect(logPolicy({ driver: "none" }).keep).toBe(false);
  expect(monitorLogSettings({ driver: "none" })).toEqual({ keep: false });
  expect(monitorLogSettings({ maxSize: 1024 * 1024 })).toEqual({ keep: true, sizeMax: 5 * 1024 * 1024 });
  expect(monitorLogSettings({ maxSize: 100 * 1024 * 1024 })).toEqual({ keep: true, sizeMax: 200 * 1024 * 1024 });
  expect(logFiles("/c/ctr.log", 3)).toEqual(["/c/ctr.log.2", "/c/ctr.log.1", "/c/ctr.log"]);
});

test("without --follow, reading ends at the log's end as it was, while the writer goes on", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(log, line("a") + line("b"));
  const reader = new K8sFileReader(log, undefined, 10);
  reader.stopAtCurrentEnd();
  const first = reader.read();
  appendFileSync(log, line("c"));
  expect(texts([...first, ...readAll(reader)])).toEqual(["a\n", "b\n"]);
  reader.close();
});

test("without --follow, a line still being written (its partial records) is not shown", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(log, line("a") + line("b1", "P"));
  const reader = new K8sFileReader(log);
  reader.stopAtCurrentEnd();
  reader.seekTail(5);
  expect(texts(readAll(reader))).toEqual(["a\n"]);
  reader.close();
});

test("--tail of a log that grows between fixing its end and looking back: the last lines up to that end", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(log, line("a") + line("b") + line("c"));
  const reader = new K8sFileReader(log);
  reader.stopAtCurrentEnd();
  appendFileSync(log, line("d") + line("e"));
  reader.seekTail(2);
  expect(texts(readAll(reader))).toEqual(["b\n", "c\n"]);
  reader.close();
});

test("without --follow, a line whose first part ends a rotated file and whose rest is not written yet is not shown", () => {
  const log = join(dir, "ctr.log");
  writeFileSync(`${log}.1`, line("a") + line("b") + line("c1", "P"));
  writeFileSync(log, "");
  const reader = new K8sFileReader(log);
  reader.stopAtCurrentEnd();
  reader.seekTail(2);
  expect(texts(readAll(reader))).toEqual(["a\n", "b\n"]);
  reader.close();
  // once its rest is there, the line is whole
  writeFileSync(log, line("c2"));
  const again = new K8sFileReader(log);
  again.stopAtCurrentEnd();
  expect(texts(readAll(again))).toEqual(["a\n", "b\n", "c1", "c2\n"]);
  again.close();
});
