/**
 * Host prerequisites besides programs: subordinate ids and the setuid helpers that map them,
 * /dev/net/tun for slirp4netns, user namespaces, native overlayfs inside a user namespace, the
 * CNI plugins, and cgroup delegation (research/rootless-spike.md §0, §1b, §4).
 */
import { cgroupSupport, type CgroupSupport } from "../runtime/cgroups.ts";
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSubIdFile, type SubIdRange } from "../../core/subid.ts";
import { exec, findExecutable, isExecutableFile, lastLine } from "./exec.ts";
import { missingProgram } from "./programs.ts";
import { fail, ok, warn, type Check } from "./types.ts";

export interface UserInfo {
  name: string;
  uid: number;
}

/** Ranges smaller than this cannot hold images that use uid 65534 (nobody). */
const FULL_RANGE = 65536;

/** The user's range in /etc/subuid or /etc/subgid, with a check line and the usermod fix. */
export function checkSubIds(kind: "subuid" | "subgid", user: UserInfo, files: { subuid: string; subgid: string }): { check: Check; range?: SubIdRange } {
  const file = `/etc/${kind}`;
  const range = parseSubIdFile(kind === "subuid" ? files.subuid : files.subgid, user.name, user.uid);
  const fix = subIdFix(user.name, files);
  if (!range) return { check: fail(kind, `no ${file} range for user "${user.name}"`, fix) };
  const detail = `${user.name}: ${range.count} ids from ${range.start}`;
  if (range.count < FULL_RANGE) {
    return { check: warn(kind, `${detail}; images with uids up to 65534 need ${FULL_RANGE}`, fix, true), range };
  }
  return { check: ok(kind, detail), range };
}

/** `usermod --add-subuids S-E --add-subgids S-E user` with a range past every existing one. */
export function subIdFix(user: string, files: { subuid: string; subgid: string }): string {
  let end = 100000;
  for (const text of [files.subuid, files.subgid]) {
    for (const line of text.split("\n")) {
      const [, start, count] = line.trim().split(":");
      if (start === undefined || count === undefined) continue;
      end = Math.max(end, Number(start) + Number(count));
    }
  }
  const last = end + FULL_RANGE - 1;
  return `usermod --add-subuids ${end}-${last} --add-subgids ${end}-${last} ${user}`;
}

/** newuidmap/newgidmap must be setuid root (or carry file capabilities) to map subordinate ids. */
export async function checkIdMapper(name: "newuidmap" | "newgidmap", env: Record<string, string | undefined>): Promise<Check> {
  const path = findExecutable(name, env.PATH);
  if (!path) return missingProgram(name, "uidmap", true, "mapping subordinate ids into user namespaces");
  const st = statSync(path);
  if (st.uid === 0 && (st.mode & 0o4000) !== 0) return ok(name, `${path}: setuid root`);
  const getcap = findExecutable("getcap", env.PATH);
  if (getcap) {
    const caps = (await exec([getcap, path], { env, timeoutMs: 5_000 })).stdout;
    const wanted = name === "newuidmap" ? "cap_setuid" : "cap_setgid";
    if (caps.includes(wanted)) return ok(name, `${path}: file capability ${wanted}`);
  }
  return fail(name, `${path} is neither setuid root nor has file capabilities`, `chmod u+s ${path}`);
}

/** slirp4netns opens /dev/net/tun as the user (spike §0: this VM ships it 0600). */
export function checkTun(path = "/dev/net/tun"): Check {
  let st;
  try {
    st = statSync(path);
  } catch {
    return fail(path, "missing (needed by slirp4netns)", `mkdir -p /dev/net && mknod ${path} c 10 200 && chmod 0666 ${path}`);
  }
  if (!st.isCharacterDevice()) return fail(path, "is not a character device", `rm -f ${path} && mknod ${path} c 10 200 && chmod 0666 ${path}`);
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    return fail(path, `not readable and writable by this user (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")})`, `chmod 0666 ${path}`);
  }
  return ok(path, `readable and writable (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")})`);
}

/** Unprivileged user namespaces must be allowed (Debian's sysctl, or a zero namespace limit). */
export function checkUserNamespaces(read: (path: string) => string | undefined = readProc): Check {
  const max = read("/proc/sys/user/max_user_namespaces");
  if (max !== undefined && Number(max) === 0) {
    return fail("user namespaces", "disabled: user.max_user_namespaces is 0", "sysctl -w user.max_user_namespaces=28633");
  }
  const clone = read("/proc/sys/kernel/unprivileged_userns_clone");
  if (clone !== undefined && Number(clone) === 0) {
    return fail("user namespaces", "disabled for unprivileged users", "sysctl -w kernel.unprivileged_userns_clone=1");
  }
  return ok("user namespaces", `enabled${max === undefined ? "" : ` (max ${max})`}`);
}

