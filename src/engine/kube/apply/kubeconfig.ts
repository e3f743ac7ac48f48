/**
 * Finding the cluster the way kubectl does (client-go's clientcmd loading rules): `--kubeconfig`
 * alone when given; else the `KUBECONFIG` list (files that exist, merged — the first file to set
 * a cluster, user, context or current-context wins); else ~/.kube/config; else in-cluster (the
 * ServiceAccount's token and CA beside KUBERNETES_SERVICE_HOST). Paths inside a file are relative
 * to that file. Where kubectl and client-node fall back to http://localhost:8080 without auth,
 * kitten stops: that is also the port `kitten serve` listens on (research/kube.md §5).
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import { InvalidInputError } from "../../../core/errors.ts";

export interface KubeTarget {
  /** https://host:port (no trailing slash) */
  server: string;
  context: string;
  namespace: string;
  /** the kubeconfig files it came from, or "in-cluster" */
  source: string;
  /** PEM */
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  basic?: { username: string; password: string };
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  /** the user authenticates with an exec plugin or auth provider kitten does not run (use --kubectl) */
  unsupportedAuth?: string;
}

export interface KubeconfigOptions {
  env: Record<string, string | undefined>;
  home: string;
  /** --kubeconfig */
  file?: string;
  /** --context */
  context?: string;
  /** --namespace: wins over the context's namespace */
  namespace?: string;
  exists: (path: string) => boolean;
  readFile: (path: string) => string;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

interface Named<T> {
  name: string;
  value: T;
  dir: string;
}

interface Merged {
  currentContext?: string;
  clusters: Map<string, Named<Record<string, unknown>>>;
  users: Map<string, Named<Record<string, unknown>>>;
  contexts: Map<string, Named<Record<string, unknown>>>;
}

function parseFile(path: string, text: string): Record<string, unknown> {
  try {
    const doc = parse(text) as unknown;
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) throw new Error("not a mapping");
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new InvalidInputError(`cannot read kubeconfig ${path}: ${(err as Error).message.split("\n")[0]}`, { code: "bad_kubeconfig" });
  }
}

