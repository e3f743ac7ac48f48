import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { ProjectSchema, type Project } from "../../../src/engine/compose/model.ts";
import { draftOffline } from "../../../src/ai/offline/index.ts";
import { draftProblems, renderDraft } from "../../../src/ai/draft.ts";
import { InvalidInputError } from "../../../src/core/errors.ts";
import { proxyConfigOf } from "../../../src/ai/offline/proxy.ts";

interface Expect {
  image?: string;
  replicas?: number;
  /** "published:target" */
  ports?: string[];
  /** a subset of the environment */
  env?: Record<string, string>;
  /** exactly these dependencies */
  dependsOn?: string[];
  healthy?: string[];
  volumes?: string[];
  commandIncludes?: string;
  /** an upstream ("name:port") of the nginx config mounted into the service */
  proxiesTo?: string;
}

interface Case {
  request: string;
  services: Record<string, Expect>;
  network?: string;
  warning?: RegExp;
  noWarnings?: boolean;
}

// The Kitten README's example prompts come first; every one must draft a valid stack offline.
const CASES: Case[] = [
  { request: "Deploy nginx web server on port 8080", services: { nginx: { image: "nginx:alpine", ports: ["8080:80"], dependsOn: [] } }, noWarnings: true },
  {
    request: "Run 3 nginx containers behind a load balancer with a shared network",
    services: { nginx: { image: "nginx:alpine", replicas: 3, ports: [] }, lb: { image: "nginx:alpine", ports: ["8080:80"], dependsOn: ["nginx"], proxiesTo: "nginx:80" } },
    network: "shared",
  },
  {
    request: "Set up a postgres database and redis cache that can talk to each other",
    services: { postgres: { image: "postgres:16-alpine", env: { POSTGRES_PASSWORD: "change-me" }, ports: [] }, redis: { image: "redis:7-alpine", ports: [] } },
    network: "shared",
    warning: /POSTGRES_PASSWORD is the placeholder "change-me"/,
  },
  {
    request: "Create a microservices setup with nginx, 2 python API servers, postgres database, and redis",
    services: {
      nginx: { image: "nginx:alpine", ports: ["8080:80"], dependsOn: ["api"], proxiesTo: "api:8000" },
      api: { image: "python:3.12-slim", replicas: 2, ports: [], dependsOn: ["postgres", "redis"], healthy: ["postgres", "redis"], env: { REDIS_URL: "redis://redis:6379", DATABASE_URL: "postgres://postgres:change-me@postgres:5432/postgres" } },
      postgres: { image: "postgres:16-alpine", volumes: ["postgres-data:/var/lib/postgresql/data"] },
      redis: { image: "redis:7-alpine", volumes: ["redis-data:/data"] },
    },
    network: "default",
  },
  { request: "Run postgres database with user 'admin' and password 'secret'", services: { postgres: { env: { POSTGRES_USER: "admin", POSTGRES_PASSWORD: "secret" } } }, noWarnings: true },
  { request: "Create 3 nginx containers that can talk to each other", services: { nginx: { replicas: 3, ports: [] } }, network: "shared" },
  {
    request: "Set up wordpress with mysql database",
    services: {
      wordpress: { image: "wordpress:6-apache", ports: ["8080:80"], dependsOn: ["mysql"], healthy: ["mysql"], env: { WORDPRESS_DB_HOST: "mysql:3306", WORDPRESS_DB_USER: "wordpress", WORDPRESS_DB_NAME: "wordpress", WORDPRESS_DB_PASSWORD: "change-me" } },
      mysql: { image: "mysql:8.4", env: { MYSQL_DATABASE: "wordpress", MYSQL_USER: "wordpress", MYSQL_PASSWORD: "change-me", MYSQL_ROOT_PASSWORD: "change-me" } },
    },
  },
  // single services
  { request: "nginx on port 8080", services: { nginx: { ports: ["8080:80"] } } },
  { request: "deploy nginx", services: { nginx: { ports: ["8080:80"] } } },
  { request: "nginx on port 80", services: { nginx: { ports: ["80:80"] } }, warning: /host port 80 is below 1024/ },
  { request: "nginx on 8080:80", services: { nginx: { ports: ["8080:80"] } } },
  { request: "run httpd on 9090", services: { httpd: { image: "httpd:alpine", ports: ["9090:80"] } } },
  { request: "apache web server", services: { httpd: { image: "httpd:alpine", ports: ["8080:80"] } } },
  { request: "caddy", services: { caddy: { image: "caddy:alpine", ports: ["8080:80"], volumes: ["caddy-data:/data"] } } },
  { request: "traefik reverse proxy", services: { traefik: { image: "traefik:v3", ports: ["8080:80"] } } },
  { request: "nginx:1.25 on port 8081", services: { nginx: { image: "nginx:1.25", ports: ["8081:80"] } } },
  { request: "nginx called frontend on port 8000", services: { frontend: { image: "nginx:alpine", ports: ["8000:80"] } } },
  { request: "nginx with FOO=bar", services: { nginx: { env: { FOO: "bar" } } } },
  { request: "myorg/api:1.2 on port 9000", services: { api: { image: "myorg/api:1.2", ports: ["9000:9000"] } } },
  { request: "node app on port 3000", services: { node: { image: "node:22-alpine", ports: ["3000:3000"] } } },
  { request: "busybox", services: { busybox: { image: "busybox:latest", ports: [], commandIncludes: "sleep" } } },
  { request: "alpine", services: { alpine: { image: "alpine:3", ports: [] } } },
  { request: "memcached", services: { memcached: { image: "memcached:alpine", ports: [] } } },
  { request: "elasticsearch", services: { elasticsearch: { image: "elasticsearch:8.15.0", env: { "discovery.type": "single-node" } } } },
  { request: "minio object storage", services: { minio: { image: "minio/minio:latest", ports: ["9000:9000"], env: { MINIO_ROOT_USER: "admin", MINIO_ROOT_PASSWORD: "change-me" } } } },
  { request: "grafana and prometheus", services: { grafana: { ports: ["3000:3000"] }, prometheus: { image: "prom/prometheus:latest", ports: ["9090:9090"] } } },
  { request: "a redis cache on port 6379", services: { redis: { ports: ["6379:6379"] } } },
  // roles without an image name
  { request: "a database", services: { postgres: { image: "postgres:16-alpine" } } },
  { request: "a cache", services: { redis: { image: "redis:7-alpine" } } },
  { request: "rabbitmq message queue", services: { rabbitmq: { image: "rabbitmq:3-management-alpine", env: { RABBITMQ_DEFAULT_USER: "app" } } } },
  // credentials
  { request: "postgres with user admin, password secret and database mydb", services: { postgres: { env: { POSTGRES_USER: "admin", POSTGRES_PASSWORD: "secret", POSTGRES_DB: "mydb" } } }, noWarnings: true },
  { request: "a postgresql db named mydb with password hunter2", services: { postgres: { env: { POSTGRES_DB: "mydb", POSTGRES_PASSWORD: "hunter2" } } } },
  { request: "pg with password s3cret", services: { postgres: { env: { POSTGRES_PASSWORD: "s3cret" }, healthy: [] } } },
  { request: "mysql with password secret", services: { mysql: { env: { MYSQL_ROOT_PASSWORD: "secret" } } } },
  { request: "mariadb with user bob and password pw123 and database shop", services: { mariadb: { image: "mariadb:11", env: { MARIADB_USER: "bob", MARIADB_PASSWORD: "pw123", MARIADB_DATABASE: "shop" } } } },
  { request: "mongodb with user root and password example", services: { mongo: { image: "mongo:7", env: { MONGO_INITDB_ROOT_USERNAME: "root", MONGO_INITDB_ROOT_PASSWORD: "example" } } } },
  { request: "postgres:15 with password secret", services: { postgres: { image: "postgres:15", env: { POSTGRES_PASSWORD: "secret" } } } },
  { request: "postgres 15 with password secret", services: { postgres: { image: "postgres:15" } } },
  // counts
  { request: "nginx with 4 replicas", services: { nginx: { replicas: 4, ports: [] } } },
  { request: "5 copies of redis", services: { redis: { replicas: 5, volumes: [] } }, warning: /5 replicas would share one data volume/ },
  { request: "3 nginx on 8080", services: { nginx: { replicas: 3, ports: [] }, lb: { ports: ["8080:80"], dependsOn: ["nginx"] } } },
  { request: "two httpd servers behind a load balancer on port 8088", services: { httpd: { replicas: 2 }, lb: { ports: ["8088:80"], proxiesTo: "httpd:80" } } },
  // relations
  {
    request: "wordpress with mariadb",
    services: { wordpress: { env: { WORDPRESS_DB_HOST: "mariadb:3306" }, dependsOn: ["mariadb"] }, mariadb: { env: { MARIADB_DATABASE: "wordpress", MARIADB_USER: "wordpress" } } },
  },
  { request: "wordpress", services: { wordpress: { dependsOn: ["mysql"] }, mysql: { image: "mysql:8.4" } } },
  { request: "ghost blog with mysql", services: { ghost: { image: "ghost:5-alpine", ports: ["2368:2368"], env: { database__connection__host: "mysql" }, dependsOn: ["mysql"] }, mysql: {} } },
  { request: "adminer and postgres", services: { adminer: { ports: ["8080:8080"], env: { ADMINER_DEFAULT_SERVER: "postgres" }, dependsOn: ["postgres"] }, postgres: {} } },
  { request: "2 node api servers and mongo", services: { api: { image: "node:22-alpine", replicas: 2, dependsOn: ["mongo"], env: { MONGO_URL: "mongodb://admin:change-me@mongo:27017" } }, mongo: {} } },
  { request: "python api with postgres and redis", services: { api: { image: "python:3.12-slim", dependsOn: ["postgres", "redis"] }, postgres: {}, redis: {} } },
  { request: "nginx and 2 python api servers", services: { nginx: { ports: ["8080:80"], dependsOn: ["api"] }, api: { replicas: 2, ports: [] } } },
  { request: "nginx and redis and postgres on the same network", services: { nginx: { dependsOn: [] }, redis: {}, postgres: {} }, network: "shared" },
  { request: "postgres and mysql", services: { postgres: { ports: [] }, mysql: { ports: [] } } },
  { request: "apache on 8081 and mysql with password root123", services: { httpd: { ports: ["8081:80"] }, mysql: { replicas: 1, env: { MYSQL_ROOT_PASSWORD: "root123" } } } },
  { request: "elasticsearch and a kibana", services: { elasticsearch: {}, kibana: { ports: ["5601:5601"], env: { ELASTICSEARCH_HOSTS: "http://elasticsearch:9200" }, healthy: ["elasticsearch"] } }, noWarnings: true },
  { request: "nginx reverse proxy in front of 2 node apps", services: { nginx: { dependsOn: ["node"], proxiesTo: "node:3000" }, node: { replicas: 2, ports: [] } }, noWarnings: true },
  { request: "phpmyadmin with mariadb", services: { phpmyadmin: { env: { PMA_HOST: "mariadb" }, dependsOn: ["mariadb"] }, mariadb: {} } },
  { request: "launch a mongo database with user admin and password s3cret on port 27017", services: { mongo: { ports: ["27017:27017"], env: { MONGO_INITDB_ROOT_USERNAME: "admin", MONGO_INITDB_ROOT_PASSWORD: "s3cret" } } }, noWarnings: true },
  { request: "Run a MySQL 8 database with root password hunter2", services: { mysql: { image: "mysql:8", replicas: 1, env: { MYSQL_ROOT_PASSWORD: "hunter2" } } }, noWarnings: true },
  {
    request: "Set up a node app with redis and mongo, expose the app on port 3000",
    services: { node: { ports: ["3000:3000"], dependsOn: ["mongo", "redis"] }, redis: { ports: [] }, mongo: { ports: [] } },
  },
  { request: "Create two python workers and a rabbitmq broker", services: { worker: { image: "python:3.12-slim", replicas: 2, dependsOn: ["rabbitmq"] }, rabbitmq: {} } },
  { request: "nginx + php", services: { nginx: { dependsOn: ["php"], proxiesTo: "php:80" }, php: { image: "php:8.3-apache", ports: [] } }, noWarnings: true },
  { request: "a python api with kafka", services: { api: { dependsOn: ["kafka"], env: { KAFKA_BOOTSTRAP_SERVERS: "kafka:9092" } }, kafka: { image: "apache/kafka:3.8.0", ports: [] } }, noWarnings: true },
  { request: "I'd like nginx listening on 8000", services: { nginx: { ports: ["8000:80"] } }, noWarnings: true },
  { request: "Spin up a Redis cache and a Postgres DB for my Django app", services: { redis: {}, postgres: {}, python: { dependsOn: ["postgres", "redis"] } } },
];

