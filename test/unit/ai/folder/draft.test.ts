import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { detectFolder, diskFolder } from "../../../../src/ai/folder/detect.ts";
import { folderDraft } from "../../../../src/ai/folder/draft.ts";
import { draftProblems } from "../../../../src/ai/draft.ts";

const FOLDERS = join(import.meta.dir, "../../../fixtures/folders");

function draftOf(kind: string) {
  const view = diskFolder(join(FOLDERS, kind));
  return folderDraft(detectFolder(view, kind), view, kind);
}

describe("folderDraft", () => {
  test("a monorepo: a built service per app, the datastore it needs, its address in the app's env", () => {
    const { draft, files } = draftOf("monorepo");
    const s = draft.project.services;
    expect(Object.keys(s).sort()).toEqual(["api", "redis", "web"]);
    expect(s.api).toMatchObject({ build: { context: "./api" }, ports: [{ target: 5001, published: "5001" }], environment: { REDIS_URL: "redis://redis:6379" } });
    expect(s.api!.depends_on).toEqual({ redis: { condition: "service_healthy", required: true } });
    expect(s.web).toMatchObject({ build: { context: "./web" }, ports: [{ target: 80, published: "8080" }] });
    expect(s.redis!.image).toBe("redis:7-alpine");
    expect(files.map((f) => f.path).sort()).toEqual(["api/Dockerfile", "web/Dockerfile"]);
    expect(draft.summary).toContain("api: api/.env.example names REDIS_URL: redis: added redis (redis:7-alpine), reached as REDIS_URL");
    expect(draftProblems(draft.project)).toEqual([]);
  });

  test("a folder with its own Dockerfile writes nothing and publishes its EXPOSEd port", () => {
    const { draft, files } = draftOf("dockerfile");
    expect(files).toEqual([]);
    expect(draft.project.services.dockerfile).toMatchObject({ build: { context: "." }, ports: [{ target: 8080, published: "8080" }] });
  });

  test.each([["node", 3000, "3000"], ["python", 8000, "8000"], ["go", 8080, "8080"], ["static", 80, "8080"]])("%s: one built service on its port", (kind, target, published) => {
    const { draft, files } = draftOf(kind);
    expect(Object.keys(draft.project.services)).toEqual([kind]);
    expect(draft.project.services[kind]!.ports).toEqual([{ target, published, mode: "ingress", protocol: "tcp" }]);
    expect(files.map((f) => f.path)).toEqual(["Dockerfile"]);
    expect(draftProblems(draft.project)).toEqual([]);
  });
});
