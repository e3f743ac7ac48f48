/**
 * Facts about well-known images that both drafters use: the offline drafter builds services
 * from them, and the LLM's system prompt quotes them so a model drafts the same defaults.
 * Ports, env names and data paths follow each image's Docker Hub documentation.
 */
import type { Healthcheck } from "../engine/compose/model.ts";

export type Kind = "web" | "proxy" | "database" | "cache" | "queue" | "app" | "runtime" | "tool" | "monitoring" | "storage" | "search";

/** Env var names an image reads its credentials from; values come from the request or a placeholder. */
export interface Credentials {
  user?: string;
  password: string;
  database?: string;
  /** a second secret some images insist on (mysql's root password) */
  rootPassword?: string;
}

export interface CatalogEntry {
  /** the canonical word, also the default service name */
  key: string;
  image: string;
  kind: Kind;
  /** words and phrases naming this image (lower case, the key included) */
  names: string[];
  /** container ports the image documents; a port the request names maps to the one with its
   * number, else to the first one not yet mapped (`listens` images take the number asked for) */
  ports: number[];
  /** a placeholder whose command listens on ports[0]: a port the request names replaces it there
   * (and in the healthcheck), since no image documents a port for it */
  listens?: boolean;
  /** published on the host by default (the same port) when the request names no port */
  publishByDefault?: boolean;
  /** named volumes: volume key suffix → container path */
  volumes?: Record<string, string>;
  env?: Record<string, string>;
  credentials?: Credentials;
  /** defaults for the credentials when the request gives none */
  defaultUser?: string;
  /** env vars the image refuses to start without (diagnose checks them too) */
  requiredEnv?: string[];
  healthcheck?: Healthcheck;
  command?: string[];
  /** a database this image needs, by kind and preferred catalog key */
  needs?: { key: string; accepts: string[]; user?: string; database?: string; optional?: boolean };
  /** how a client of this entry connects: env set on the dependent service */
  clientEnv?: (host: string, env: Record<string, string | null>) => Record<string, string>;
  /** how this entry connects to its database when it needs one */
  dbClientEnv?: (host: string, port: number, dbEnv: Record<string, string | null>, db: CatalogEntry) => Record<string, string>;
  note?: string;
}

/** The placeholder used for every password the request didn't give: obvious, and flagged in warnings. */
export const PASSWORD_PLACEHOLDER = "change-me";

const hc = (test: string[], interval = "10s", retries = 5): Healthcheck => ({ test, interval, timeout: "5s", retries, start_period: "10s" });

