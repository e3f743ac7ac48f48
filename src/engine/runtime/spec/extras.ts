/**
 * The parts of a container's OCI config that come from the compose keys of issue #12, applied
 * to what buildOciSpec made (pure: every host fact arrives resolved in `ExtrasInput`):
 * - sysctls (linux.sysctl);
 * - the domain name, set by a createContainer hook running `domainname` (setdomainname(2)) in the
 *   container's UTS namespace: runc 1.1 ignores the newer `domainname` field, and writing
 *   /proc/sys/kernel/domainname is refused to a user namespace whose root is not the host's;
 * - /dev/shm: its size (shm_size), none (ipc: none), or a directory others can join
 *   (ipc: shareable, and the container that joins it);
 * - pid and ipc namespaces joined by path (pid/ipc: container:x) or shared with the project
 *   namespace (host) — the entry is left out;
 * - privileged: every capability of the user namespace, no seccomp filter, no masked or
 *   read-only /proc paths, and the host's device nodes the user may open, bound in;
 * - devices, secrets/configs files and volumes_from mounts, bound in;
 * - group_add: extra groups by name (from the image's /etc/group) or number.
 */
import { posix } from "node:path";
import { InvalidInputError } from "../../../core/errors.ts";
import type { OciMount, OciSpec } from "./oci-spec.ts";
import { ALL_CAPS } from "./capabilities.ts";
import { parseGroup } from "./user.ts";

export interface Bind {
  source: string;
  target: string;
  readOnly?: boolean;
}

export interface ExtrasInput {
  name: string;
  sysctls?: Record<string, string>;
  domainname?: string;
  /** host path of the `domainname` program (hostname package) */
  domainnameBinary?: string;
  shmSize?: number;
  /** a directory mounted as the container's /dev/shm (shareable, or the one a joined container has) */
  shmDir?: string;
  ipcMode?: "private" | "shareable" | "none" | "host" | `container:${string}`;
  /** /proc/<pid>/ns/ipc of the container joined */
  ipcPath?: string;
  pidMode?: "host" | `container:${string}`;
  /** /proc/<pid>/ns/pid of the container joined */
  pidPath?: string;
  privileged?: boolean;
  /** device nodes bound in: privileged's host devices and the devices key, resolved on the host */
  deviceBinds?: Bind[];
  /** secrets and configs, written by the agent into the container dir */
  fileBinds?: Bind[];
  /** other containers' mounts (volumes_from) */
  inheritedBinds?: Bind[];
  groupAdd?: string[];
  /** text of the image's /etc/group */
  group?: string;
}

function bindMount(b: Bind, extra: string[] = []): OciMount {
  return { destination: posix.normalize(b.target), type: "bind", source: b.source, options: ["rbind", "rprivate", b.readOnly ? "ro" : "rw", ...extra] };
}

/** Extra gids for group_add: numbers as they are, names from the image's /etc/group. */
export function groupIds(name: string, groups: string[], groupText = ""): number[] {
  const known = parseGroup(groupText);
  return groups.map((g) => {
    if (/^\d+$/.test(g)) return Number(g);
    const entry = known.find((x) => x.name === g);
    if (!entry) throw new InvalidInputError(`container "${name}": group_add: unable to find group ${g}: no matching entries in the image's /etc/group`, { hint: "use the group's number, or a group the image defines" });
    return entry.gid;
  });
}

export function applyExtras(oci: OciSpec, x: ExtrasInput): OciSpec {
  if (x.sysctls && Object.keys(x.sysctls).length > 0) oci.linux.sysctl = { ...x.sysctls };
  if (x.domainname) {
    if (!x.domainnameBinary) throw new InvalidInputError(`container "${x.name}": domainname needs the domainname program on the host`, { hint: "apt-get install hostname" });
    // createContainer hooks run in the container's namespaces, before its process starts
    oci.hooks = { ...oci.hooks, createContainer: [...(oci.hooks?.createContainer ?? []), { path: x.domainnameBinary, args: ["domainname", x.domainname] }] };
  }

  // namespaces: join another container's by path, or (host) stay in the project namespace's
  const ns = oci.linux.namespaces.filter((n) => !(n.type === "pid" && x.pidMode) && !(n.type === "ipc" && (x.ipcMode === "host" || x.ipcPath)));
  if (x.pidPath) ns.push({ type: "pid", path: x.pidPath });
  if (x.ipcPath) ns.push({ type: "ipc", path: x.ipcPath });
  oci.linux.namespaces = ns;

  // /dev/shm: sized, gone, or a directory that can be shared
  const shmAt = oci.mounts.findIndex((m) => m.destination === "/dev/shm");
  if (shmAt >= 0) {
    if (x.ipcMode === "none") oci.mounts.splice(shmAt, 1);
    else if (x.shmDir) oci.mounts[shmAt] = bindMount({ source: x.shmDir, target: "/dev/shm" }, ["nosuid", "nodev", "noexec"]);
    else if (x.ipcMode === "host") oci.mounts[shmAt] = bindMount({ source: "/dev/shm", target: "/dev/shm" }, ["nosuid", "nodev", "noexec"]);
    else if (x.shmSize !== undefined) oci.mounts[shmAt] = { ...oci.mounts[shmAt]!, options: [...(oci.mounts[shmAt]!.options ?? []).filter((o) => !o.startsWith("size=")), `size=${x.shmSize}`] };
  }

  if (x.privileged) {
    // docker --privileged, as far as a user namespace goes (podman rootless does the same)
    const caps = [...ALL_CAPS];
    oci.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    delete oci.linux.seccomp;
    oci.linux.maskedPaths = [];
    oci.linux.readonlyPaths = [];
  }

  if (x.groupAdd?.length) {
    const gids = groupIds(x.name, x.groupAdd, x.group);
    const user = oci.process.user;
    user.additionalGids = [...new Set([...(user.additionalGids ?? []), ...gids.filter((g) => g !== user.gid)])];
  }

  // binds after the spec's own: a device or file mounted inside a volume lands on top of it
  const own = new Set(oci.mounts.map((m) => m.destination));
  const added: OciMount[] = [];
  for (const b of x.inheritedBinds ?? []) if (!own.has(posix.normalize(b.target))) added.push(bindMount(b));
  for (const b of x.deviceBinds ?? []) added.push(bindMount(b, ["nosuid", "noexec"]));
  for (const b of x.fileBinds ?? []) added.push(bindMount({ ...b, readOnly: true }, ["nosuid", "nodev", "noexec"]));
  const depth = (m: OciMount) => m.destination.split("/").filter(Boolean).length;
  oci.mounts = [...oci.mounts.filter((m) => !added.some((a) => a.destination === m.destination)), ...added.sort((a, b) => depth(a) - depth(b))];
  return oci;
}

/** /etc/resolv.conf of a container: its dns servers (or the namespace's forwarder), search, options. */
export function resolvConf(defaultServer: string | undefined, dns?: string[], search?: string[], options?: string[]): string {
  const servers = dns?.length ? dns : defaultServer ? [defaultServer] : [];
  const lines = [...servers.map((s) => `nameserver ${s}`), ...(search?.length ? [`search ${search.join(" ")}`] : []), ...(options?.length ? [`options ${options.join(" ")}`] : [])];
  return lines.length ? `${lines.join("\n")}\n` : "";
}
