/**
 * A detected folder → a draft compose project (issue #17): one service per app with `build:`
 * (its own Dockerfile, else the one kitten proposes, written only when the user accepts), its
 * port published, the datastores it needs from the catalog with their addresses in its env,
 * and every reason in the summary. Contexts are relative to the folder, where the compose file
 * is written.
 */
import { PASSWORD_PLACEHOLDER, catalogEntry } from "../catalog.ts";
import type { Draft } from "../draft.ts";
import type { Project, Service } from "../../engine/compose/model.ts";
import { generatedDockerfile } from "./dockerfiles.ts";
import type { DetectedService, FolderDetection, FolderView } from "./detect.ts";

export interface FolderDraft {
  draft: Draft;
  /** files to write into the folder when the draft is accepted (generated Dockerfiles) */
  files: Array<{ path: string; content: string }>;
}

export function folderDraft(detection: FolderDetection, view: FolderView, projectName: string): FolderDraft {
  const project: Project = { name: projectName, services: {}, networks: { default: { name: `${projectName}_default` } }, volumes: {} };
  const summary: string[] = [];
  const warnings: string[] = [];
  const files: FolderDraft["files"] = [];
  const usedPorts = new Set<number>();
  const hostPort = (port: number) => {
    let p = port < 1024 ? 8080 : port;
    while (usedPorts.has(p)) p++;
    usedPorts.add(p);
    return p;
  };
  const taken = new Set<string>();
  for (const app of detection.services) {
    const name = unique(app.name, taken);
    const dockerfile = `${app.dir === "." ? "" : `${app.dir}/`}Dockerfile`;
    const text = generatedDockerfile(app, view.list(app.dir));
    if (text) {
      files.push({ path: dockerfile, content: text });
      summary.push(`${name}: ${dockerfile} will be written (generated for ${app.kind}); edit it freely`);
    }
    const service: Service = {
      build: { context: app.dir === "." ? "." : `./${app.dir}` },
      environment: Object.fromEntries(Object.entries(app.env).filter(([k]) => !app.needs.some((n) => n.env === k))),
      ports: [],
      networks: { default: null },
      restart: "unless-stopped",
    };
    if (app.port) {
      const published = hostPort(app.port);
      service.ports.push({ target: app.port, published: String(published), mode: "ingress", protocol: "tcp" });
      summary.push(`${name}: published on host port ${published} (its container listens on ${app.port})`);
    } else {
      warnings.push(`service "${name}": no port found (no EXPOSE, no listen call): nothing is published`);
    }
    for (const reason of app.reasons) summary.push(`${name}: ${reason}`);
    const fromExample = Object.keys(service.environment);
    if (fromExample.length) summary.push(`${name}: env ${fromExample.join(", ")} from .env.example, with its example values: check them`);
    project.services[name] = service;
    for (const need of app.needs) addDatastore(project, name, need, taken, summary);
  }
  for (const [name, s] of Object.entries(project.services)) {
    for (const [k, v] of Object.entries(s.environment)) {
      if (v === PASSWORD_PLACEHOLDER) warnings.push(`service "${name}": ${k} is the placeholder "${PASSWORD_PLACEHOLDER}"; set a real secret before using this for anything that matters`);
    }
  }
  return { draft: { project, summary, warnings, source: "offline" }, files };
}

function unique(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted}-${n}`;
  taken.add(name);
  return name;
}

/** The datastore an app needs, once per project, and its address in the app's env. */
function addDatastore(project: Project, app: string, need: DetectedService["needs"][number], taken: Set<string>, summary: string[]): void {
  const entry = catalogEntry(need.service);
  let host = Object.keys(project.services).find((n) => project.services[n]!.image === entry.image);
  if (!host) {
    host = unique(entry.key, taken);
    const environment: Record<string, string | null> = { ...entry.env };
    const creds = entry.credentials;
    if (creds) {
      if (creds.user && entry.defaultUser) environment[creds.user] = entry.defaultUser;
      environment[creds.password] = PASSWORD_PLACEHOLDER;
      if (creds.rootPassword) environment[creds.rootPassword] = PASSWORD_PLACEHOLDER;
    }
    const service: Service = { image: entry.image, environment, ports: [], networks: { default: null }, restart: "unless-stopped" };
    if (entry.command) service.command = [...entry.command];
    if (entry.healthcheck) service.healthcheck = structuredClone(entry.healthcheck);
    for (const [suffix, target] of Object.entries(entry.volumes ?? {})) {
      const key = `${host}-${suffix}`;
      project.volumes[key] = { name: `${project.name}_${key}` };
      (service.volumes ??= []).push({ type: "volume", source: key, target });
    }
    project.services[host] = service;
  }
  const db = project.services[host]!;
  const a = project.services[app]!;
  // *_HOST variables take the name; the rest a URL in the form the catalog writes for the image
  const url = Object.values(entry.clientEnv?.(host, db.environment) ?? {})[0];
  a.environment[need.env] = /_HOST$/.test(need.env) || !url ? host : url;
  a.depends_on = { ...a.depends_on, [host]: { condition: db.healthcheck?.test ? "service_healthy" : "service_started", required: true } };
  summary.push(`${app}: ${need.reason}: added ${host} (${entry.image}), reached as ${need.env}`);
}

