/**
 * Mentions → a Project. The choices a person would otherwise make by hand are made here and
 * explained in the draft's summary: names, published ports, credentials, who depends on whom,
 * the load balancer, volumes. Works on a fresh project or adds to an existing one.
 */
import type { DependsOn, Project, Service } from "../../engine/compose/model.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { CATALOG, PASSWORD_PLACEHOLDER, catalogEntry, entryForImage, type CatalogEntry } from "../catalog.ts";
import type { Draft } from "../draft.ts";
import type { Mention, ParsedRequest } from "./parse.ts";
import { configureProxy } from "./proxy.ts";

export const EXAMPLE_REQUESTS = [
  "nginx on port 8080",
  "postgres with user admin and password secret",
  "wordpress with mysql",
  "nginx, 2 python API servers, postgres and redis",
];

export function notUnderstood(request: string, unknown: string[] = []): InvalidInputError {
  const words = unknown.length ? ` (not understood: ${unknown.map((u) => `"${u}"`).join(", ")})` : "";
  return new InvalidInputError(`could not understand "${request.trim()}": it names no service kitten knows${words}`, {
    hint: `name an image or a role, e.g. ${EXAMPLE_REQUESTS.map((e) => `"${e}"`).join(", ")}; known images: ${CATALOG.map((e) => e.key).join(", ")}`,
  });
}

const DATASTORE_KINDS = new Set(["database", "cache", "queue", "search", "storage"]);
const API_ROLES = new Set(["api", "api server", "backend", "app server"]);
const WORKER_ROLES = new Set(["worker", "background worker"]);

interface Node {
  name: string;
  entry?: CatalogEntry;
  service: Service;
  mention?: Mention;
}

export interface BuildOptions {
  projectName: string;
  /** add to this project instead of starting from nothing */
  existing?: Project;
}