export const CATALOG: CatalogEntry[] = [
  {
    key: "nginx", image: "nginx:alpine", kind: "web", names: ["nginx", "web server", "webserver", "static site", "website", "web"],
    ports: [80], publishByDefault: true,
    healthcheck: hc(["CMD-SHELL", "wget -q --spider http://127.0.0.1/ || exit 1"]),
  },
  {
    key: "httpd", image: "httpd:alpine", kind: "web", names: ["httpd", "apache", "apache2", "apache httpd"],
    ports: [80], publishByDefault: true,
    healthcheck: hc(["CMD-SHELL", "wget -q --spider http://127.0.0.1/ || exit 1"]),
  },
  {
    key: "caddy", image: "caddy:alpine", kind: "web", names: ["caddy"], ports: [80, 443], publishByDefault: true,
    volumes: { data: "/data" },
  },
  {
    key: "traefik", image: "traefik:v3", kind: "proxy", names: ["traefik", "reverse proxy"], ports: [80, 8080], publishByDefault: true,
    command: ["--api.insecure=true", "--entrypoints.web.address=:80"],
  },
  {
    key: "postgres", image: "postgres:16-alpine", kind: "database", names: ["postgres", "postgresql", "pg", "psql", "postgres database", "database", "db", "sql database"],
    ports: [5432], volumes: { data: "/var/lib/postgresql/data" },
    credentials: { user: "POSTGRES_USER", password: "POSTGRES_PASSWORD", database: "POSTGRES_DB" },
    requiredEnv: ["POSTGRES_PASSWORD"],
    healthcheck: hc(["CMD", "pg_isready", "-U", "postgres"]),
    clientEnv: (host, env) => ({
      DATABASE_URL: `postgres://${env.POSTGRES_USER ?? "postgres"}:${env.POSTGRES_PASSWORD ?? ""}@${host}:5432/${env.POSTGRES_DB ?? env.POSTGRES_USER ?? "postgres"}`,
    }),
  },
  {
    key: "mysql", image: "mysql:8.4", kind: "database", names: ["mysql"],
    ports: [3306], volumes: { data: "/var/lib/mysql" },
    credentials: { user: "MYSQL_USER", password: "MYSQL_PASSWORD", database: "MYSQL_DATABASE", rootPassword: "MYSQL_ROOT_PASSWORD" },
    requiredEnv: ["MYSQL_ROOT_PASSWORD"],
    healthcheck: hc(["CMD-SHELL", "mysqladmin ping -h 127.0.0.1 --silent"], "10s", 10),
    clientEnv: (host, env) => ({ DATABASE_URL: `mysql://${env.MYSQL_USER ?? "root"}:${(env.MYSQL_USER ? env.MYSQL_PASSWORD : env.MYSQL_ROOT_PASSWORD) ?? ""}@${host}:3306/${env.MYSQL_DATABASE ?? ""}` }),
  },
  {
    key: "mariadb", image: "mariadb:11", kind: "database", names: ["mariadb", "maria"],
    ports: [3306], volumes: { data: "/var/lib/mysql" },
    credentials: { user: "MARIADB_USER", password: "MARIADB_PASSWORD", database: "MARIADB_DATABASE", rootPassword: "MARIADB_ROOT_PASSWORD" },
    requiredEnv: ["MARIADB_ROOT_PASSWORD"],
    healthcheck: hc(["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"], "10s", 10),
    clientEnv: (host, env) => ({ DATABASE_URL: `mysql://${env.MARIADB_USER ?? "root"}:${(env.MARIADB_USER ? env.MARIADB_PASSWORD : env.MARIADB_ROOT_PASSWORD) ?? ""}@${host}:3306/${env.MARIADB_DATABASE ?? ""}` }),
  },
  {
    key: "mongo", image: "mongo:7", kind: "database", names: ["mongo", "mongodb"],
    ports: [27017], volumes: { data: "/data/db" },
    credentials: { user: "MONGO_INITDB_ROOT_USERNAME", password: "MONGO_INITDB_ROOT_PASSWORD" }, defaultUser: "admin",
    healthcheck: hc(["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping')"]),
    clientEnv: (host, env) => ({ MONGO_URL: `mongodb://${env.MONGO_INITDB_ROOT_USERNAME ?? ""}:${env.MONGO_INITDB_ROOT_PASSWORD ?? ""}@${host}:27017` }),
  },
  {
    key: "redis", image: "redis:7-alpine", kind: "cache", names: ["redis", "cache", "key value store", "key-value store"],
    ports: [6379], volumes: { data: "/data" },
    healthcheck: hc(["CMD", "redis-cli", "ping"]),
    clientEnv: (host) => ({ REDIS_URL: `redis://${host}:6379` }),
  },
  {
    key: "memcached", image: "memcached:alpine", kind: "cache", names: ["memcached", "memcache"], ports: [11211],
    clientEnv: (host) => ({ MEMCACHED_HOST: `${host}:11211` }),
  },
  {
    key: "rabbitmq", image: "rabbitmq:3-management-alpine", kind: "queue", names: ["rabbitmq", "rabbit", "message queue", "message broker", "queue", "broker", "amqp"],
    ports: [5672, 15672], volumes: { data: "/var/lib/rabbitmq" },
    credentials: { user: "RABBITMQ_DEFAULT_USER", password: "RABBITMQ_DEFAULT_PASS" }, defaultUser: "app",
    healthcheck: hc(["CMD", "rabbitmq-diagnostics", "-q", "ping"], "15s", 5),
    clientEnv: (host, env) => ({ AMQP_URL: `amqp://${env.RABBITMQ_DEFAULT_USER ?? "guest"}:${env.RABBITMQ_DEFAULT_PASS ?? "guest"}@${host}:5672` }),
  },
  {
    key: "kafka", image: "apache/kafka:3.8.0", kind: "queue", names: ["kafka", "apache kafka", "event stream", "event streaming"],
    ports: [9092],
    note: "a single KRaft broker (the image's defaults), reachable as kafka:9092 from the other services",
    clientEnv: (host) => ({ KAFKA_BOOTSTRAP_SERVERS: `${host}:9092` }),
  },
  {
    key: "wordpress", image: "wordpress:6-apache", kind: "app", names: ["wordpress", "wp", "blog"],
    ports: [80], publishByDefault: true, volumes: { html: "/var/www/html" },
    needs: { key: "mysql", accepts: ["mysql", "mariadb"], user: "wordpress", database: "wordpress" },
    dbClientEnv: (host, port, env, db) => ({
      WORDPRESS_DB_HOST: `${host}:${port}`,
      WORDPRESS_DB_USER: env[db.credentials?.user ?? ""] ?? "root",
      WORDPRESS_DB_PASSWORD: env[db.credentials?.password ?? ""] ?? "",
      WORDPRESS_DB_NAME: env[db.credentials?.database ?? ""] ?? "wordpress",
    }),
  },
  {
    key: "ghost", image: "ghost:5-alpine", kind: "app", names: ["ghost"], ports: [2368], publishByDefault: true,
    volumes: { content: "/var/lib/ghost/content" }, env: { url: "http://localhost:2368" },
    needs: { key: "mysql", accepts: ["mysql"], user: "ghost", database: "ghost" },
    dbClientEnv: (host, _port, env, db) => ({
      database__client: "mysql",
      database__connection__host: host,
      database__connection__user: env[db.credentials?.user ?? ""] ?? "root",
      database__connection__password: env[db.credentials?.password ?? ""] ?? "",
      database__connection__database: env[db.credentials?.database ?? ""] ?? "ghost",
    }),
  },
  {
    key: "adminer", image: "adminer:latest", kind: "tool", names: ["adminer", "database ui", "db admin"], ports: [8080], publishByDefault: true,
    dbClientEnv: (host) => ({ ADMINER_DEFAULT_SERVER: host }),
    needs: { key: "postgres", accepts: ["postgres", "mysql", "mariadb"], optional: true },
  },
  {
    key: "python", image: "python:3.12-slim", kind: "runtime", names: ["python", "flask", "django", "fastapi", "api", "api server", "backend", "app server"],
    ports: [8000], listens: true, command: ["python", "-m", "http.server", "8000"],
    healthcheck: hc(["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')"]),
    note: "runs `python -m http.server` as a placeholder: replace command with your app",
  },
  {
    key: "php", image: "php:8.3-apache", kind: "app", names: ["php", "php-apache", "laravel"], ports: [80], publishByDefault: true,
    healthcheck: hc(["CMD-SHELL", "curl -fs http://127.0.0.1/ >/dev/null || exit 1"]),
    note: "serves /var/www/html with apache: mount your code there",
  },
  {
    key: "node", image: "node:22-alpine", kind: "runtime", names: ["node", "nodejs", "node.js", "express"],
    ports: [3000], listens: true, command: ["node", "-e", "require('http').createServer((q,r)=>r.end('ok\\n')).listen(3000)"],
    healthcheck: hc(["CMD", "wget", "-q", "--spider", "http://127.0.0.1:3000/"]),
    note: "runs a tiny placeholder HTTP server: replace command with your app",
  },
  {
    key: "busybox", image: "busybox:latest", kind: "tool", names: ["busybox"], ports: [],
    command: ["sh", "-c", "while true; do sleep 3600; done"],
  },
  {
    key: "alpine", image: "alpine:3", kind: "tool", names: ["alpine", "alpine linux", "shell", "sleeper"], ports: [],
    command: ["sh", "-c", "while true; do sleep 3600; done"],
  },
  {
    key: "grafana", image: "grafana/grafana:latest", kind: "monitoring", names: ["grafana", "dashboard", "dashboards"],
    ports: [3000], publishByDefault: true, volumes: { data: "/var/lib/grafana" },
    credentials: { user: "GF_SECURITY_ADMIN_USER", password: "GF_SECURITY_ADMIN_PASSWORD" }, defaultUser: "admin",
    healthcheck: hc(["CMD-SHELL", "wget -q --spider http://127.0.0.1:3000/api/health || exit 1"]),
  },
  {
    key: "prometheus", image: "prom/prometheus:latest", kind: "monitoring", names: ["prometheus", "metrics", "monitoring"],
    ports: [9090], publishByDefault: true, volumes: { data: "/prometheus" },
    healthcheck: hc(["CMD", "wget", "-q", "--spider", "http://127.0.0.1:9090/-/healthy"]),
  },
  {
    key: "minio", image: "minio/minio:latest", kind: "storage", names: ["minio", "s3", "object storage", "object store"],
    ports: [9000, 9001], publishByDefault: true, volumes: { data: "/data" }, command: ["server", "/data", "--console-address", ":9001"],
    credentials: { user: "MINIO_ROOT_USER", password: "MINIO_ROOT_PASSWORD" }, defaultUser: "admin",
    healthcheck: hc(["CMD", "mc", "ready", "local"]),
    clientEnv: (host) => ({ S3_ENDPOINT: `http://${host}:9000` }),
  },
  {
    key: "elasticsearch", image: "elasticsearch:8.15.0", kind: "search", names: ["elasticsearch", "elastic", "search engine", "search"],
    ports: [9200], volumes: { data: "/usr/share/elasticsearch/data" },
    env: { "discovery.type": "single-node", "xpack.security.enabled": "false", ES_JAVA_OPTS: "-Xms512m -Xmx512m" },
    healthcheck: hc(["CMD-SHELL", "curl -fs http://127.0.0.1:9200/_cluster/health || exit 1"], "15s", 10),
    clientEnv: (host) => ({ ELASTICSEARCH_URL: `http://${host}:9200` }),
  },
  {
    key: "kibana", image: "kibana:8.15.0", kind: "monitoring", names: ["kibana"], ports: [5601], publishByDefault: true,
    needs: { key: "elasticsearch", accepts: ["elasticsearch"] },
    dbClientEnv: (host, port) => ({ ELASTICSEARCH_HOSTS: `http://${host}:${port}` }),
  },
  {
    key: "phpmyadmin", image: "phpmyadmin:latest", kind: "tool", names: ["phpmyadmin", "php my admin"], ports: [80], publishByDefault: true,
    needs: { key: "mysql", accepts: ["mysql", "mariadb"] },
    dbClientEnv: (host) => ({ PMA_HOST: host }),
  },
];

