/**
 * The config hash of a service: what `up` compares to tell an unchanged container from one that
 * must be recreated. Like docker compose's ServiceHash (pkg/compose/hash.go), keys that don't
 * change what a single container is are left out: the replica count (scaling never recreates),
 * depends_on and profiles (ordering only). The resolved image id is folded in, so a pulled image
 * with a new id recreates the service's containers as compose does with its image digest label.
 */
import { createHash } from "node:crypto";
import type { Project, Service } from "../compose/model.ts";

/** JSON with object keys sorted at every level and undefined dropped: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(",")}}`;
}

/**
 * The project-level definitions a service's containers are made from, folded into its hash
 * (only when it has any, so other services keep theirs): the names of the volumes it mounts (a
 * `name:` change, or the move from an earlier kitten's bare-key directories, makes new
 * containers), and the secrets and configs it reads.
 */
function projectInputs(service: Service, project: Project | undefined): Record<string, unknown> {
  if (!project) return {};
  const out: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const m of service.volumes ?? []) {
    if (m.type === "volume" && m.source && project.volumes[m.source]) names[m.source] = project.volumes[m.source]!.name;
  }
  if (Object.keys(names).length > 0) out.volume_names = names;
  // a secret or config whose source changes (another file, variable or inline content) makes new containers
  for (const kind of ["secrets", "configs"] as const) {
    const defs = Object.fromEntries((service[kind] ?? []).flatMap((r) => (project[kind]?.[r.source] ? [[r.source, project[kind]![r.source]]] : [])));
    if (Object.keys(defs).length > 0) out[`${kind}_defs`] = defs;
  }
  return out;
}

export function serviceConfigHash(service: Service, imageId: string | undefined, project?: Project): string {
  const { depends_on: _deps, profiles: _profiles, deploy, ...rest } = service;
  const hashed: Record<string, unknown> = { ...rest, image_id: imageId, ...projectInputs(service, project) };
  if (deploy) {
    const { replicas: _replicas, ...deployRest } = deploy;
    if (Object.keys(deployRest).length > 0) hashed.deploy = deployRest;
  }
  return createHash("sha256").update(canonicalJson(hashed)).digest("hex");
}