export function buildDraft(parsed: ParsedRequest, request: string, options: BuildOptions): Draft {
  if (parsed.mentions.length === 0) throw notUnderstood(request, parsed.unknown);
  const summary: string[] = [];
  const warnings: string[] = [];
  const base: Project = options.existing
    ? structuredClone(options.existing)
    : { name: options.projectName, services: {}, networks: {}, volumes: {} };
  const mentions = [...parsed.mentions];

  for (const m of mentions) if (m.assumed) summary.push(`"${m.assumed}" names no image: using ${m.entry.key} (${m.entry.image})`);

  // images that need a database get one when the request (or the project) has none
  for (const m of [...mentions]) {
    const needs = m.entry.needs;
    if (!needs || needs.optional) continue;
    const has = mentions.some((o) => needs.accepts.includes(o.entry.key)) || Object.values(base.services).some((s) => needs.accepts.includes(entryForImage(s.image)?.key ?? ""));
    if (!has) {
      mentions.push({ entry: catalogEntry(needs.key), count: 1, ports: [], env: {}, creds: { ...m.dbCreds }, pos: m.pos + 0.5 });
      summary.push(`${m.entry.key} needs a ${needs.accepts.join(" or ")} database: added ${needs.key}`);
    }
  }

  // "two python servers on ports 9001 and 9002": as many services as distinct host ports asked
  // for, never replicas that would all publish the same ports
  const groups = new Map<Mention, Mention[]>();
  for (const m of [...mentions]) {
    const distinct = new Set(m.ports.map((p) => p.published));
    if (m.count < 2 || m.ports.length !== m.count || distinct.size !== m.count || distinct.has(undefined)) continue;
    const base = wantedName(m);
    const members = m.ports.map((port, k): Mention => ({ ...m, count: 1, ports: [port], name: `${base}-${k + 1}`, pos: m.pos + k / 100 }));
    mentions.splice(mentions.indexOf(m), 1, ...members);
    groups.set(m, members);
    summary.push(`${m.count} ${m.entry.key} services (${members.map((x) => x.name).join(", ")}), one per host port asked for`);
  }

  // a replicated service that publishes a port, or an explicit request, gets a load balancer: the
  // one the request names ("behind an nginx load balancer"), the nginx it puts in front of a
  // replicated service, or a new nginx "lb"
  let lbUpstreams: Mention[] = [];
  let lb: Mention | undefined = mentions.find((m) => m.isLb);
  const replicatedWithPorts = mentions.find((m) => m.count > 1 && m.ports.length > 0);
  if (parsed.loadBalancer || replicatedWithPorts || lb) {
    const target = mentions.find((m) => m.behindLb && !m.isLb) ?? replicatedWithPorts ?? mentions.find((m) => m.count > 1) ?? mentions.find((m) => ["web", "app", "runtime"].includes(m.entry.kind) && !m.isLb) ?? mentions[0]!;
    const group = [...groups].find(([original]) => original === target || original.behindLb)?.[1];
    lbUpstreams = group ?? [target];
    lb ??= !parsed.loadBalancer && replicatedWithPorts ? mentions.find((m) => m.entry.key === "nginx" && m !== target && m.ports.length === 0) : undefined;
    if (!lb) {
      lb = { entry: catalogEntry("nginx"), count: 1, ports: [], env: {}, creds: {}, pos: -1, name: "lb" };
      mentions.unshift(lb);
    }
    lb.isLb = true;
    lb.name ??= lb.pos === -1 || parsed.loadBalancer ? "lb" : undefined;
    lb.ports.push(...parsed.lbPorts);
    // replicas cannot share a host port: the balancer publishes it for them
    if (!group && target.count > 1) {
      lb.ports.push(...target.ports);
      target.ports = [];
    }
    if (!parsed.loadBalancer && replicatedWithPorts) summary.push(`${target.entry.key} has ${target.count} replicas, which cannot share one host port: ${lb.pos === -1 ? "added a load balancer (lb)" : `${lb.entry.key} balances`} in front of them`);
  }

  // names: the one asked for, "api" for application servers, else the image's key
  const taken = new Set(Object.keys(base.services));
  const names = new Map<Mention, string>();
  const sorted = [...mentions].sort((a, b) => (a.name ? 0 : 1) - (b.name ? 0 : 1));
  for (const m of sorted) {
    const wanted = wantedName(m);
    let name = wanted;
    for (let n = 2; taken.has(name); n++) name = `${wanted}-${n}`;
    taken.add(name);
    names.set(m, name);
  }

  // networks: one for all; the existing project's when adding to it
  const networkKeys = Object.keys(base.networks);
  const netKey = networkKeys[0] ?? (parsed.network ? "shared" : "default");
  if (!base.networks[netKey]) base.networks[netKey] = { name: `${base.name}_${netKey}` };
  if (parsed.network) summary.push(`all services share the network "${netKey}" and reach each other by service name`);

  const nodes: Node[] = Object.entries(base.services).map(([name, service]) => ({ name, service, entry: entryForImage(service.image) }));
  const existingCount = nodes.length;
  const usedHostPorts = new Set(Object.values(base.services).flatMap((s) => s.ports.map((p) => p.published).filter((p): p is string => !!p)));
  const hostPort = (wanted: number): string => {
    let port = wanted < 1024 ? 8080 : wanted;
    while (usedHostPorts.has(String(port))) port++;
    usedHostPorts.add(String(port));
    return String(port);
  };

  for (const m of mentions) {
    const name = names.get(m)!;
    const service = serviceFor(m, name, parsed, warnings);
    service.networks = Object.fromEntries((networkKeys.length ? networkKeys : [netKey]).map((k) => [k, null]));
    for (const [suffix, target] of Object.entries(m.entry.volumes ?? {})) {
      if (m.count > 1) {
        warnings.push(`service "${name}": ${m.count} replicas would share one ${suffix} volume, so it has none; its data is lost when a container is removed`);
        continue;
      }
      const key = `${name}-${suffix}`;
      base.volumes[key] = { name: `${base.name}_${key}` };
      (service.volumes ??= []).push({ type: "volume", source: key, target });
    }
    nodes.push({ name, entry: m.entry, service, mention: m });
  }
  const added = nodes.slice(existingCount);

  // published ports: what the request asked for, mapped to the container port it means
  for (const n of added) {
    const m = n.mention!;
    const mapped: number[] = [];
    for (const p of m.ports) {
      const target = p.target ?? (p.published === undefined ? m.entry.ports[0] : containerPort(m.entry, p.published, mapped)) ?? p.published!;
      mapped.push(target);
      const published = p.published !== undefined ? String(p.published) : hostPort(target);
      usedHostPorts.add(published);
      if (Number(published) < 1024) {
        warnings.push(`service "${n.name}": host port ${published} is below 1024; rootless kitten can publish it only if net.ipv4.ip_unprivileged_port_start allows it`);
      }
      n.service.ports.push({ target, published, mode: "ingress", protocol: "tcp" });
    }
    if (m.entry.listens && mapped[0] !== undefined && mapped[0] !== m.entry.ports[0]) listenOn(n.service, m.entry, mapped[0]);
  }

  // who fronts whom: the load balancer its upstreams; an nginx web server the first application server
  const front = new Map<Node, Node[]>();
  if (lb) {
    const lbNode = added.find((n) => n.mention === lb)!;
    const upstreams = lbUpstreams.map((u) => added.find((n) => n.mention === u)!);
    front.set(lbNode, upstreams);
    const what = upstreams.length > 1 ? upstreams.map((u) => `"${u.name}"`).join(", ") : `"${upstreams[0]!.name}" (${lbUpstreams[0]!.count} replica${lbUpstreams[0]!.count > 1 ? "s" : ""})`;
    summary.push(`${lbNode.name} is nginx configured as a load balancer for ${what}; they are reached through it`);
  }
  // application servers: runtimes, apps that need no database of their own, and what the project builds itself
  const appServers = nodes.filter((n) => n.entry?.kind === "runtime" || (n.entry?.kind === "app" && !n.entry.needs) || (!n.entry && n.service.build !== undefined));
  const webFront = added.find((n) => n.entry?.key === "nginx" && !front.has(n) && ![...front.values()].flat().includes(n));
  if (webFront && appServers[0] && !lb) {
    front.set(webFront, [appServers[0]]);
    summary.push(`${webFront.name} (nginx) is a reverse proxy forwarding requests to "${appServers[0].name}"`);
  }
  for (const [proxy, upstreams] of front) {
    configureProxy(base, proxy.name, proxy.service, upstreams.map((u) => `${u.name}:${listeningPort(u)}`));
    for (const u of upstreams) dependOn(proxy, u);
  }
  const fronted = new Set([...front.values()].flat());

  // web-facing images the request gave no port: their usual one, on a free host port
  for (const n of added) {
    const m = n.mention!;
    if (m.ports.length > 0 || fronted.has(n) || m.count > 1) continue;
    if (!(m.entry.publishByDefault || front.has(n))) continue;
    const target = m.entry.ports[0];
    if (target === undefined) continue;
    const published = hostPort(target);
    n.service.ports.push({ target, published, mode: "ingress", protocol: "tcp" });
    if (Number(published) !== target) summary.push(`${n.name} is published on host port ${published} (ports below 1024 need privileges rootless)`);
  }

  // databases for the images that need one
  for (const n of added) {
    const needs = n.entry?.needs;
    if (!needs || !n.entry?.dbClientEnv) continue;
    const db = nodes.find((o) => needs.accepts.includes(o.entry?.key ?? ""));
    if (!db || !db.entry) continue;
    const creds = db.entry.credentials;
    if (creds && db.mention) {
      if (needs.database && creds.database && !db.service.environment[creds.database]) db.service.environment[creds.database] = needs.database;
      if (needs.user && creds.user && !db.service.environment[creds.user]) db.service.environment[creds.user] = needs.user;
      if (creds.user && creds.password && db.service.environment[creds.user] && !db.service.environment[creds.password]) {
        db.service.environment[creds.password] = db.mention.creds.password ?? PASSWORD_PLACEHOLDER;
      }
    }
    Object.assign(n.service.environment, n.entry.dbClientEnv(db.name, db.entry.ports[0] ?? 0, db.service.environment, db.entry));
    dependOn(n, db);
    summary.push(`${n.name} connects to the ${db.entry.key} database "${db.name}" (waits until it is healthy)`);
  }

  // application servers use every datastore: connection env and start order
  const stores = nodes.filter((n) => DATASTORE_KINDS.has(n.entry?.kind ?? ""));
  for (const app of appServers) {
    for (const store of stores) {
      if (!app.mention && !store.mention) continue; // both already in the project: leave them as they are
      if (app.service.depends_on?.[store.name]) continue;
      dependOn(app, store);
      const env = store.entry?.clientEnv?.(store.name, store.service.environment) ?? {};
      for (const [k, v] of Object.entries(env)) if (!(k in app.service.environment)) app.service.environment[k] = v;
    }
    if (stores.length > 0 && app.mention) summary.push(`${app.name} starts after ${stores.map((s) => s.name).join(", ")} and gets their addresses in its environment`);
  }

  for (const n of added) {
    for (const [k, v] of Object.entries(n.service.environment)) {
      if (v === PASSWORD_PLACEHOLDER) warnings.push(`service "${n.name}": ${k} is the placeholder "${PASSWORD_PLACEHOLDER}"; set a real secret before using this for anything that matters`);
    }
    if (n.entry?.note) summary.push(`${n.name}: ${n.entry.note}`);
  }

  for (const n of nodes) base.services[n.name] = n.service;
  if (parsed.unknown.length) warnings.unshift(`did not understand: ${parsed.unknown.map((u) => `"${u}"`).join(", ")} (ignored)`);
  for (const i of parsed.ignored) warnings.push(`ignored ${i}`);
  summary.unshift(...added.map((n) => describe(n)));
  return { project: base, summary, warnings, source: "offline" };
}

