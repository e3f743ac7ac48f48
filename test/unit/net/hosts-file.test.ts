import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostsFilePath, syncHostsFiles, writeInPlace } from "../../../src/net/hosts-file.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-hosts-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("rewrites the same inode, shrinking the file to the new content", () => {
  const path = join(dir, "hosts");
  writeFileSync(path, "a much longer old content line\nsecond line\n");
  const inode = statSync(path).ino;
  expect(writeInPlace(path, "short\n")).toBe(true);
  expect(statSync(path).ino).toBe(inode);
  expect(readFileSync(path, "utf8")).toBe("short\n");
});

test("does not touch a file whose content is unchanged", () => {
  const path = join(dir, "hosts");
  writeFileSync(path, "same\n");
  const before = statSync(path).mtimeMs;
  Bun.sleepSync(15);
  expect(writeInPlace(path, "same\n")).toBe(false);
  expect(statSync(path).mtimeMs).toBe(before);
});

test("syncs the files of all running containers and reports which changed", () => {
  const a = { name: "p-a-1", service: "a", networks: { n: { ip: "10.89.0.2" } } };
  const b = { name: "p-b-1", service: "b", networks: { n: { ip: "10.89.0.3" } } };
  expect(syncHostsFiles(dir, [a, b]).sort()).toEqual(["p-a-1", "p-b-1"]);
  expect(readFileSync(hostsFilePath(dir, "p-a-1"), "utf8")).toContain("10.89.0.3\tb p-b-1\n");
  expect(syncHostsFiles(dir, [a, b])).toEqual([]);
  const c = { name: "p-c-1", service: "c", networks: { other: { ip: "10.89.1.2" } } };
  expect(syncHostsFiles(dir, [a, c]).sort()).toEqual(["p-a-1", "p-c-1"]);
  expect(readFileSync(hostsFilePath(dir, "p-a-1"), "utf8")).not.toContain("p-b-1");
});
