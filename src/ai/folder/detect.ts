/**
 * What a folder is (issue #17, the Kyozo design's "folder topology detection"): a compose file,
 * a Dockerfile, or a project kitten recognises by its files — package.json with a start script,
 * requirements.txt / pyproject.toml with an app entry, go.mod, Cargo.toml, pom.xml / build.gradle,
 * a static site with index.html — at the top or in subfolders (a monorepo: one service each).
 * Every conclusion carries the reason it was drawn from, in words a person can check; nothing
 * is guessed silently. Pure over a FolderView, so tests need no disk layout tricks.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Read access to the folder: relative paths, undefined when absent. */
export interface FolderView {
  read(path: string): string | undefined;
  /** entries of a directory: names, directories with a trailing "/" */
  list(path: string): string[];
}

export function diskFolder(root: string): FolderView {
  return {
    read(path) {
      try {
        const full = join(root, path);
        // a folder's files are read for detection only: small text, never a device or a big file
        const st = statSync(full);
        if (!st.isFile() || st.size > 1 << 20) return undefined;
        return readFileSync(full, "utf8");
      } catch {
        return undefined;
      }
    },
    list(path) {
      try {
        return readdirSync(join(root, path), { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
      } catch {
        return [];
      }
    },
  };
}

export type FolderKind = "dockerfile" | "node" | "python" | "go" | "rust" | "java" | "static";

export interface Dependency {
  /** catalog key of the datastore the app needs */
  service: "postgres" | "mysql" | "redis" | "mongo" | "rabbitmq";
  /** the env var the app reads its address from */
  env: string;
  reason: string;
}

export interface DetectedService {
  /** service name: the subfolder's, else the folder's own */
  name: string;
  /** the build context, relative to the folder ("." or "api") */
  dir: string;
  kind: FolderKind;
  /** the port the app listens on in its container */
  port?: number;
  /** the command a generated Dockerfile runs */
  command?: string[];
  reasons: string[];
  needs: Dependency[];
  /** env names the app reads (from .env.example), with their example values */
  env: Record<string, string>;
}

export interface FolderDetection {
  /** a compose file in the folder: it is used as it is */
  compose?: string;
  services: DetectedService[];
}

const COMPOSE_FILES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

/** Env names that point at a datastore, as apps commonly spell them. */
const ENV_NEEDS: Array<[RegExp, Dependency["service"]]> = [
  [/^(DATABASE_URL|POSTGRES_URL|PG_URL|PGHOST|POSTGRES_HOST)$/, "postgres"],
  [/^(MYSQL_URL|MYSQL_HOST)$/, "mysql"],
  [/^(REDIS_URL|REDIS_HOST)$/, "redis"],
  [/^(MONGO_URL|MONGODB_URI|MONGO_URI|MONGODB_URL)$/, "mongo"],
  [/^(AMQP_URL|RABBITMQ_URL|CELERY_BROKER_URL)$/, "rabbitmq"],
];

/** Client libraries that name the datastore they talk to. */
const LIBRARY_NEEDS: Record<string, Dependency["service"]> = {
  pg: "postgres", postgres: "postgres", "pg-promise": "postgres", psycopg2: "postgres", "psycopg2-binary": "postgres", psycopg: "postgres", asyncpg: "postgres",
  mysql: "mysql", mysql2: "mysql", pymysql: "mysql", "mysqlclient": "mysql",
  redis: "redis", ioredis: "redis",
  mongodb: "mongo", mongoose: "mongo", pymongo: "mongo", motor: "mongo",
  amqplib: "rabbitmq", pika: "rabbitmq", celery: "rabbitmq",
};

const DEFAULT_ENV: Record<Dependency["service"], string> = { postgres: "DATABASE_URL", mysql: "DATABASE_URL", redis: "REDIS_URL", mongo: "MONGO_URL", rabbitmq: "AMQP_URL" };

export function detectFolder(view: FolderView, folderName: string): FolderDetection {
  const top = view.list(".");
  const compose = COMPOSE_FILES.find((f) => top.includes(f));
  if (compose) return { compose, services: [] };
  const own = detectService(view, ".", folderName);
  if (own) return { services: [own] };
  // a monorepo: each subfolder that is an app is a service
  const services = top
    .filter((e) => e.endsWith("/") && !e.startsWith(".") && !["node_modules/", "vendor/", "target/", "dist/", "build/"].includes(e))
    .map((e) => e.slice(0, -1))
    .sort()
    .flatMap((sub) => detectService(view, sub, sub) ?? []);
  return { services };
}

function detectService(view: FolderView, dir: string, name: string): DetectedService | undefined {
  const files = view.list(dir);
  const at = (f: string) => (dir === "." ? f : `${dir}/${f}`);
  const read = (f: string) => view.read(at(f));
  const base: Omit<DetectedService, "kind"> = { name: serviceName(name), dir, reasons: [], needs: [], env: readEnvExample(read(".env.example") ?? read(".env.sample")) };
  let svc: DetectedService | undefined;
  if (files.includes("Dockerfile")) {
    const expose = /^\s*EXPOSE\s+(\d+)/im.exec(read("Dockerfile") ?? "");
    svc = { ...base, kind: "dockerfile", port: expose ? Number(expose[1]) : undefined };
    svc.reasons.push(`${at("Dockerfile")}: built as it is${expose ? ` (EXPOSE ${expose[1]})` : ""}`);
  } else if (files.includes("package.json")) {
    svc = nodeService(base, read("package.json")!, read, at);
  } else if (files.includes("requirements.txt") || files.includes("pyproject.toml") || files.includes("manage.py")) {
    svc = pythonService(base, files, read, at);
  } else if (files.includes("go.mod")) {
    svc = { ...base, kind: "go", port: portIn(files.filter((f) => f.endsWith(".go")).map(read).join("\n")) ?? 8080 };
    svc.reasons.push(`${at("go.mod")}: a Go module, built with go build`);
  } else if (files.includes("Cargo.toml")) {
    const bin = /^\s*name\s*=\s*"([^"]+)"/m.exec(read("Cargo.toml") ?? "")?.[1] ?? "app";
    svc = { ...base, kind: "rust", port: 8080, command: [`/usr/local/bin/${bin}`] };
    svc.reasons.push(`${at("Cargo.toml")}: a Rust crate "${bin}", built with cargo build --release`);
  } else if (files.includes("pom.xml") || files.includes("build.gradle") || files.includes("build.gradle.kts")) {
    const maven = files.includes("pom.xml");
    svc = { ...base, kind: "java", port: 8080 };
    svc.reasons.push(`${at(maven ? "pom.xml" : "build.gradle")}: a Java project, built with ${maven ? "Maven" : "Gradle"}`);
  } else if (files.includes("index.html")) {
    svc = { ...base, kind: "static", port: 80 };
    svc.reasons.push(`${at("index.html")}: a static site, served by nginx`);
  }
  if (!svc) return undefined;
  const envPort = Number(svc.env.PORT);
  if (svc.kind !== "static" && svc.kind !== "dockerfile" && Number.isInteger(envPort) && envPort > 0) {
    svc.port = envPort;
    svc.reasons.push(`${at(".env.example")} sets PORT=${envPort}`);
  }
  addNeeds(svc, at);
  return svc;
}