/** The name asked for, "api" or "worker" for application servers in those roles, else the image's key. */
function wantedName(m: Mention): string {
  if (m.name) return m.name;
  if (m.entry.kind === "runtime" && m.role && API_ROLES.has(m.role)) return "api";
  if (m.entry.kind === "runtime" && m.role && WORKER_ROLES.has(m.role)) return "worker";
  return m.entry.key;
}

/**
 * The container port a port the request names maps to: the image's documented port with that
 * number, else its first documented port not mapped yet, else the same number (an image that
 * documents none, or a placeholder that listens where it is told).
 */
function containerPort(entry: CatalogEntry | undefined, published: number, mapped: number[]): number {
  if (!entry || entry.listens || entry.ports.length === 0 || entry.ports.includes(published)) return published;
  return entry.ports.find((p) => !mapped.includes(p)) ?? published;
}

/** A placeholder told to listen on another port: its command and healthcheck follow. */
function listenOn(service: Service, entry: CatalogEntry, port: number): void {
  const from = String(entry.ports[0]);
  const swap = (args: string[]) => args.map((a) => a.replaceAll(`:${from}`, `:${port}`).replace(new RegExp(`\\b${from}\\b`), String(port)));
  if (service.command) service.command = swap(service.command);
  if (service.healthcheck?.test) service.healthcheck.test = swap(service.healthcheck.test);
}

