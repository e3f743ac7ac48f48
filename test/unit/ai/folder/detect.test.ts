import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { detectFolder, diskFolder, portIn, type FolderView } from "../../../../src/ai/folder/detect.ts";
import { generatedDockerfile } from "../../../../src/ai/folder/dockerfiles.ts";

const FOLDERS = join(import.meta.dir, "../../../fixtures/folders");

/** An in-memory folder: paths → contents. */
function memory(files: Record<string, string>): FolderView {
  return {
    read: (p) => files[p.replace(/^\.\//, "")],
    list(dir) {
      const prefix = dir === "." ? "" : `${dir}/`;
      const names = new Set<string>();
      for (const p of Object.keys(files)) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        names.add(rest.includes("/") ? `${rest.split("/")[0]}/` : rest);
      }
      return [...names];
    },
  };
}

describe("detectFolder on the fixture folders", () => {
  test("node: package.json's start script, the port from server.js", () => {
    const d = detectFolder(diskFolder(join(FOLDERS, "node")), "node");
    expect(d.services).toMatchObject([{ name: "node", dir: ".", kind: "node", port: 3000, command: ["npm", "start"] }]);
    expect(d.services[0]!.reasons).toEqual(["package.json has `start` (node server.js): node", "listens on 3000 (found in server.js)"]);
  });

  test("python: app.py listening on 8000", () => {
    const d = detectFolder(diskFolder(join(FOLDERS, "python")), "python");
    expect(d.services).toMatchObject([{ kind: "python", port: 8000, command: ["python", "app.py"], needs: [] }]);
  });

  test("go: go.mod, the port from ListenAndServe", () => {
    expect(detectFolder(diskFolder(join(FOLDERS, "go")), "go").services).toMatchObject([{ kind: "go", port: 8080 }]);
  });

  test("static: index.html served by nginx on 80", () => {
    expect(detectFolder(diskFolder(join(FOLDERS, "static")), "static").services).toMatchObject([{ kind: "static", port: 80 }]);
  });

  test("a Dockerfile is built as it is, its EXPOSE the port", () => {
    const d = detectFolder(diskFolder(join(FOLDERS, "dockerfile")), "dockerfile");
    expect(d.services).toMatchObject([{ kind: "dockerfile", port: 8080 }]);
    expect(generatedDockerfile(d.services[0]!, [])).toBeUndefined();
  });

  test("a monorepo: one service per app subfolder, needs from .env.example", () => {
    const d = detectFolder(diskFolder(join(FOLDERS, "monorepo")), "monorepo");
    expect(d.services.map((s) => [s.name, s.dir, s.kind, s.port])).toEqual([
      ["api", "api", "python", 5001],
      ["web", "web", "static", 80],
    ]);
    expect(d.services[0]!.needs).toEqual([{ service: "redis", env: "REDIS_URL", reason: "api/.env.example names REDIS_URL: redis" }]);
  });
});

describe("detectFolder rules", () => {
  test("a compose file wins over everything", () => {
    expect(detectFolder(memory({ "compose.yaml": "services: {}", "package.json": "{}" }), "x")).toEqual({ compose: "compose.yaml", services: [] });
  });

  test("django: manage.py on 8000; psycopg2 needs postgres", () => {
    const d = detectFolder(memory({ "manage.py": "", "requirements.txt": "Django==5.0\npsycopg2-binary>=2.9  # db\n" }), "shop");
    expect(d.services[0]).toMatchObject({ name: "shop", kind: "python", port: 8000, command: ["python", "manage.py", "runserver", "0.0.0.0:8000"] });
    expect(d.services[0]!.needs.map((n) => n.service)).toEqual(["postgres"]);
  });

  test("fastapi: uvicorn main:app on 8000", () => {
    const d = detectFolder(memory({ "main.py": "app = FastAPI()", "requirements.txt": "fastapi\nuvicorn[standard]\n" }), "api");
    expect(d.services[0]).toMatchObject({ port: 8000, command: ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"] });
  });

  test("flask: flask run on 5000 unless app.run names a port", () => {
    expect(detectFolder(memory({ "app.py": "app = Flask(__name__)", "requirements.txt": "flask\n" }), "f").services[0]).toMatchObject({ port: 5000, command: ["flask", "--app", "app", "run", "--host", "0.0.0.0", "--port", "5000"] });
    expect(detectFolder(memory({ "app.py": "app.run(host='0.0.0.0', port=5055)", "requirements.txt": "flask\n" }), "f").services[0]).toMatchObject({ port: 5055, command: ["python", "app.py"] });
  });

  test("PORT in .env.example sets the port; DATABASE_URL's scheme names the database", () => {
    const d = detectFolder(memory({ "package.json": '{"scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}', ".env.example": "PORT=4000\nDATABASE_URL=mysql://u:p@localhost/db\n# REDIS_URL=\n" }), "web");
    expect(d.services[0]).toMatchObject({ port: 4000 });
    expect(d.services[0]!.needs).toEqual([{ service: "mysql", env: "DATABASE_URL", reason: ".env.example names DATABASE_URL: mysql" }]);
  });

  test("library dependencies name datastores once, with the env an app is told", () => {
    const d = detectFolder(memory({ "package.json": '{"scripts":{"start":"node ."},"dependencies":{"pg":"8","ioredis":"5","redis":"4"}}' }), "web");
    expect(d.services[0]!.needs.map((n) => [n.service, n.env])).toEqual([["postgres", "DATABASE_URL"], ["redis", "REDIS_URL"]]);
  });

  test("rust, java and go get multi-stage Dockerfiles", () => {
    const rust = detectFolder(memory({ "Cargo.toml": '[package]\nname = "svc"\n' }), "r").services[0]!;
    expect(rust).toMatchObject({ kind: "rust", command: ["/usr/local/bin/svc"] });
    expect(generatedDockerfile(rust, ["Cargo.toml"])).toContain("FROM rust:1 AS build");
    const java = detectFolder(memory({ "pom.xml": "<project/>" }), "j").services[0]!;
    expect(generatedDockerfile(java, ["pom.xml"])).toContain("mvn -q -DskipTests package");
    expect(generatedDockerfile(detectFolder(memory({ "go.mod": "module x", "main.go": "" }), "g").services[0]!, ["go.mod"])).toContain("FROM debian:bookworm-slim");
  });

  test("a folder with nothing kitten knows has no services", () => {
    expect(detectFolder(memory({ "README.md": "hi", "docs/notes.txt": "" }), "x")).toEqual({ services: [] });
  });

  test("a node Dockerfile installs dependencies before copying the source", () => {
    const node = detectFolder(memory({ "package.json": '{"scripts":{"start":"node s.js"}}', "package-lock.json": "{}" }), "n").services[0]!;
    const text = generatedDockerfile(node, ["package.json", "package-lock.json"])!;
    expect(text.indexOf("RUN npm ci --omit=dev")).toBeLessThan(text.indexOf("COPY . ."));
    expect(text).toContain('CMD ["npm","start"]');
  });
});

describe("portIn", () => {
  test.each([
    ["app.listen(3001)", 3001],
    ["const port = process.env.PORT || 8081", 8081],
    ["port = int(os.environ.get('PORT', 9000))", 9000],
    ["http.ListenAndServe(\":7070\", nil)", 7070],
    ["uvicorn main:app --port 8123", 8123],
    ["nothing here", undefined],
  ])("%p → %p", (src, port) => expect(portIn(src)).toBe(port));
});
