/**
 * Conflicts that only show once the project is whole (DESIGN.md: conflicting keys are errors
 * naming the services): network_mode with networks, static addresses outside (or without) their
 * network's subnet or used twice, a host ip:port/protocol published twice (0.0.0.0 and :: clash
 * with every address), container_name with several replicas or on two services, a service
 * without an image, and — through the planner's graph — unknown dependencies and cycles.
 */
import { posix } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { didYouMeanHint } from "../../core/suggest.ts";
import { MAX_NAME_BYTES, quoteName } from "../../core/names.ts";
import { dependencyLevels } from "../plan/graph.ts";
import { replicasOf, type Project } from "./model.ts";
import { parseCidr } from "./cidr.ts";
import type { Assembled } from "./project.ts";
import { serviceError } from "./read.ts";
import { parseSecurityOpts } from "../runtime/spec/security-opts.ts";
import { checkRuntimeLimits, type HostIds } from "./runtime-checks.ts";
import { mappedIdLimits } from "../../core/subid.ts";

let cachedIds: HostIds | undefined;
/** the namespace's id range, read once per process */
function hostIds(): HostIds {
  cachedIds ??= mappedIdLimits();
  return cachedIds;
}

type Fail = (service: string, path: (string | number)[], message: string, hint?: string) => never;

export function validateProject({ project, explicitNetworks, readers }: Assembled, ids: HostIds = hostIds()): void {
  const fail: Fail = (service, path, message, hint) => {
    throw serviceError(readers, service, path, message, hint);
  };
  const names = Object.keys(project.services);
  for (const [name, s] of Object.entries(project.services)) {
    if (!s.image && !s.build) fail(name, [], `service "${name}" has no image`, "set image: to an image reference or a rootfs directory, or build: to a directory with a Dockerfile");
    if (s.network_mode && explicitNetworks.has(name)) {
      fail(name, ["network_mode"], `service "${name}" sets both network_mode and networks`, "they are mutually exclusive: keep one of them");
    }
    const mode = s.network_mode;
    if (mode && !/^(host|none|bridge|(service|container):.+)$/.test(mode)) {
      fail(name, ["network_mode"], `service "${name}": invalid network_mode "${mode}"`, "use host, none, bridge, service:<name> or container:<name>");
    }
    if (mode?.startsWith("service:")) {
      const target = mode.slice("service:".length);
      if (!Object.hasOwn(project.services, target)) {
        fail(name, ["network_mode"], `service "${name}" uses the network of unknown service "${target}"`, didYouMeanHint(target, names));
      }
    }
    try {
      parseSecurityOpts(s.security_opt ?? [], `service "${name}": security_opt`);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      fail(name, ["security_opt"], err.message, err.hint);
    }
    const replicas = replicasOf(s);
    if (s.container_name && replicas > 1) {
      fail(name, ["container_name"], `service "${name}" sets container_name "${s.container_name}" with ${replicas} replicas`, "a container name is unique: remove container_name or use one replica");
    }
  }
  checkContainerNames(project, fail);
  checkMountTargets(project, fail);
  checkRuntimeLimits(project, fail, ids);
  checkAddresses(project, fail);
  checkPorts(project, fail);
  try {
    dependencyLevels(project.services);
  } catch (err) {
    throw locateDependencyError(err, readers);
  }
}

/** The planner's graph errors name services; point them at the depends_on that is wrong. */
function locateDependencyError(err: unknown, readers: Assembled["readers"]): unknown {
  if (!(err instanceof InvalidInputError) || err.location) return err;
  const service = /^service "([^"]+)" depends on/.exec(err.message)?.[1] ?? /^dependency cycle: ([^ ]+) ->/.exec(err.message)?.[1];
  if (service === undefined || !readers[service]) return err;
  const dep = /unknown service "([^"]+)"/.exec(err.message)?.[1] ?? /-> ([^ ]+)/.exec(err.message)?.[1];
  const located = serviceError(readers, service, ["depends_on", ...(dep === undefined ? [] : [dep])], err.message, err.hint);
  return new InvalidInputError(err.message, { code: err.code, hint: err.hint, location: located.location });
}

function checkContainerNames(project: Project, fail: Fail): void {
  const seen = new Map<string, string>();
  // the names made from the project's name must fit a directory entry too (core/names.ts)
  for (const [name, s] of Object.entries(project.services)) {
    const longest = s.container_name ?? `${project.name}-${name}-${replicasOf(s)}`;
    if (Buffer.byteLength(longest) > MAX_NAME_BYTES) {
      fail(name, s.container_name ? ["container_name"] : [], `service "${name}": its container name ${quoteName(longest)} is longer than ${MAX_NAME_BYTES} bytes`, "use a shorter service or project name");
    }
  }
  for (const [kind, defs] of [["network", project.networks], ["volume", project.volumes]] as const) {
    for (const [key, d] of Object.entries(defs)) {
      if (Buffer.byteLength(d.name) > MAX_NAME_BYTES) {
        throw new InvalidInputError(`${kind} "${key}": its name ${quoteName(d.name)} is longer than ${MAX_NAME_BYTES} bytes`, { code: `bad_${kind}_name`, hint: `use a shorter ${kind} key, a shorter project name, or name: to set it` });
      }
    }
  }
  for (const [name, s] of Object.entries(project.services)) {
    if (!s.container_name) continue;
    const other = seen.get(s.container_name);
    if (other) fail(name, ["container_name"], `services "${other}" and "${name}" both use container_name "${s.container_name}"`);
    seen.set(s.container_name, name);
  }
}