/** The port a service's containers listen on: the first it publishes, else its image's usual one. */
function listeningPort(n: Node): number {
  return n.service.ports[0]?.target ?? n.entry?.ports[0] ?? 80;
}

function describe(n: Node): string {
  const s = n.service;
  const parts = [`${n.name}: ${s.image}`];
  const replicas = s.deploy?.replicas ?? 1;
  if (replicas > 1) parts.push(`${replicas} replicas`);
  if (s.ports.length) parts.push(`published on ${s.ports.map((p) => `${p.published}->${p.target}`).join(", ")}`);
  return parts.join(", ");
}

function dependOn(from: Node, to: Node): void {
  const condition: DependsOn["condition"] = to.service.healthcheck?.test && !to.service.healthcheck.disable ? "service_healthy" : "service_started";
  from.service.depends_on = { ...from.service.depends_on, [to.name]: { condition, required: true } };
}

function serviceFor(m: Mention, name: string, parsed: ParsedRequest, warnings: string[]): Service {
  const entry = m.entry;
  const environment: Record<string, string | null> = { ...entry.env };
  const creds = entry.credentials;
  if (creds) {
    let user = m.creds.user ?? entry.defaultUser;
    const password = m.creds.password ?? PASSWORD_PLACEHOLDER;
    if (creds.rootPassword) environment[creds.rootPassword] = password;
    if (creds.rootPassword && user === "root") user = undefined; // mysql refuses MYSQL_USER=root: root is configured by the root password
    if (user && creds.user) environment[creds.user] = user;
    if (!creds.rootPassword || (user && creds.user)) environment[creds.password] = password;
    if (m.creds.database && creds.database) environment[creds.database] = m.creds.database;
  }
  Object.assign(environment, m.env);
  const service: Service = { image: m.image ?? entry.image, environment, ports: [] };
  if (entry.command) service.command = [...entry.command];
  if (entry.healthcheck) service.healthcheck = structuredClone(entry.healthcheck);
  if (entry.key === "postgres" && service.healthcheck?.test) {
    service.healthcheck.test = ["CMD", "pg_isready", "-U", (environment.POSTGRES_USER as string | undefined) ?? "postgres"];
  }
  service.restart = parsed.restart ?? "unless-stopped";
  if (m.count > 1) service.deploy = { replicas: m.count };
  if (m.count === 0) warnings.push(`service "${name}": 0 replicas: it is defined but nothing runs`);
  return service;
}