/** Native overlayfs mounted inside a user namespace, as the container rootfs will be (spike §4). */
export async function checkOverlay(env: Record<string, string | undefined>): Promise<Check> {
  const unshare = findExecutable("unshare", env.PATH);
  if (!unshare) return missingProgram("unshare", "util-linux", true, "entering user namespaces");
  const dir = mkdtempSync(join(tmpdir(), "kitten-doctor-overlay-"));
  try {
    for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(join(dir, d));
    // The mount namespace dies with the shell, so the mount cannot outlive the check; the
    // script still unmounts and empties the work dir (created 000 by the kernel) itself.
    const script = [
      'mount -t overlay overlay -o "lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work" "$1/merged"',
      'echo ok > "$1/merged/probe"',
      'test -f "$1/upper/probe"',
      'umount "$1/merged"',
      'rm -rf "$1/work/work"',
    ].join(" && ");
    const result = await exec([unshare, "--map-root-user", "--mount", "sh", "-c", script, "sh", dir], { env, timeoutMs: 10_000 });
    if (result.code === 0) return ok("overlay", "native overlayfs mounts and writes inside a user namespace");
    const reason = result.spawnError ?? (lastLine(result.stderr) || `exit ${result.code}`);
    return fail("overlay", `native overlayfs does not mount inside a user namespace: ${reason}`, "apt-get install -y linux-image-amd64 && reboot");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const CNI_DIR = "/usr/lib/cni";
export const CNI_PLUGINS = ["bridge", "host-local", "loopback"];

export function checkCniPlugins(dir = CNI_DIR): Check {
  const missing = CNI_PLUGINS.filter((p) => !isExecutableFile(join(dir, p)));
  if (missing.length > 0) return fail("cni plugins", `missing in ${dir}: ${missing.join(", ")}`, "apt-get install -y containernetworking-plugins");
  return ok("cni plugins", `${CNI_PLUGINS.join(", ")} in ${dir}`);
}

/** How the host mounts cgroups, from /proc/self/mounts. */
export type CgroupMode = "v2" | "hybrid" | "v1" | "none";

export function cgroupMode(mounts: string): CgroupMode {
  const entries = mounts.split("\n").map((l) => l.split(" ")).filter((f) => f.length >= 3);
  const at = (path: string) => entries.find((f) => f[1] === path)?.[2];
  if (at("/sys/fs/cgroup") === "cgroup2") return "v2";
  const v1 = entries.some((f) => f[2] === "cgroup");
  if (v1 && at("/sys/fs/cgroup/unified") === "cgroup2") return "hybrid";
  return v1 ? "v1" : "none";
}

const DELEGATE_FIX =
  "mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload";

/**
 * Resource limits, the default pids limit and pause need cgroups kitten may manage
 * (src/engine/runtime/cgroups.ts): on cgroup v1 a `kitten/<uid>` subtree in every hierarchy —
 * made by kitten itself when it runs as root, handed over once by root otherwise (the fix). On
 * cgroup v2 kitten does not enforce limits yet, delegated or not, and says so.
 */
export function checkCgroups(
  read: (path: string) => string | undefined = readProc,
  writable: (path: string) => boolean = isWritable,
  v1: () => CgroupSupport = () => cgroupSupport(),
): Check {
  const mode = cgroupMode(read("/proc/self/mounts") ?? "");
  const limits = "memory, cpus and pids limits and pause are not enforced; kitten warns at up and runs containers without them";
  if (mode === "v1" || mode === "hybrid") {
    const s = v1();
    if (s.usable) return ok("cgroup delegation", `cgroup ${mode}: limits, a default pids limit and pause through ${s.base} in each controller, a subtree per project`, false);
    return warn("cgroup delegation", `cgroup ${mode}: ${s.reason}: ${limits}`, s.fix ?? null);
  }
  if (mode !== "v2") return warn("cgroup delegation", `cgroup not mounted: ${limits}`, null);
  const own = (read("/proc/self/cgroup") ?? "").split("\n").find((l) => l.startsWith("0::"))?.slice(3) ?? "/";
  const dir = join("/sys/fs/cgroup", own);
  const controllers = (read(join(dir, "cgroup.controllers")) ?? "").trim().split(/\s+/).filter(Boolean);
  const needed = ["cpu", "memory", "pids"].filter((c) => !controllers.includes(c));
  if (!writable(dir) || needed.length > 0) {
    const what = !writable(dir) ? `${dir} is not writable by this user` : `controllers ${needed.join(", ")} not delegated to ${dir}`;
    return warn("cgroup delegation", `cgroup v2, but ${what}: ${limits}`, DELEGATE_FIX);
  }
  // TODO(#13): containers in a delegated v2 subtree (a systemd scope of their own, as podman makes)
  return warn("cgroup delegation", `cgroup v2 with ${controllers.join(", ")} delegated to ${dir}, but this kitten enforces limits through cgroup v1 only: ${limits}`, null);
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
