/**
 * A draft: a Project proposed from plain English, with what the drafter wants the reader to know
 * (summary: the choices it made) and to check (warnings: what it ignored or left as a placeholder).
 * Both drafters (offline and LLM) return this shape and go through the same validation.
 */
import { stringify } from "yaml";
import { isKittenError } from "../core/errors.ts";
import { parseProjectText } from "../engine/compose/index.ts";
import { ProjectSchema, type Project, type Service } from "../engine/compose/model.ts";
import { dependencyLevels } from "../engine/plan/graph.ts";
import { PASSWORD_PLACEHOLDER, entryForImage } from "./catalog.ts";

export interface Draft {
  project: Project;
  summary: string[];
  warnings: string[];
  source: "offline" | "llm";
}

/**
 * Problems a loaded compose file would also be refused for, as lower-case sentences naming the
 * service: the schema, the references between services, networks and volumes, then the loader's
 * own validation of the draft as the YAML file it becomes, so a draft obeys every rule a file obeys.
 */
export function draftProblems(candidate: unknown): string[] {
  const parsed = ProjectSchema.safeParse(candidate);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "project"}: ${i.message}`);
  }
  const problems = referenceProblems(parsed.data);
  if (problems.length) return problems;
  try {
    parseProjectText(renderDraft(parsed.data, "yaml"), "draft.yaml", { projectName: parsed.data.name, env: {} });
  } catch (err) {
    if (!isKittenError(err)) throw err;
    problems.push(err.hint ? `${err.message} (${err.hint})` : err.message);
  }
  return problems;
}

function referenceProblems(project: Project): string[] {
  const problems: string[] = [];
  const names = Object.keys(project.services);
  if (names.length === 0) problems.push("project: it has no services");
  const published = new Map<string, string>();
  for (const [name, svc] of Object.entries(project.services)) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) problems.push(`service "${name}": the name must be letters, digits, dots, dashes and underscores`);
    if (!svc.image && !svc.build) problems.push(`service "${name}": it has no image and nothing to build`);
    for (const dep of Object.keys(svc.depends_on ?? {})) {
      if (!(dep in project.services)) problems.push(`service "${name}": depends on "${dep}", which is not a service of the project`);
      if (dep === name) problems.push(`service "${name}": depends on itself`);
    }
    for (const net of Object.keys(svc.networks ?? {})) {
      if (!(net in project.networks)) problems.push(`service "${name}": uses network "${net}", which the project does not define`);
    }
    for (const v of svc.volumes ?? []) {
      if (v.type === "volume" && v.source && !(v.source in project.volumes)) problems.push(`service "${name}": uses volume "${v.source}", which the project does not define`);
    }
    for (const p of svc.ports) {
      if (!p.published) continue;
      const key = `${p.host_ip ?? ""}:${p.published}/${p.protocol}`;
      const other = published.get(key);
      if (other) problems.push(`service "${name}": host port ${p.published} is already published by "${other}"`);
      else published.set(key, name);
      if ((svc.deploy?.replicas ?? 1) > 1) problems.push(`service "${name}": ${svc.deploy?.replicas} replicas cannot all publish host port ${p.published}`);
    }
  }
  const cycle = dependencyCycle(project);
  if (cycle) problems.push(`project: dependency cycle ${cycle.join(" -> ")}`);
  return problems;
}

/** The first cycle among depends_on edges, as a path that starts and ends at the same service. */
export function dependencyCycle(project: Project): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 2) return undefined;
    if (state.get(name) === 1) return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 1);
    stack.push(name);
    for (const dep of Object.keys(project.services[name]?.depends_on ?? {})) {
      if (!(dep in project.services)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 2);
    return undefined;
  };
  for (const name of Object.keys(project.services)) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/** Services grouped by start order (the planner's levels); empty when the graph is invalid. */
export function startLevels(project: Project): string[][] {
  try {
    return dependencyLevels(project.services);
  } catch {
    return [];
  }
}

/** Compose's `$` interpolation would rewrite "$x" in a written file; `$$` keeps it literal. */
function escapeDollars(value: unknown): unknown {
  if (typeof value === "string") return value.replaceAll("$", () => "$$"); // a function: "$$" as a replacement string means "$"
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)]));
  return value;
}

/** The service without the defaults the schema fills in, so a written file reads like one a person wrote. */
const KEY_ORDER = ["image", "command", "entrypoint", "environment", "ports", "volumes", "depends_on", "healthcheck", "restart", "deploy", "networks"];

function compactService(svc: Service): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
  for (const [key, value] of Object.entries(svc).sort(([a], [b]) => rank(a) - rank(b))) {
    if (value === undefined) continue;
    if (key === "environment" && Object.keys(value as object).length === 0) continue;
    if (key === "ports") {
      if ((value as unknown[]).length === 0) continue;
      out.ports = svc.ports.map((p) => {
        const { mode, protocol, ...rest } = p;
        return { ...rest, ...(mode !== "ingress" ? { mode } : {}), ...(protocol !== "tcp" ? { protocol } : {}) };
      });
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** The project as a compose document: the canonical long form, defaults left out, `$` escaped. */
export function composeDocument(project: Project): Record<string, unknown> {
  const doc: Record<string, unknown> = { name: project.name, services: {} };
  for (const [name, svc] of Object.entries(project.services)) (doc.services as Record<string, unknown>)[name] = compactService(svc);
  if (Object.keys(project.networks).length) doc.networks = project.networks;
  if (Object.keys(project.volumes).length) doc.volumes = project.volumes;
  if (project.configs && Object.keys(project.configs).length) doc.configs = project.configs;
  return escapeDollars(doc) as Record<string, unknown>;
}

export function renderDraft(project: Project, format: "yaml" | "json"): string {
  const doc = composeDocument(project);
  return format === "json" ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc, { lineWidth: 0 });
}

export interface SummaryRow {
  service: string;
  image: string;
  replicas: number;
  ports: string;
  dependsOn: string;
}

export function summaryRows(project: Project): SummaryRow[] {
  return Object.entries(project.services).map(([name, svc]) => ({
    service: name,
    image: svc.image ?? "",
    replicas: svc.deploy?.replicas ?? 1,
    ports: svc.ports.map((p) => (p.published ? `${p.host_ip ? `${p.host_ip}:` : ""}${p.published}->${p.target}` : `${p.target}`)).join(", "),
    dependsOn: Object.entries(svc.depends_on ?? {}).map(([d, c]) => (c.condition === "service_started" ? d : `${d} (${c.condition.replace("service_", "")})`)).join(", "),
  }));
}

/**
 * What a reader should check in any draft, whoever wrote it: placeholder passwords, env vars an
 * image refuses to start without, host ports that need privileges rootless.
 */
export function draftWarnings(project: Project): string[] {
  const warnings: string[] = [];
  for (const [name, svc] of Object.entries(project.services)) {
    for (const [k, v] of Object.entries(svc.environment)) {
      if (v === PASSWORD_PLACEHOLDER) warnings.push(`service "${name}": ${k} is the placeholder "${PASSWORD_PLACEHOLDER}"; set a real secret before using this for anything that matters`);
    }
    for (const required of entryForImage(svc.image)?.requiredEnv ?? []) {
      if (!svc.environment[required]) warnings.push(`service "${name}": ${svc.image} does not start without ${required}`);
    }
    for (const p of svc.ports) {
      if (p.published && Number(p.published) < 1024) warnings.push(`service "${name}": host port ${p.published} is below 1024; rootless kitten can publish it only if net.ipv4.ip_unprivileged_port_start allows it`);
    }
  }
  return warnings;
}
