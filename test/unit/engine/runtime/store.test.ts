import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { ContainerStore, type ContainerRecord } from "../../../../src/engine/runtime/store.ts";

const dbs: Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function store(): ContainerStore {
  const db = new Database(":memory:", { strict: true });
  db.exec("CREATE TABLE schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (component, version))");
  dbs.push(db);
  return new ContainerStore(db);
}

function rec(id: string, name: string, project = "default"): ContainerRecord {
  return {
    id, name, project, image: "./rootfs", imageId: "sha256:x", runtime: "runc", dir: `/d/${id}`, lowerDirs: ["/l"], monitored: true,
    spec: { name, project, image: "./rootfs", env: {} }, ports: [], ips: {}, autoRemove: false,
    createdAt: `2026-11-23T20:00:0${id.length}Z`, namespaceStartedAt: "t0",
  };
}

test("finds a container by name, full id or unique id prefix", () => {
  const s = store();
  s.insert(rec("abc111", "web"));
  s.insert(rec("abd222", "db"));
  expect(s.find("web")?.id).toBe("abc111");
  expect(s.find("abd222")?.name).toBe("db");
  expect(s.find("abc")?.name).toBe("web");
  expect(s.find("ab")).toBeUndefined();
  expect(s.find("nope")).toBeUndefined();
});

test("refuses a second container with the same name as invalid input", () => {
  const s = store();
  s.insert(rec("a1", "web"));
  expect(() => s.insert(rec("a2", "web"))).toThrow('container name "web" is already in use');
});

test("lists by project and forgets deleted containers", () => {
  const s = store();
  s.insert(rec("a1", "web", "shop"));
  s.insert(rec("b22", "db", "shop"));
  s.insert(rec("c333", "x"));
  expect(s.list({ project: "shop" }).map((r) => r.name)).toEqual(["web", "db"]);
  s.delete("a1");
  expect(s.list().map((r) => r.name)).toEqual(["db", "x"]);
});
