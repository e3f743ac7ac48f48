/**
 * `kitten compose run SERVICE [CMD]`: a one-off container with the service's configuration, as
 * docker compose makes it (pkg/compose/run.go prepareRun / applyRunOptions):
 * - named `<project>-<service>-run-<12 hex>` (container_name is ignored), or --name;
 * - labelled a one-off of the service: never a replica, never adopted by the supervisor, no
 *   restart policy, not in `ps` without -a nor in `logs`;
 * - the service's ports dropped unless --service-ports; --publish adds its own;
 * - the command replaces `command`; --entrypoint replaces `entrypoint` and, with no command
 *   given, clears `command`;
 * - -e / -v / -u / -w / --cap-add / --cap-drop / -l added over the service's;
 * - the service name is an alias on its networks only with --use-aliases.
 * The spec is built here (pure); running it is the runtime's (run.ts), its dependencies `up`'s.
 */
import { randomBytes } from "node:crypto";
import type { KittenPaths } from "../../core/paths.ts";
import type { Port, Project, VolumeMount } from "../compose/model.ts";
import { ContainerStore, type ContainerRecord } from "../runtime/store.ts";
import type { ContainerSpec } from "../runtime/types.ts";
import { openStateDb } from "../state/db.ts";
import { containerSpec, LABELS } from "./container-spec.ts";

export const ONE_OFF_LABEL = "io.kitten.oneoff";

export interface OneOffOptions {
  service: string;
  /** COMMAND [ARGS…] after SERVICE; empty keeps the service's */
  command?: string[];
  /** --entrypoint, split like a shell would */
  entrypoint?: string[];
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
  mounts?: VolumeMount[];
  /** --publish */
  publish?: Port[];
  /** --service-ports: keep the service's published ports */
  servicePorts?: boolean;
  /** --name */
  name?: string;
  labels?: Record<string, string>;
  capAdd?: string[];
  capDrop?: string[];
  useAliases?: boolean;
  /** 12 hex digits; random when absent */
  slug?: string;
}

export function oneOffName(project: string, service: string, slug: string): string {
  return `${project}-${service}-run-${slug}`;
}

export function newSlug(): string {
  return randomBytes(6).toString("hex");
}

export function oneOffSpec(project: Project, o: OneOffOptions): ContainerSpec {
  const slug = o.slug ?? newSlug();
  const name = o.name ?? oneOffName(project.name, o.service, slug);
  const base = containerSpec(project, o.service, 1, name, "");
  const { service: _s, replica: _r, configHash: _h, ...spec } = base;
  const labels: Record<string, string> = { ...spec.labels, ...o.labels, [ONE_OFF_LABEL]: "True", [LABELS.service]: o.service, "io.kitten.slug": slug };
  delete labels[LABELS.replica];
  delete labels[LABELS.configHash];
  const out: ContainerSpec = { ...spec, name, labels, env: { ...spec.env, ...o.env } };
  if (o.entrypoint) {
    out.entrypoint = o.entrypoint;
    // compose: a new entrypoint drops the service's command unless one is given
    out.command = null;
  }
  if (o.command && o.command.length > 0) out.command = o.command;
  if (o.user !== undefined) out.user = o.user;
  if (o.workdir !== undefined) out.workingDir = o.workdir;
  if (o.mounts?.length) out.mounts = [...(out.mounts ?? []).filter((m) => !o.mounts!.some((n) => n.target === m.target)), ...o.mounts];
  const ports = [...(o.servicePorts ? (out.ports ?? []) : []), ...(o.publish ?? [])];
  if (ports.length > 0) out.ports = ports;
  else delete out.ports;
  if (o.capAdd?.length) {
    out.capAdd = [...new Set([...(out.capAdd ?? []), ...o.capAdd])];
    if (out.capDrop) out.capDrop = out.capDrop.filter((c) => !o.capAdd!.includes(c));
  }
  if (o.capDrop?.length) {
    out.capDrop = [...new Set([...(out.capDrop ?? []), ...o.capDrop])];
    if (out.capAdd) out.capAdd = out.capAdd.filter((c) => !o.capDrop!.includes(c));
  }
  // its own name resolves on its networks; the service name only with --use-aliases (compose getAliases)
  if (out.networks) {
    out.networks = Object.fromEntries(
      Object.entries(out.networks).map(([k, n]) => [k, { ...n, aliases: [...(n.aliases ?? []), ...(o.useAliases ? [o.service] : [])] }]),
    );
  }
  return out;
}

export function isOneOff(rec: Pick<ContainerRecord, "spec">): boolean {
  return rec.spec.labels?.[ONE_OFF_LABEL] === "True";
}

/** The one-off containers of a project (runtime records), oldest first. */
export function oneOffRecords(project: string, deps: { paths: KittenPaths }): ContainerRecord[] {
  return new ContainerStore(openStateDb(deps.paths)).list({ project }).filter(isOneOff);
}

/** The service a one-off container was run from. */
export function oneOffService(rec: Pick<ContainerRecord, "spec">): string {
  return rec.spec.labels?.[LABELS.service] ?? "";
}