/** Generic role words that name no image by themselves: the default they stand for, when alone. */
export const ROLE_DEFAULTS: Record<string, string> = {
  database: "postgres", db: "postgres", "sql database": "postgres", cache: "redis", "key value store": "redis", "key-value store": "redis",
  "web server": "nginx", webserver: "nginx", web: "nginx", website: "nginx", "static site": "nginx",
  api: "python", "api server": "python", backend: "python", "app server": "python", worker: "python", "background worker": "python",
  queue: "rabbitmq", "message queue": "rabbitmq", "message broker": "rabbitmq", broker: "rabbitmq",
  "reverse proxy": "traefik", search: "elasticsearch", "search engine": "elasticsearch", monitoring: "prometheus", metrics: "prometheus",
  dashboard: "grafana", dashboards: "grafana", "object storage": "minio", "object store": "minio", blog: "wordpress", shell: "alpine",
};

/** Which kinds a role word may describe when it follows an image ("postgres database", "redis cache", "python api"). */
export const ROLE_KINDS: Record<string, Kind[]> = {
  database: ["database"], db: ["database"], "sql database": ["database"], cache: ["cache"], "key value store": ["cache"], "key-value store": ["cache"],
  "web server": ["web", "proxy"], webserver: ["web", "proxy"], web: ["web", "proxy", "app"], website: ["web", "app"], "static site": ["web"],
  api: ["runtime", "app"], "api server": ["runtime", "app"], backend: ["runtime", "app"], "app server": ["runtime", "app"], worker: ["runtime", "app"], "background worker": ["runtime", "app"],
  queue: ["queue", "cache"], "message queue": ["queue", "cache"], "message broker": ["queue"], broker: ["queue"], "reverse proxy": ["proxy", "web"],
  search: ["search"], "search engine": ["search"], monitoring: ["monitoring"], metrics: ["monitoring"], dashboard: ["monitoring"], dashboards: ["monitoring"],
  "object storage": ["storage"], "object store": ["storage"], blog: ["app"], shell: ["tool"],
};