function check(project: Project, name: string, want: Expect): void {
  const svc = project.services[name];
  expect(svc, `service ${name}`).toBeDefined();
  if (!svc) return;
  if (want.image) expect(svc.image).toBe(want.image);
  if (want.replicas !== undefined) expect(svc.deploy?.replicas ?? 1).toBe(want.replicas);
  if (want.ports) expect(svc.ports.map((p) => `${p.published}:${p.target}`)).toEqual(want.ports);
  if (want.env) expect(svc.environment).toMatchObject(want.env);
  if (want.dependsOn) expect(Object.keys(svc.depends_on ?? {}).sort()).toEqual([...want.dependsOn].sort());
  for (const dep of want.healthy ?? []) expect(svc.depends_on?.[dep]?.condition).toBe("service_healthy");
  if (want.volumes) expect((svc.volumes ?? []).map((v) => `${v.source}:${v.target}`)).toEqual(want.volumes);
  if (want.commandIncludes) expect((svc.command ?? []).join(" ")).toContain(want.commandIncludes);
  if (want.proxiesTo) {
    expect(svc.command).toBeUndefined();
    expect(proxyConfigOf(project, name)).toContain(`server ${want.proxiesTo};`);
  }
}

describe("offline drafter", () => {
  test("has a table of at least 40 requests", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  test.each(CASES.map((c) => [c.request, c] as const))("drafts %p", (_request, c) => {
    const draft = draftOffline(c.request, { projectName: "demo" });
    expect(Object.keys(draft.project.services).sort()).toEqual(Object.keys(c.services).sort());
    for (const [name, want] of Object.entries(c.services)) check(draft.project, name, want);
    if (c.network) {
      expect(Object.keys(draft.project.networks)).toEqual([c.network]);
      for (const svc of Object.values(draft.project.services)) expect(Object.keys(svc.networks ?? {})).toEqual([c.network]);
    }
    if (c.warning) expect(draft.warnings.join("\n")).toMatch(c.warning);
    if (c.noWarnings) expect(draft.warnings).toEqual([]);
    // every draft is a valid project, also after a trip through its own YAML
    expect(draftProblems(draft.project)).toEqual([]);
    const reparsed = ProjectSchema.parse(parse(renderDraft(draft.project, "yaml")));
    expect(Object.keys(reparsed.services).sort()).toEqual(Object.keys(c.services).sort());
  });

  test("lists the words it did not understand as a warning", () => {
    const draft = draftOffline("nginx with a flux capacitor", { projectName: "demo" });
    expect(Object.keys(draft.project.services)).toEqual(["nginx"]);
    expect(draft.warnings[0]).toBe('did not understand: "flux", "capacitor" (ignored)');
  });

  test.each(["Deploy something", "Make a server", "deploy a kubernetes cluster", ""])("refuses %p with exit 2 and examples", (request) => {
    let caught: unknown;
    try {
      draftOffline(request, { projectName: "demo" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    const err = caught as InvalidInputError;
    expect(err.exitCode).toBe(2);
    expect(err.message).toStartWith("could not understand");
    expect(err.hint).toContain('"nginx on port 8080"');
  });

  test("names the words it did not understand when nothing is recognized", () => {
    expect(() => draftOffline("deploy a kubernetes cluster", { projectName: "demo" })).toThrow('(not understood: "kubernetes", "cluster")');
  });

  test("reports a password with no database to take it", () => {
    const draft = draftOffline("nginx with password hunter2", { projectName: "demo" });
    expect(draft.warnings.join("\n")).toContain('ignored the password "hunter2"');
    expect(JSON.stringify(draft.project)).not.toContain("hunter2");
  });

  test("applies a restart policy asked for to every service", () => {
    const draft = draftOffline("nginx and redis with restart always", { projectName: "demo" });
    expect(Object.values(draft.project.services).map((s) => s.restart)).toEqual(["always", "always"]);
    expect(draftOffline("nginx", { projectName: "demo" }).project.services.nginx?.restart).toBe("unless-stopped");
  });

  test("is deterministic", () => {
    const request = "Create a microservices setup with nginx, 2 python API servers, postgres database, and redis";
    expect(renderDraft(draftOffline(request, { projectName: "x" }).project, "json")).toBe(renderDraft(draftOffline(request, { projectName: "x" }).project, "json"));
  });

  test("escapes dollars so a written file interpolates back to the same value", () => {
    const draft = draftOffline("postgres with password pa$word", { projectName: "demo" });
    expect(draft.project.services.postgres?.environment.POSTGRES_PASSWORD).toBe("pa$word");
    expect(renderDraft(draft.project, "yaml")).toContain("POSTGRES_PASSWORD: pa$$word");
  });
});