function nodeService(base: Omit<DetectedService, "kind">, text: string, read: (f: string) => string | undefined, at: (f: string) => string): DetectedService {
  let pkg: { scripts?: Record<string, string>; main?: string; dependencies?: Record<string, string> } = {};
  try {
    pkg = JSON.parse(text);
  } catch {}
  const svc: DetectedService = { ...base, kind: "node" };
  const start = pkg.scripts?.start;
  const main = pkg.main ?? (["server.js", "index.js", "app.js"].find((f) => read(f) !== undefined));
  if (start) {
    svc.command = ["npm", "start"];
    svc.reasons.push(`${at("package.json")} has \`start\` (${start}): node`);
  } else if (main) {
    svc.command = ["node", main];
    svc.reasons.push(`${at("package.json")} has no start script: node ${main}`);
  } else {
    svc.command = ["npm", "start"];
    svc.reasons.push(`${at("package.json")}: node (no start script or main file found: add one)`);
  }
  const deps = Object.keys(pkg.dependencies ?? {});
  const framework = deps.includes("next") ? "next" : deps.find((d) => ["express", "fastify", "koa", "@nestjs/core", "hapi"].includes(d));
  const sourcePort = portIn([start ?? "", main ? (read(main) ?? "") : ""].join("\n"));
  svc.port = sourcePort ?? 3000;
  svc.reasons.push(sourcePort ? `listens on ${sourcePort} (found in ${main ?? "the start script"})` : `${framework ?? "node"}'s usual port 3000`);
  for (const d of deps) noteLibrary(svc, d, at("package.json"));
  return svc;
}