export function catalogEntry(key: string): CatalogEntry {
  const entry = CATALOG.find((e) => e.key === key);
  if (!entry) throw new Error(`catalog has no entry "${key}"`);
  return entry;
}

/** The catalog entry whose image a reference names ("postgres:15" → postgres, "library/redis" → redis). */
export function entryForImage(image: string | undefined): CatalogEntry | undefined {
  if (!image) return undefined;
  const withoutTag = image.replace(/@.*$/, "").replace(/:[^/:]+$/, "");
  const repo = withoutTag.replace(/^(docker\.io\/)?(library\/)?/, "");
  return CATALOG.find((e) => e.image.replace(/:[^/:]+$/, "") === repo) ?? CATALOG.find((e) => repo.split("/").pop() === e.key);
}

/** The catalog as short lines for the LLM's system prompt. */
export function catalogFacts(): string {
  return CATALOG.map((e) => {
    const parts = [`${e.key}: image ${e.image}`];
    if (e.ports.length) parts.push(`ports ${e.ports.join(",")}`);
    if (e.credentials) parts.push(`credentials env ${Object.values(e.credentials).join(",")}`);
    if (e.requiredEnv) parts.push(`requires ${e.requiredEnv.join(",")}`);
    if (e.volumes) parts.push(`data ${Object.values(e.volumes).join(",")}`);
    if (e.healthcheck?.test) parts.push(`healthcheck ${JSON.stringify(e.healthcheck.test)}`);
    if (e.command) parts.push(`command ${JSON.stringify(e.command)}`);
    if (e.needs) parts.push(`needs a ${e.needs.accepts.join(" or ")} database`);
    return `- ${parts.join("; ")}`;
  }).join("\n");
}
