/**
 * A compose service replica as the runtime's ContainerSpec (src/engine/runtime/types.ts):
 * the one place service keys become container settings. Unset keys stay undefined so the
 * runtime applies the image's values, as docker does.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { durationMs } from "../compose/duration.ts";
import type { Project, Service } from "../compose/model.ts";
import { serviceImage } from "../compose/build.ts";
import type { ContainerSpec } from "../runtime/types.ts";
import { parseSecurityOpts } from "../runtime/spec/security-opts.ts";
import { parseBytes } from "../compose/units.ts";
import { runtimeKeysSpec } from "./runtime-keys-spec.ts";

/** docker's default grace period between the stop signal and SIGKILL */
export const DEFAULT_STOP_GRACE_MS = 10_000;

export function stopGraceMs(service: Service | undefined): number {
  return service?.stop_grace_period ? durationMs(service.stop_grace_period) : DEFAULT_STOP_GRACE_MS;
}

export const LABELS = {
  project: "io.kitten.project",
  service: "io.kitten.service",
  replica: "io.kitten.replica",
  configHash: "io.kitten.config-hash",
} as const;

function networkMode(project: Project, mode: string | undefined): ContainerSpec["networkMode"] {
  if (mode === undefined) return undefined;
  if (mode === "host" || mode === "none" || mode === "bridge") return mode;
  if (mode.startsWith("container:")) return mode as `container:${string}`;
  if (mode.startsWith("service:")) {
    const target = mode.slice("service:".length);
    const svc = project.services[target];
    if (!svc) throw new InvalidInputError(`network_mode "${mode}": no such service "${target}"`);
    return `container:${svc.container_name ?? `${project.name}-${target}-1`}`;
  }
  throw new InvalidInputError(`network_mode "${mode}" is not one of bridge, host, none, service:<name>, container:<name>`);
}

/** compose `logging:` (checked by the loader, compose/logging.ts) as the runtime's numbers */
function logging(l: NonNullable<Service["logging"]>): ContainerSpec["logging"] {
  const size = l.options?.["max-size"];
  const files = l.options?.["max-file"];
  return {
    ...(l.driver ? { driver: l.driver } : {}),
    ...(size !== undefined ? { maxSize: parseBytes(size) } : {}),
    ...(files !== undefined ? { maxFile: Number(files) } : {}),
  };
}

export function containerSpec(project: Project, service: string, replica: number, name: string, configHash: string): ContainerSpec {
  const s = project.services[service];
  if (!s) throw new InvalidInputError(`no such service: "${service}"`);
  const image = serviceImage(project.name, service, s);
  if (!image) throw new InvalidInputError(`service "${service}" has no image`, { hint: "set image:, or build: to build one" });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.environment)) if (v !== null) env[k] = v;
  // the Kitten format's `driver: host|none` networks are modes, not bridges (src/net/modes.ts)
  const special = Object.keys(s.networks ?? {}).map((k) => project.networks[k]?.driver).find((d) => d === "host" || d === "none");
  const mode = special ?? networkMode(project, s.network_mode);
  const networks =
    mode !== undefined && mode !== "bridge"
      ? undefined
      : Object.fromEntries(
          Object.entries(s.networks ?? { default: null }).map(([key, n]) => [
            key,
            {
              ...(n?.aliases ? { aliases: n.aliases } : {}),
              ...(n?.ipv4_address ? { ipv4Address: n.ipv4_address } : {}),
              ...(n?.priority !== undefined ? { priority: n.priority } : {}),
            },
          ]),
        );
  if (s.mac_address && networks) {
    // compose moves the service-level mac_address to the main network: highest priority, then by name
    const main = Object.entries(networks).sort(([a, x], [b, y]) => (y.priority ?? 0) - (x.priority ?? 0) || a.localeCompare(b))[0];
    if (main) Object.assign(main[1], { macAddress: s.mac_address });
  }
  // checked when the project was loaded (compose/validate.ts): this does not throw
  const security = parseSecurityOpts(s.security_opt ?? [], `service "${service}": security_opt`);
  const spec: ContainerSpec = {
    name,
    project: project.name,
    service,
    replica,
    image,
    env,
    labels: {
      ...s.labels,
      [LABELS.project]: project.name,
      [LABELS.service]: service,
      [LABELS.replica]: String(replica),
      [LABELS.configHash]: configHash,
    },
    configHash,
  };
  const optional: Partial<ContainerSpec> = {
    entrypoint: s.entrypoint,
    command: s.command,
    workingDir: s.working_dir,
    user: s.user,
    hostname: s.hostname,
    tty: s.tty,
    stdinOpen: s.stdin_open,
    init: s.init,
    readOnly: s.read_only,
    capAdd: s.cap_add,
    noNewPrivileges: security.noNewPrivileges || undefined,
    seccomp: security.seccomp,
    capDrop: s.cap_drop,
    ulimits: s.ulimits,
    tmpfs: s.tmpfs,
    // a service mounts a volume by its key; the volume is named `<project>_<key>` or by `name:`
    mounts: s.volumes?.map((m) => (m.type === "volume" && m.source && project.volumes[m.source] ? { ...m, source: project.volumes[m.source]!.name } : m)),
    stopSignal: s.stop_signal,
    networkMode: mode,
    networks,
    extraHosts: s.extra_hosts,
    ports: s.ports.length > 0 ? s.ports : undefined,
    logging: s.logging ? logging(s.logging) : undefined,
    ...runtimeKeysSpec(project, s),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (spec as unknown as Record<string, unknown>)[k] = v;
  return spec;
}