function mergeInto(m: Merged, path: string, doc: Record<string, unknown>): void {
  const dir = dirname(path);
  if (m.currentContext === undefined && typeof doc["current-context"] === "string" && doc["current-context"]) m.currentContext = doc["current-context"];
  for (const [list, field, map] of [["clusters", "cluster", m.clusters], ["users", "user", m.users], ["contexts", "context", m.contexts]] as const) {
    for (const entry of (Array.isArray(doc[list]) ? doc[list] : []) as Array<Record<string, unknown>>) {
      const name = entry?.name;
      if (typeof name !== "string" || map.has(name)) continue;
      map.set(name, { name, value: (entry[field] ?? {}) as Record<string, unknown>, dir });
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function resolveKubeconfig(o: KubeconfigOptions): KubeTarget {
  let files: string[];
  if (o.file) {
    if (!o.exists(o.file)) throw new InvalidInputError(`kubeconfig ${o.file} does not exist`, { code: "no_kubeconfig" });
    files = [resolve(o.file)];
  } else if (o.env.KUBECONFIG) {
    files = o.env.KUBECONFIG.split(":").filter(Boolean).map((f) => resolve(f)).filter((f) => o.exists(f));
  } else {
    const def = join(o.home, ".kube", "config");
    files = o.exists(def) ? [def] : [];
  }
  if (files.length === 0) return inCluster(o);
  const m: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const f of files) mergeInto(m, f, parseFile(f, o.readFile(f)));
  const source = files.join(":");
  const contextName = o.context ?? m.currentContext;
  if (!contextName) {
    throw new InvalidInputError(`no current context in ${source}`, { code: "no_kube_context", hint: `pick one with --context (contexts: ${[...m.contexts.keys()].join(", ") || "none"})` });
  }
  const ctx = m.contexts.get(contextName);
  if (!ctx) throw new InvalidInputError(`context "${contextName}" is not in ${source}`, { code: "no_kube_context", hint: `contexts: ${[...m.contexts.keys()].join(", ") || "none"}` });
  const clusterName = str(ctx.value.cluster);
  const cluster = clusterName ? m.clusters.get(clusterName) : undefined;
  if (!cluster) throw new InvalidInputError(`context "${contextName}" names cluster "${clusterName ?? ""}", which is not in ${source}`, { code: "bad_kubeconfig" });
  const server = str(cluster.value.server);
  if (!server) throw new InvalidInputError(`cluster "${clusterName}" has no server`, { code: "bad_kubeconfig" });
  const userName = str(ctx.value.user);
  const user = userName ? m.users.get(userName) : undefined;
  if (userName && !user) throw new InvalidInputError(`context "${contextName}" names user "${userName}", which is not in ${source}`, { code: "bad_kubeconfig" });

  const fileOrData = (v: Record<string, unknown>, fileKey: string, dataKey: string, dir: string): string | undefined => {
    const data = str(v[dataKey]);
    if (data) return Buffer.from(data, "base64").toString("utf8");
    const file = str(v[fileKey]);
    if (!file) return undefined;
    const path = isAbsolute(file) ? file : join(dir, file);
    if (!o.exists(path)) throw new InvalidInputError(`${fileKey} ${path} (kubeconfig ${source}) does not exist`, { code: "bad_kubeconfig" });
    return o.readFile(path);
  };
  const t: KubeTarget = {
    server: server.replace(/\/+$/, ""),
    context: contextName,
    namespace: o.namespace ?? str(ctx.value.namespace) ?? "default",
    source,
  };
  const ca = fileOrData(cluster.value, "certificate-authority", "certificate-authority-data", cluster.dir);
  if (ca) t.ca = ca;
  if (cluster.value["insecure-skip-tls-verify"] === true) t.insecureSkipTlsVerify = true;
  const sni = str(cluster.value["tls-server-name"]);
  if (sni) t.tlsServerName = sni;
  if (user) {
    const u = user.value;
    const cert = fileOrData(u, "client-certificate", "client-certificate-data", user.dir);
    const key = fileOrData(u, "client-key", "client-key-data", user.dir);
    if (cert) t.cert = cert;
    if (key) t.key = key;
    const token = str(u.token) ?? (str(u.tokenFile) ? o.readFile(isAbsolute(str(u.tokenFile)!) ? str(u.tokenFile)! : join(user.dir, str(u.tokenFile)!)).trim() : undefined);
    if (token) t.token = token;
    if (str(u.username) && str(u.password)) t.basic = { username: str(u.username)!, password: str(u.password)! };
    const exec = u.exec as { command?: string } | undefined;
    if (exec && !t.token && !t.cert) t.unsupportedAuth = `an exec plugin (${exec.command ?? "?"})`;
    const provider = u["auth-provider"] as { name?: string } | undefined;
    if (provider && !t.token && !t.cert) t.unsupportedAuth = `the auth provider ${provider.name ?? "?"}`;
  }
  return t;
}

function inCluster(o: KubeconfigOptions): KubeTarget {
  const host = o.env.KUBERNETES_SERVICE_HOST;
  const port = o.env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(SA_DIR, "token");
  if (host && port && o.exists(tokenFile)) {
    const ns = o.exists(join(SA_DIR, "namespace")) ? o.readFile(join(SA_DIR, "namespace")).trim() : "default";
    const ca = o.exists(join(SA_DIR, "ca.crt")) ? o.readFile(join(SA_DIR, "ca.crt")) : undefined;
    return {
      server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
      context: "in-cluster",
      namespace: o.namespace ?? ns,
      source: "in-cluster",
      token: o.readFile(tokenFile).trim(),
      ...(ca ? { ca } : {}),
    };
  }
  const where = o.file ?? (o.env.KUBECONFIG ? `KUBECONFIG (${o.env.KUBECONFIG})` : join(o.home, ".kube", "config"));
  throw new InvalidInputError(`no kubeconfig: nothing found at ${where}, and this is not a pod in a cluster`, {
    code: "no_kubeconfig",
    hint: "point KUBECONFIG or --kubeconfig at your cluster's config (kitten never falls back to localhost:8080)",
  });
}
