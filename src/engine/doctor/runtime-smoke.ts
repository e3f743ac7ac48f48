/**
 * The OCI runtime check: a real run, not just presence (DESIGN.md: crun fails on cgroup v1
 * hybrid hosts although it is installed). A tiny bundle with a static busybox runs `true` the
 * way kitten runs containers (research/rootless-spike.md §4): runc/crun as root of a user
 * namespace that maps the user's subordinate ids, no user namespace entry in the spec, no
 * cgroup mount, no resources.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SubIdRange } from "../../core/subid.ts";
import { exec, findExecutable, isExecutableFile, lastLine } from "./exec.ts";
import { missingProgram } from "./programs.ts";
import { fail, ok, warn, type Check } from "./types.ts";

export const BUSYBOX = "/bin/busybox";

export interface SmokeContext {
  env: Record<string, string | undefined>;
  subuid?: SubIdRange;
  subgid?: SubIdRange;
}

/** runc is required; crun is optional (used when it works, reported as unusable when not). */
export async function checkRuntime(name: "runc" | "crun", ctx: SmokeContext): Promise<Check> {
  const required = name === "runc";
  const path = findExecutable(name, ctx.env.PATH);
  if (!path) {
    const missing = missingProgram(name, name, required, "running containers");
    return required ? missing : { ...missing, status: "warn" };
  }
  const version = (await exec([path, "--version"], { env: ctx.env, timeoutMs: 5_000 })).stdout.split("\n")[0]?.trim() ?? "";
  const label = `${path}${version ? ` (${version})` : ""}`;
  if (!isExecutableFile(BUSYBOX)) {
    return fail(name, `${label}: cannot smoke-test without ${BUSYBOX}`, "apt-get install -y busybox-static", required);
  }
  if (!ctx.subuid || !ctx.subgid) {
    return fail(name, `${label}: cannot smoke-test without subordinate id ranges (see subuid/subgid)`, null, required);
  }
  const reason = await smokeRun(path, ctx);
  if (reason === undefined) return ok(name, `${label}: ran \`true\` in a user namespace`, required);
  if (required) return fail(name, `${label} failed to run a container: ${reason}`, `apt-get install --reinstall -y ${name}`, true);
  return warn(name, `unusable here: ${reason}`, null, false);
}

/** Runs `busybox true` in a fresh bundle; undefined on success, else the reason it failed. */
async function smokeRun(runtime: string, ctx: SmokeContext): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "kitten-doctor-"));
  try {
    const rootfs = join(dir, "bundle", "rootfs");
    mkdirSync(join(rootfs, "bin"), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfs, "bin", "busybox"));
    writeFileSync(join(dir, "bundle", "config.json"), JSON.stringify(smokeSpec()));
    const id = `kitten-doctor-${process.pid}`;
    const uid = ctx.subuid!;
    const gid = ctx.subgid!;
    // unshare maps the caller to 0 and the subordinate ids from 1 (through newuidmap/newgidmap),
    // as rootlesskit does for the project namespace; --kill-child reaps the runtime if we time out.
    const result = await exec(
      [
        "unshare",
        "--map-root-user",
        `--map-users=${uid.start},1,${uid.count}`,
        `--map-groups=${gid.start},1,${gid.count}`,
        "--mount",
        "--kill-child",
        runtime,
        "--root",
        join(dir, "state"),
        "run",
        "--bundle",
        join(dir, "bundle"),
        id,
      ],
      { env: ctx.env, timeoutMs: 20_000 },
    );
    if (result.spawnError) return result.spawnError;
    if (result.code === 0) return undefined;
    return lastLine(result.stderr) || lastLine(result.stdout) || `exit ${result.code}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/** An OCI runtime spec for `busybox true` inside an existing user namespace (no user ns entry). */
export function smokeSpec() {
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ["/bin/busybox", "true"],
      env: ["PATH=/bin"],
      cwd: "/",
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: false },
    hostname: "kitten-doctor",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
      },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    ],
    linux: {
      namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "network" }],
      maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}