/**
 * One mount per path in a container: docker refuses a volume, bind, tmpfs, secret or config on a
 * path another one already takes ("Duplicate mount point"); kitten used to mount the later over
 * the earlier, hiding a volume behind a secret file without a word.
 */
function checkMountTargets(project: Project, fail: Fail): void {
  for (const [name, s] of Object.entries(project.services)) {
    const seen = new Map<string, string>();
    const add = (target: string, what: string, path: (string | number)[]) => {
      const key = posix.normalize(target).replace(/(.)\/$/, "$1");
      const other = seen.get(key);
      if (other) fail(name, path, `service "${name}": duplicate mount point ${key} (${other} and ${what})`, "mount each path of the container once: change one of the targets");
      seen.set(key, what);
    };
    (s.volumes ?? []).forEach((v, i) => add(v.target, v.type === "volume" ? (v.source ? `volume "${v.source}"` : "an anonymous volume") : v.type === "bind" ? `bind mount ${v.source}` : "a tmpfs", ["volumes", i]));
    (s.tmpfs ?? []).forEach((t, i) => add(t.split(":")[0]!, "a tmpfs", ["tmpfs", i]));
    (s.secrets ?? []).forEach((r, i) => add(r.target ?? `/run/secrets/${r.source}`, `secret "${r.source}"`, ["secrets", i]));
    (s.configs ?? []).forEach((r, i) => add(r.target ?? `/${r.source}`, `config "${r.source}"`, ["configs", i]));
  }
}

function checkAddresses(project: Project, fail: Fail): void {
  const used = new Map<string, string>();
  for (const [name, s] of Object.entries(project.services)) {
    for (const [net, cfg] of Object.entries(s.networks ?? {})) {
      const ip = cfg?.ipv4_address;
      if (!ip) continue;
      const path = ["networks", net, "ipv4_address"];
      const subnets = (project.networks[net]?.ipam?.config ?? []).flatMap((c) => (c.subnet ? [c.subnet] : []));
      const v4 = subnets.filter((c) => parseCidr(c)?.version === 4);
      if (v4.length === 0) {
        fail(name, path, `service "${name}": ipv4_address ${ip} needs a subnet on network "${net}"`, `add ipam: {config: [{subnet: ...}]} to network "${net}" (compose requires it for static addresses)`);
      }
      if (!v4.some((c) => parseCidr(c)!.contains(ip))) {
        fail(name, path, `service "${name}": ipv4_address ${ip} is outside the subnet ${v4.join(", ")} of network "${net}"`);
      }
      const key = `${net}/${ip}`;
      const other = used.get(key);
      if (other) fail(name, path, `services "${other}" and "${name}" both use ipv4_address ${ip} on network "${net}"`);
      used.set(key, name);
      if (replicasOf(s) > 1) fail(name, path, `service "${name}" sets ipv4_address ${ip} with ${replicasOf(s)} replicas`, "a static address fits one container: remove it or use one replica");
    }
  }
}

const WILDCARDS = new Set(["", "0.0.0.0", "::"]);

function checkPorts(project: Project, fail: Fail): void {
  /** "<port>/<protocol>" → who publishes it on which host address */
  const taken = new Map<string, { service: string; ip: string }[]>();
  for (const [name, s] of Object.entries(project.services)) {
    const replicas = replicasOf(s);
    s.ports.forEach((p, i) => {
      if (!p.published) return;
      const [a, b] = p.published.split("-").map(Number) as [number, number | undefined];
      const last = b ?? a;
      if (replicas > 1 && last - a + 1 < replicas) {
        fail(name, ["ports", i], `service "${name}" publishes host port ${p.published} with ${replicas} replicas`, "each replica needs its own host port: publish a range, or leave the host port out");
      }
      const ip = p.host_ip ?? "";
      for (let port = a; port <= last; port++) {
        const key = `${port}/${p.protocol}`;
        const holders = taken.get(key) ?? [];
        const clash = holders.find((h) => h.ip === ip || WILDCARDS.has(h.ip) || WILDCARDS.has(ip));
        if (clash) {
          const where = ip === "" ? "" : `${ip}:`;
          const message =
            clash.service === name
              ? `service "${name}" publishes host port ${where}${key} twice`
              : `services "${clash.service}" and "${name}" both publish host port ${where}${key}`;
          fail(name, ["ports", i], message, "change one of the published ports");
        }
        holders.push({ service: name, ip });
        taken.set(key, holders);
      }
    });
  }
}
