/**
 * Edits to an existing project in plain English: "add redis", "scale web to 3", "remove cache",
 * "expose api on 9000", "rename web to front", "set LOG_LEVEL=debug on api",
 * "use postgres:15 for db". Several edits can be chained with commas, "and" or "then".
 */
import { InvalidInputError } from "../../core/errors.ts";
import type { Project } from "../../engine/compose/model.ts";
import { catalogEntry, entryForImage } from "../catalog.ts";
import type { Draft } from "../draft.ts";
import { requireService } from "../resolve.ts";
import { buildDraft } from "./build.ts";
import { configureProxy } from "./proxy.ts";
import { parseRequest } from "./parse.ts";

const VERBS = "add|also add|include|scale|remove|delete|drop|get rid of|expose|publish|unpublish|rename|set|use|change";

export const EDIT_EXAMPLES = ["add redis", "scale web to 3", "remove cache", "expose api on 9000", "set LOG_LEVEL=debug on api"];

/** The clauses of a request, cut before each edit verb that follows a comma, "and" or "then". */
export function editClauses(request: string): string[] {
  const re = new RegExp(`(?:[,;]\\s*|\\s+(?:and\\s+)?then\\s+|\\s+and\\s+)(?=(?:${VERBS})\\b)`, "i");
  return request.trim().replace(/[.!]+$/, "").split(re).map((c) => c.trim()).filter(Boolean);
}

export function applyEdits(project: Project, request: string): Draft {
  let current = structuredClone(project);
  const summary: string[] = [];
  const warnings: string[] = [];
  for (const clause of editClauses(request)) {
    const draft = applyEdit(current, clause);
    current = draft.project;
    summary.push(...draft.summary);
    warnings.push(...draft.warnings);
  }
  return { project: current, summary, warnings, source: "offline" };
}

function refs(project: Project) {
  return Object.entries(project.services).map(([name, s]) => ({ name, image: s.image }));
}

