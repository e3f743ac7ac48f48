/**
 * What `up` checks and says about a project's services on this host before it creates anything
 * (issue #12: a key kitten cannot honour here gets a warning naming the reason, never a silent
 * drop), and how each service's image is pulled (pull_policy, compose-spec services.md#pull_policy).
 */
import { InvalidInputError } from "../../core/errors.ts";
import { currentUser } from "../../core/user.ts";
import { durationMs } from "../compose/duration.ts";
import type { Project, Service } from "../compose/model.ts";
import { resourceWarning } from "../runtime/container-mounts.ts";
import type { CgroupSupport } from "../runtime/cgroups.ts";
import { firstContainer, resources } from "./runtime-keys-spec.ts";

/** GOARCH names for Node's process.arch, as image indexes name platforms. */
const GOARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64", mips: "mips", mipsel: "mipsle" };

export function hostPlatform(): { os: string; architecture: string } {
  return { os: "linux", architecture: GOARCH[process.arch] ?? process.arch };
}

/** platform: must be this host's: kitten runs no emulation. */
export function checkPlatforms(project: Project): void {
  const host = hostPlatform();
  for (const [name, s] of Object.entries(project.services)) {
    if (!s.platform) continue;
    const [os, arch] = s.platform.split("/");
    if (os === host.os && (arch === undefined || arch === host.architecture)) continue;
    throw new InvalidInputError(`service "${name}": platform ${s.platform} is not this host's (${host.os}/${host.architecture})`, {
      code: "bad_platform",
      hint: `kitten runs images of the host's platform only (no emulation): remove platform:, or set it to ${host.os}/${host.architecture}`,
    });
  }
}

/** One warning per service and key that kitten honours only in part here. */
export function hostWarnings(project: Project, cgroups?: CgroupSupport): string[] {
  const out: string[] = [];
  const user = currentUser().name;
  for (const [name, s] of Object.entries(project.services)) {
    if (s.pid === "host") out.push(`service ${name}: pid: host shares the process namespace of the project's rootless namespace (its containers and kitten's helpers), not the host's`);
    if (s.privileged) {
      out.push(`service ${name}: privileged gives every capability inside kitten's user namespace, no seccomp filter and the host devices ${user} may open; it is not root on the host`);
    }
    if (s.mac_address && (s.network_mode !== undefined && s.network_mode !== "bridge")) {
      out.push(`service ${name}: mac_address is ignored: with network_mode ${s.network_mode} the container has no network interface of its own`);
    }
    // the runtime says the same per container, but into the supervisor's log: `up` says it once per service
    const limits = resourceWarning({ name: firstContainer(project, name), resources: resources(s) }, cgroups);
    if (limits) out.push(limits);
  }
  return out;
}

export type PullMode = "always" | "missing" | "never";

/** How a service's image is fetched at `up`: the --pull flag wins over pull_policy, as in compose. */
export function pullMode(s: Service, flag: PullMode | undefined): PullMode | { maxAgeMs: number } {
  if (flag) return flag;
  const p = s.pull_policy;
  if (p === "always" || p === "never" || p === "missing") return p;
  if (p === "daily") return { maxAgeMs: 24 * 3600_000 };
  if (p === "weekly") return { maxAgeMs: 7 * 24 * 3600_000 };
  if (p?.startsWith("every_")) return { maxAgeMs: durationMs(p.slice("every_".length)) };
  return "missing";
}

/** Several services on one image: the one that pulls most decides (always > max age > missing > never). */
export function strongest(modes: Array<PullMode | { maxAgeMs: number }>): PullMode | { maxAgeMs: number } {
  if (modes.includes("always")) return "always";
  const ages = modes.flatMap((m) => (typeof m === "object" ? [m.maxAgeMs] : []));
  if (ages.length) return { maxAgeMs: Math.min(...ages) };
  return modes.includes("missing") ? "missing" : "never";
}

/** A max-age policy pulls when the local image was pulled longer ago than that (compose compares LastTagTime). */
export function staleImage(pulledAt: string | undefined, maxAgeMs: number, now = Date.now()): boolean {
  if (!pulledAt) return false;
  return now - Date.parse(pulledAt) > maxAgeMs;
}
