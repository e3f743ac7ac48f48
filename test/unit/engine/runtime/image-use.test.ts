/** Which containers use an image and which of them may be running, from records, exit files and a fake namespace lookup. */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kittenPaths, type KittenPaths } from "../../../../src/core/paths.ts";
import { closeStateDbs, openStateDb } from "../../../../src/engine/state/db.ts";
import { ContainerStore, type ContainerRecord } from "../../../../src/engine/runtime/store.ts";
import { containerImageUse } from "../../../../src/engine/runtime/image-use.ts";
import type { NamespaceRecord } from "../../../../src/net/namespace/index.ts";

let root: string;
let paths: KittenPaths;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kitten-image-use-"));
  paths = kittenPaths({ KITTEN_ROOT: root });
});

afterEach(() => {
  closeStateDbs();
  rmSync(root, { recursive: true, force: true });
});

function rec(name: string, imageId: string, extra: Partial<ContainerRecord> & { exitFile?: boolean } = {}): ContainerRecord {
  const { exitFile, ...rest } = extra;
  const dir = join(root, "containers", name);
  mkdirSync(join(dir, "exit"), { recursive: true });
  if (exitFile) writeFileSync(join(dir, "exit", name), "0");
  return {
    id: name, name, project: "default", image: "app", imageId, runtime: "runc", dir, lowerDirs: [], monitored: true,
    spec: { name, project: "default", image: "app", env: {} }, ports: [], ips: {}, autoRemove: false,
    createdAt: "2026-11-23T20:00:00Z", startedAt: "2026-11-23T20:00:01Z", namespaceStartedAt: "ns1", ...rest,
  };
}

const namespaceUp = ((_: KittenPaths, project: string) => (project === "default" ? ({ startedAt: "ns1" } as NamespaceRecord) : undefined));

test.each([
  { name: "a started container with no exit file in its live namespace is running", extra: {}, running: true },
  { name: "a created container that never started is not", extra: { startedAt: undefined }, running: false },
  { name: "a container whose monitor wrote its exit file is not", extra: { exitFile: true }, running: false },
  { name: "a foreground run kitten recorded an exit code for is not", extra: { exitCode: 0 }, running: false },
  { name: "a container whose namespace is gone is not", extra: { project: "other" }, running: false },
  { name: "a container from an older namespace of its project is not", extra: { namespaceStartedAt: "ns0" }, running: false },
] as Array<{ name: string; extra: Partial<ContainerRecord> & { exitFile?: boolean }; running: boolean }>)("$name", ({ extra, running }) => {
  new ContainerStore(openStateDb(paths)).insert(rec("web", "sha256:a", extra));
  expect(containerImageUse(paths, namespaceUp).usedBy("sha256:a")).toEqual([{ name: "web", running }]);
});

test("names the image ids containers use and each image's containers", () => {
  const store = new ContainerStore(openStateDb(paths));
  store.insert(rec("web", "sha256:a"));
  store.insert(rec("old", "sha256:a", { exitFile: true }));
  store.insert(rec("db", "sha256:b"));
  const use = containerImageUse(paths, namespaceUp);
  expect([...use.inUse].sort()).toEqual(["sha256:a", "sha256:b"]);
  expect(use.usedBy("sha256:a")).toEqual([{ name: "web", running: true }, { name: "old", running: false }]);
  expect(use.usedBy("sha256:c")).toEqual([]);
});