function pythonService(base: Omit<DetectedService, "kind">, files: string[], read: (f: string) => string | undefined, at: (f: string) => string): DetectedService {
  const reqs = (read("requirements.txt") ?? "").split("\n").map((l) => l.replace(/#.*/, "").trim().toLowerCase().split(/[=<>~![;\s]/)[0]!).filter(Boolean);
  const pyproject = read("pyproject.toml") ?? "";
  const pyDeps = [...pyproject.matchAll(/"([A-Za-z0-9_.-]+)\s*(?:[=<>~!].*)?"/g)].map((m) => m[1]!.toLowerCase());
  const deps = [...reqs, ...pyDeps];
  const svc: DetectedService = { ...base, kind: "python" };
  const entry = ["app.py", "main.py", "server.py", "wsgi.py"].find((f) => files.includes(f));
  const source = entry ? (read(entry) ?? "") : "";
  const module = entry?.replace(/\.py$/, "");
  if (files.includes("manage.py")) {
    svc.port = 8000;
    svc.command = ["python", "manage.py", "runserver", "0.0.0.0:8000"];
    svc.reasons.push(`${at("manage.py")}: a Django project, on Django's port 8000`);
  } else if (deps.includes("fastapi") || deps.includes("uvicorn")) {
    svc.port = 8000;
    svc.command = ["uvicorn", `${module ?? "main"}:app`, "--host", "0.0.0.0", "--port", "8000"];
    svc.reasons.push(`${deps.includes("fastapi") ? "fastapi" : "uvicorn"} in the requirements: served by uvicorn on 8000`);
  } else if (entry && /\bapp\.run\(/.test(source)) {
    svc.port = portIn(source) ?? 5000;
    svc.command = ["python", entry];
    svc.reasons.push(`${at(entry)} runs the app itself (app.run)${deps.includes("flask") ? ", a Flask app" : ""}, on ${svc.port}`);
  } else if (deps.includes("flask") && entry) {
    svc.port = 5000;
    svc.command = ["flask", "--app", module!, "run", "--host", "0.0.0.0", "--port", "5000"];
    svc.reasons.push(`flask in the requirements and ${at(entry)}: flask run on Flask's port 5000`);
  } else if (entry) {
    svc.port = portIn(source) ?? 8000;
    svc.command = ["python", entry];
    svc.reasons.push(`${at(entry)} is the entry point, listening on ${svc.port}${portIn(source) ? "" : " (assumed: no port found in it)"}`);
  } else {
    const script = /\[project\.scripts\][^[]*?^\s*([A-Za-z0-9_-]+)\s*=/ms.exec(pyproject)?.[1];
    svc.port = 8000;
    svc.command = script ? [script] : ["python", "-m", base.name];
    svc.reasons.push(script ? `${at("pyproject.toml")} declares the script "${script}"` : `no entry file found: runs python -m ${base.name} (check it)`);
  }
  for (const d of deps) noteLibrary(svc, d, at(files.includes("requirements.txt") ? "requirements.txt" : "pyproject.toml"));
  return svc;
}

function noteLibrary(svc: DetectedService, library: string, where: string): void {
  const service = LIBRARY_NEEDS[library];
  if (service && !svc.needs.some((n) => n.service === service)) svc.needs.push({ service, env: DEFAULT_ENV[service], reason: `${where} uses ${library}: ${service}` });
}

function addNeeds(svc: DetectedService, at: (f: string) => string): void {
  for (const name of Object.keys(svc.env)) {
    const hit = ENV_NEEDS.find(([re]) => re.test(name));
    if (!hit) continue;
    // the URL's scheme can say better than the name which database it is (DATABASE_URL=mysql://…)
    const scheme = /^([a-z0-9+]+):\/\//.exec(svc.env[name] ?? "")?.[1];
    const service = scheme?.startsWith("mysql") ? "mysql" : scheme?.startsWith("mongodb") ? "mongo" : scheme?.startsWith("redis") ? "redis" : scheme?.startsWith("amqp") ? "rabbitmq" : hit[1];
    const known = svc.needs.find((n) => n.service === service);
    if (known) known.env = name;
    else svc.needs.push({ service, env: name, reason: `${at(".env.example")} names ${name}: ${service}` });
  }
}

/** KEY=value lines of an .env.example (comments and blanks skipped, quotes removed). */
function readEnvExample(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of (text ?? "").split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, "$2");
  }
  return env;
}

/** A port number the source code listens on: `.listen(3000)`, `PORT || 8080`, `port=5001`, `:9000"`. */
export function portIn(source: string): number | undefined {
  const patterns = [/\.listen\(\s*(\d{2,5})/, /PORT['"]?\s*(?:\|\||\?\?|,|or)\s*['"]?(\d{2,5})/, /\bport\s*=\s*(\d{2,5})/i, /ListenAndServe\(\s*"[^":]*:(\d{2,5})"/, /--port[= ](\d{2,5})/, /HTTPServer\(\s*\(\s*['"][^'"]*['"]\s*,\s*(\d{2,5})/];
  for (const re of patterns) {
    const m = re.exec(source);
    if (m && Number(m[1]) > 0 && Number(m[1]) < 65536) return Number(m[1]);
  }
  return undefined;
}

/** compose's rule for service names, from a folder name. */
function serviceName(folder: string): string {
  return folder.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[^a-z0-9]+/, "") || "app";
}
