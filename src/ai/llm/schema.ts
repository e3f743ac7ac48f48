/**
 * The shape a language model fills in. Structured outputs in strict mode accept no open maps
 * (`additionalProperties` with a schema) and want every property required, so the model writes
 * lists (services, environment, depends_on) with nullable fields, built from the Project model's
 * own pieces; `toProject` turns it into a Project, and the Project schema has the last word.
 */
import { z } from "zod";
import { DependsOnSchema, PortSchema, type Project, type Service } from "../../engine/compose/model.ts";

const LlmServiceSchema = z.object({
  name: z.string().describe("service name: lower-case letters, digits, dashes"),
  image: z.string().describe("image reference, e.g. nginx:alpine"),
  command: z.array(z.string()).nullable(),
  environment: z.array(z.object({ name: z.string(), value: z.string() })),
  ports: z.array(z.object({ published: z.number().int().min(1).max(65535).nullable().describe("host port, null for none"), target: PortSchema.shape.target })),
  depends_on: z.array(z.object({ service: z.string(), condition: DependsOnSchema.shape.condition })),
  healthcheck: z.object({ test: z.array(z.string()).describe('["CMD", ...] or ["CMD-SHELL", "..."]'), interval: z.string().nullable(), retries: z.number().int().nullable() }).nullable(),
  restart: z.enum(["no", "always", "on-failure", "unless-stopped"]).nullable(),
  replicas: z.number().int().min(0).nullable(),
  volumes: z.array(z.object({ source: z.string().describe("a volume name, or an absolute host path"), target: z.string() })),
});

export const LlmDraftSchema = z.object({
  services: z.array(LlmServiceSchema),
  summary: z.array(z.string()).describe("one short line per choice you made that the user should know"),
});
export type LlmDraft = z.infer<typeof LlmDraftSchema>;

/** The JSON schema sent as the response format (and quoted in the prompt for JSON mode). */
export function llmJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(LlmDraftSchema) as Record<string, unknown>;
  return schema;
}

/** The model's draft as a Project: one network for all services, named volumes declared. */
export function toProject(draft: LlmDraft, projectName: string): { project: Project; problems: string[] } {
  const problems: string[] = [];
  const project: Project = { name: projectName, services: {}, networks: { default: { name: `${projectName}_default` } }, volumes: {} };
  for (const s of draft.services) {
    if (project.services[s.name]) problems.push(`service "${s.name}": the name is used twice`);
    const service: Service = {
      image: s.image,
      environment: Object.fromEntries(s.environment.map((e) => [e.name, e.value])),
      ports: s.ports.map((p) => ({ target: p.target, ...(p.published !== null ? { published: String(p.published) } : {}), mode: "ingress" as const, protocol: "tcp" as const })),
      networks: { default: null },
    };
    if (s.command) service.command = s.command;
    if (s.depends_on.length) service.depends_on = Object.fromEntries(s.depends_on.map((d) => [d.service, { condition: d.condition, required: true }]));
    if (s.healthcheck) {
      service.healthcheck = { test: s.healthcheck.test, ...(s.healthcheck.interval ? { interval: s.healthcheck.interval } : {}), ...(s.healthcheck.retries !== null ? { retries: s.healthcheck.retries } : {}) };
    }
    if (s.restart) service.restart = s.restart;
    if (s.replicas !== null && s.replicas !== 1) service.deploy = { replicas: s.replicas };
    for (const v of s.volumes) {
      const named = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v.source);
      if (named) project.volumes[v.source] = { name: `${projectName}_${v.source}` };
      (service.volumes ??= []).push({ type: named ? "volume" : "bind", source: v.source, target: v.target });
    }
    project.services[s.name] = service;
  }
  return { project, problems };
}

/** An existing project in the model's shape, so an edit request can start from it. */
export function fromProject(project: Project): LlmDraft {
  return {
    services: Object.entries(project.services).map(([name, s]) => ({
      name,
      image: s.image ?? "",
      command: s.command ?? null,
      environment: Object.entries(s.environment).map(([k, v]) => ({ name: k, value: v ?? "" })),
      ports: s.ports.map((p) => ({ published: p.published ? Number(p.published) : null, target: p.target })),
      depends_on: Object.entries(s.depends_on ?? {}).map(([service, d]) => ({ service, condition: d.condition })),
      healthcheck: s.healthcheck?.test ? { test: s.healthcheck.test, interval: s.healthcheck.interval ?? null, retries: s.healthcheck.retries ?? null } : null,
      restart: (["no", "always", "on-failure", "unless-stopped"] as const).find((r) => r === s.restart) ?? null,
      replicas: s.deploy?.replicas ?? null,
      volumes: (s.volumes ?? []).filter((v) => v.source).map((v) => ({ source: v.source!, target: v.target })),
    })),
    summary: [],
  };
}