function applyEdit(input: Project, clause: string): Draft {
  const project = structuredClone(input);
  const summary: string[] = [];
  const warnings: string[] = [];
  const text = clause.replace(/^please\s+/i, "");
  let m: RegExpExecArray | null;

  if ((m = /^(?:also\s+)?(?:add|include)\s+(.+)$/i.exec(text))) {
    return buildDraft(parseRequest(m[1]!), m[1]!, { projectName: project.name, existing: project });
  }
  if ((m = /^scale\s+(?:the\s+)?(\S+)\s+(?:up\s+|down\s+)?(?:to|=)\s*(\d+)(?:\s+(?:replicas?|instances?|containers?|copies))?$/i.exec(text))) {
    const name = requireService(refs(project), m[1]!);
    const replicas = Number(m[2]);
    const svc = project.services[name]!;
    svc.deploy = { ...svc.deploy, replicas };
    summary.push(`${name}: ${replicas} replica${replicas === 1 ? "" : "s"}`);
    if (replicas > 1 && svc.ports.some((p) => p.published)) putBehindLoadBalancer(project, name, summary);
    return { project, summary, warnings, source: "offline" };
  }
  if ((m = /^(?:remove|delete|drop|get rid of)\s+(?:the\s+)?(.+?)(?:\s+service)?$/i.exec(text))) {
    for (const word of m[1]!.split(/\s*(?:,|\band\b)\s*/).filter(Boolean)) {
      const name = requireService(refs(project), word);
      const removed = project.services[name]!;
      delete project.services[name];
      summary.push(`removed ${name}`);
      for (const [other, svc] of Object.entries(project.services)) {
        if (svc.depends_on?.[name]) {
          delete svc.depends_on[name];
          if (Object.keys(svc.depends_on).length === 0) delete svc.depends_on;
          warnings.push(`service "${other}" depended on "${name}": the dependency is gone, check its environment for addresses of ${name}`);
        }
      }
      for (const v of removed.volumes ?? []) {
        const stillUsed = Object.values(project.services).some((s) => s.volumes?.some((o) => o.source === v.source));
        if (v.type === "volume" && v.source && !stillUsed) delete project.volumes[v.source];
      }
    }
    return { project, summary, warnings, source: "offline" };
  }
  if ((m = /^(?:expose|publish)\s+(?:the\s+)?(\S+)\s+(?:on|at)\s+(?:host\s+)?(?:port\s+)?(\d+)(?::(\d+))?$/i.exec(text))) {
    const name = requireService(refs(project), m[1]!);
    const svc = project.services[name]!;
    const published = m[2]!;
    const target = Number(m[3] ?? svc.ports[0]?.target ?? entryForImage(svc.image)?.ports[0] ?? published);
    for (const [other, s] of Object.entries(project.services)) {
      if (s.ports.some((p) => p.published === published)) throw new InvalidInputError(`host port ${published} is already published by "${other}"`);
    }
    svc.ports = [...svc.ports.filter((p) => p.target !== target), { target, published, mode: "ingress", protocol: "tcp" }];
    summary.push(`${name}: published on host port ${published} (container port ${target})`);
    if ((svc.deploy?.replicas ?? 1) > 1) putBehindLoadBalancer(project, name, summary);
    return { project, summary, warnings, source: "offline" };
  }
  if ((m = /^(?:unpublish|hide)\s+(?:the\s+)?(\S+)$/i.exec(text))) {
    const name = requireService(refs(project), m[1]!);
    project.services[name]!.ports = [];
    summary.push(`${name}: no longer published on the host`);
    return { project, summary, warnings, source: "offline" };
  }
  if ((m = /^rename\s+(?:the\s+)?(\S+)\s+to\s+(\S+)$/i.exec(text))) {
    const name = requireService(refs(project), m[1]!);
    const to = m[2]!.toLowerCase();
    if (project.services[to]) throw new InvalidInputError(`there is already a service "${to}"`);
    project.services = Object.fromEntries(Object.entries(project.services).map(([k, v]) => [k === name ? to : k, v]));
    for (const svc of Object.values(project.services)) {
      if (svc.depends_on?.[name]) {
        svc.depends_on[to] = svc.depends_on[name]!;
        delete svc.depends_on[name];
      }
    }
    summary.push(`renamed ${name} to ${to}`);
    warnings.push(`other services that reach "${name}" by host name (in their environment or commands) still use the old name`);
    return { project, summary, warnings, source: "offline" };
  }
  if ((m = /^set\s+([A-Za-z_][A-Za-z0-9_.]*)\s*(?:=|\s+to\s+)\s*(\S+)\s+(?:on|for|in)\s+(?:the\s+)?(\S+)$/i.exec(text))) {
    const name = requireService(refs(project), m[3]!);
    project.services[name]!.environment[m[1]!] = m[2]!;
    summary.push(`${name}: ${m[1]}=${m[2]}`);
    return { project, summary, warnings, source: "offline" };
  }
  if ((m = /^(?:use|change\s+to)\s+(?:image\s+)?(\S+)\s+(?:for|on|in)\s+(?:the\s+)?(\S+)$/i.exec(text)) || (m = /^change\s+(?:the\s+)?(\S+?)(?:'s)?\s+image\s+to\s+(\S+)$/i.exec(text))) {
    const [image, who] = text.toLowerCase().startsWith("change") && /\simage\s+to\s/i.test(text) ? [m[2]!, m[1]!] : [m[1]!, m[2]!];
    const name = requireService(refs(project), who);
    project.services[name]!.image = image;
    summary.push(`${name}: image ${image}`);
    return { project, summary, warnings, source: "offline" };
  }
  // no edit verb: a follow-up that names services ("with redis too") adds them
  const parsed = parseRequest(text);
  if (parsed.mentions.length > 0) return buildDraft(parsed, text, { projectName: project.name, existing: project });
  throw new InvalidInputError(`could not understand "${clause}" as a change to the project`, {
    hint: `try e.g. ${EDIT_EXAMPLES.map((e) => `"${e}"`).join(", ")}`,
  });
}

/** Replicas can't share a host port: an nginx `lb` service takes the published ports over. */
function putBehindLoadBalancer(project: Project, name: string, summary: string[]): void {
  const svc = project.services[name]!;
  const ports = svc.ports.filter((p) => p.published);
  const target = ports[0]?.target ?? 80;
  let lbName = "lb";
  for (let n = 2; project.services[lbName]; n++) lbName = `lb-${n}`;
  svc.ports = svc.ports.filter((p) => !p.published);
  const nginx = catalogEntry("nginx");
  project.services[lbName] = {
    image: nginx.image,
    environment: {},
    ports: ports.map((p) => ({ ...p, target: 80 })),
    networks: svc.networks,
    depends_on: { [name]: { condition: "service_started", required: true } },
    restart: svc.restart ?? "unless-stopped",
  };
  configureProxy(project, lbName, project.services[lbName]!, [`${name}:${target}`]);
  summary.push(`replicas of ${name} cannot share host port${ports.length > 1 ? "s" : ""} ${ports.map((p) => p.published).join(", ")}: added ${lbName} (nginx) in front of them`);
}
