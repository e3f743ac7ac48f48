/**
 * Container operations inside the namespace: overlay rootfs, network namespace file, conmon +
 * runc create/start, kill, delete, state. conmon monitors each container (log file in k8s-file
 * format, exit file) and outlives every kitten process; catatonit, the pid-ns init, reaps it.
 */
import { chmodSync, chownSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { ALL_CAPS } from "../spec/capabilities.ts";
import { join } from "node:path";
import { InvalidInputError, RuntimeFailure } from "../../../core/errors.ts";
import { resolveInRoot, resolvesInside } from "../../../core/safe-path.ts";
import type { CommandResult, CreateRequest, DeleteRequest, ExecRequest, InsideState, OciRuntimeName } from "../agent-protocol.ts";
import { killTree, lastLine, must, run } from "./exec.ts";
import { ociRuntime } from "./oci-runtime.ts";
import { fastSyscalls, MNT_DETACH } from "./syscalls.ts";
import { containerFiles, exitFile } from "../container-files.ts";
import { isAlive, processStartTime } from "../../../net/namespace/proc.ts";
import { isFrozen, oomKilled, removeCgroup } from "./cgroups.ts";

/** The notes of agent-protocol's InsideState when the monitor is gone. */
export const MONITOR_LOST = "its monitor (conmon) is gone: its exit code and later output will not be recorded";
export const EXIT_UNKNOWN = "exit code unknown: its monitor (conmon) was killed";

/**
 * A volume's subpath is mounted only when it exists and, with every symlink resolved, stays in
 * the volume: a symlink a container left in the volume must not lead the next mount to a host
 * directory (docker refuses a missing subpath too).
 */
function checkSubpath(name: string, volume: string, source: string): void {
  const hint = "the subpath must name an existing directory or file inside the volume; symlinks that leave it are refused";
  if (!existsSync(source)) throw new InvalidInputError(`container "${name}": volume subpath ${source.slice(volume.length + 1)} does not exist in the volume`, { code: "bad_subpath", hint });
  if (!resolvesInside(volume, source)) throw new InvalidInputError(`container "${name}": volume subpath ${source.slice(volume.length + 1)} resolves outside the volume`, { code: "bad_subpath", hint });
}

/** pid still runs and is the process that was recorded (not a reuse of its number). */
function runs(pid: number, startFile: string): boolean {
  if (!isAlive(pid)) return false;
  let start: number | undefined;
  try {
    start = Number(readFileSync(startFile, "utf8"));
  } catch {}
  return start === undefined || processStartTime(pid) === start;
}

function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, "utf8").trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function isMounted(path: string): boolean {
  const mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
  return mountinfo.split("\n").some((l) => l.split(" ")[4] === path);
}

/** Detaches a mount (lazily: an overlay's synchronous unmount syncs and costs ~20 ms). */
async function unmount(path: string, what: string): Promise<void> {
  if (!existsSync(path) || !isMounted(path)) return;
  if (fastSyscalls()?.umount2(path, MNT_DETACH)) return;
  await must(["umount", "-l", path], what);
}

/**
 * What `runc start` does: runc init waits, blocked, until someone opens and reads its exec
 * fifo; reading it lets the container's process exec. Doing it here saves a runc process.
 * Returns false (caller spawns `runc start`) when the fifo is not there.
 */
async function releaseExecFifo(fifo: string): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(1);
    const deadline = performance.now() + 10_000;
    for (;;) {
      try {
        if (readSync(fd, buf, 0, 1, null) > 0) break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      }
      if (performance.now() > deadline) throw new RuntimeFailure(`container start: runc init did not answer on ${fifo}`);
      await Bun.sleep(1);
    }
  } finally {
    closeSync(fd);
  }
  rmSync(fifo, { force: true });
  return true;
}

export class Containers {
  constructor(private readonly runtimeDir: string) {}

  /**
   * Mounts the rootfs, makes the netns file if missing and runs conmon + `runc create`. Also the
   * second half of a restart in place (`docker start` of an exited container, after `delete`
   * with removeDir false and no netnsPath): the upper layer, volumes and netns are kept, and
   * conmon appends to the existing log (k8s-file: O_APPEND, never truncated at open).
   */
  async create(
    req: CreateRequest & { volumes: Array<{ path: string; copyFrom?: string; subpath?: string }>; files: Array<{ source: string; dest: string; uid: number; gid: number; mode: number }>; terminal: boolean; monitor: boolean },
  ): Promise<{ pid: number; netnsCreated: boolean }> {
    const f = containerFiles(req.containerDir);
    for (const d of [f.upper, f.work, f.merged, f.exitDir]) mkdirSync(d, { recursive: true });
    if (!isMounted(f.merged)) {
      // userxattr: image layers mark opaque dirs with user.overlay.opaque (the user-namespace
      // form); without it the kernel ignores them and lower layers show through (see image/types.ts)
      const data = `lowerdir=${req.lowerDirs.join(":")},upperdir=${f.upper},workdir=${f.work},userxattr`;
      if (!fastSyscalls()?.mount("overlay", f.merged, "overlay", 0, data)) {
        await must(["mount", "-t", "overlay", "overlay", "-o", data, f.merged], `container "${req.name}": mounting the rootfs`);
      }
    }
    for (const v of req.volumes) {
      // docker copies the image's content at the mount point into an empty volume (moby's
      // copyExistingContents checks emptiness, so `volume create` then first use is filled too)
      const fresh = !existsSync(v.path) || readdirSync(v.path).length === 0;
      mkdirSync(v.path, { recursive: true });
      // the mount point is resolved inside the rootfs: an image's symlink (`/data -> /etc`) or a
      // VOLUME with `..` must not make the agent copy a host directory into the volume (#14)
      const from = fresh && v.copyFrom ? resolveInRoot(f.merged, v.copyFrom) : undefined;
      if (from && existsSync(from) && statSync(from).isDirectory()) {
        await run(["cp", "-a", `${from}/.`, v.path]);
      }
      if (v.subpath !== undefined) checkSubpath(req.name, v.path, v.subpath);
    }
    // secrets and configs: written as root of the namespace, so any uid/gid of it can own them
    for (const file of req.files) {
      mkdirSync(join(file.dest, ".."), { recursive: true, mode: 0o755 });
      copyFileSync(file.source, file.dest);
      chownSync(file.dest, file.uid, file.gid);
      chmodSync(file.dest, file.mode);
    }
    if (req.shm && !isMounted(req.shm.path)) {
      mkdirSync(req.shm.path, { recursive: true });
      await must(["mount", "-t", "tmpfs", "-o", `size=${req.shm.size},mode=1777,nosuid,nodev,noexec`, "shm", req.shm.path], `container "${req.name}": mounting its shareable /dev/shm`);
    }
    let netnsCreated = false;
    if (req.netnsPath && !(existsSync(req.netnsPath) && isMounted(req.netnsPath))) {
      netnsCreated = true;
      mkdirSync(join(req.netnsPath, ".."), { recursive: true });
      writeFileSync(req.netnsPath, "");
      await must(["unshare", `--net=${req.netnsPath}`, "ip", "link", "set", "lo", "up"], `container "${req.name}": creating its network namespace`);
    }
    // without a monitor the host runs the runtime in the foreground itself (kitten run -it)
    if (!req.monitor) return { pid: 0, netnsCreated };
    const rt = ociRuntime(req.runtime, this.runtimeDir);
    // conmon exits silently (status 1) when its attach socket dir is missing
    mkdirSync(join(this.runtimeDir, "attach"), { recursive: true });
    // a restart in place: the previous run's pid files name processes that are gone
    rmSync(f.pid, { force: true });
    rmSync(f.pidStart, { force: true });
    rmSync(f.conmonPid, { force: true });
    rmSync(exitFile(req.containerDir, req.id), { force: true });
    rmSync(f.runcLog, { force: true });
    const argv = [
      "conmon",
      "--api-version", "1",
      "-c", req.id,
      "-u", req.id,
      "-n", req.name,
      "-r", rt.path,
      "-b", f.bundle,
      "-p", f.pid,
      "-P", f.conmonPid,
      // the none driver keeps nothing; else conmon's own cap holds even when no supervisor rotates
      ...(req.log?.keep === false ? ["-l", "none"] : ["-l", `k8s-file:${f.log}`, ...(req.log?.sizeMax ? ["--log-size-max", String(req.log.sizeMax)] : [])]),
      "--exit-dir", f.exitDir,
      "--socket-dir-path", join(this.runtimeDir, "attach"),
      "--runtime-arg", `--root=${rt.root}`,
      "--runtime-arg", `--log=${f.runcLog}`,
      "--log-level", "error",
      ...(req.terminal ? ["-t"] : []),
      ...(req.exitCommand?.length ? ["--exit-command", req.exitCommand[0]!, ...req.exitCommand.slice(1).flatMap((a) => ["--exit-command-arg", a])] : []),
    ];
    // conmon's first process forks the monitor and exits; the container exists once runc wrote
    // its pid file. Poll for that from the start instead of waiting for the first exit.
    // no pipes: the monitor it forks would hold them open for the container's whole life
    const conmon = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    let conmonStatus: number | undefined;
    void conmon.exited.then((code) => (conmonStatus = code));
    const deadline = performance.now() + 30_000;
    for (;;) {
      const pid = readPid(f.pid);
      if (pid) {
        const start = processStartTime(pid);
        if (start !== undefined) writeFileSync(f.pidStart, String(start));
        return { pid, netnsCreated };
      }
      if (conmonStatus !== undefined && conmonStatus !== 0) {
        throw new RuntimeFailure(`container "${req.name}": conmon failed (exit status ${conmonStatus})`, { hint: "run conmon by hand with --log-level debug to see why" });
      }
      const cpid = readPid(f.conmonPid);
      if ((cpid && !isAlive(cpid)) || existsSync(exitFile(req.containerDir, req.id)) || performance.now() > deadline) {
        let why = "";
        try {
          why = lastLine(readFileSync(f.runcLog, "utf8"));
        } catch {}
        throw new RuntimeFailure(`container "${req.name}": ${req.runtime} create failed${why ? `: ${why}` : ""}`);
      }
      await Bun.sleep(1);
    }
  }

  async start(id: string, runtime: OciRuntimeName): Promise<void> {
    const rt = ociRuntime(runtime, this.runtimeDir);
    if (runtime === "runc" && (await releaseExecFifo(join(rt.root, id, "exec.fifo")))) return;
    await must(rt.argv("start", id), `container ${id}: start`);
  }

  /** runc pause / resume: the cgroup freezer (only containers with a cgroup, cgroups.ts) */
  async pause(id: string, runtime: OciRuntimeName, pause: boolean): Promise<void> {
    await must(ociRuntime(runtime, this.runtimeDir).argv(pause ? "pause" : "resume", id), `container ${id}: ${pause ? "pause" : "unpause"}`);
  }

  async kill(id: string, runtime: OciRuntimeName, signal: string, all: boolean): Promise<void> {
    const r = await run(ociRuntime(runtime, this.runtimeDir).argv("kill", ...(all ? ["--all"] : []), id, signal));
    // killing a container that already stopped is not an error (docker kill says "not running")
    if (r.exitCode !== 0 && !/not running|container not running|does not exist/.test(r.stderr)) {
      throw new RuntimeFailure(`container ${id}: kill: ${lastLine(r.stderr)}`);
    }
  }

  async delete(req: DeleteRequest & { force: boolean; removeDir: boolean }): Promise<void> {
    const rt = ociRuntime(req.runtime, this.runtimeDir);
    const f = containerFiles(req.containerDir);
    const stateDir = join(rt.root, req.id);
    const initPid = readPid(f.pid);
    if (existsSync(exitFile(req.containerDir, req.id)) && !(initPid && isAlive(initPid))) {
      // a stopped runc container without cgroups is just its state dir: what `runc delete` removes
      rmSync(stateDir, { recursive: true, force: true });
    } else if (existsSync(stateDir)) {
      const r = await run(rt.argv("delete", ...(req.force ? ["--force"] : []), req.id));
      if (r.exitCode !== 0 && !/does not exist/.test(r.stderr)) throw new RuntimeFailure(`container ${req.id}: delete: ${lastLine(r.stderr)}`);
    }
    // conmon drains the log and then writes the exit file once the container died; wait for
    // that, not for conmon itself (it outlives the exit file while its --exit-command runs)
    const cpid = readPid(f.conmonPid);
    const until = performance.now() + 5_000;
    while (cpid && isAlive(cpid) && !existsSync(exitFile(req.containerDir, req.id)) && performance.now() < until) await Bun.sleep(1);
    // a cgroup runc made stays until deleted (runc delete would remove it; here only the state dir goes)
    if (req.cgroupsPath) removeCgroup(req.cgroupsPath);
    await unmount(f.merged, `container ${req.id}: unmounting the rootfs`);
    await unmount(join(req.containerDir, "shm"), `container ${req.id}: unmounting its /dev/shm`);
    if (req.netnsPath && existsSync(req.netnsPath)) {
      await unmount(req.netnsPath, `container ${req.id}: removing its network namespace`);
      rmSync(req.netnsPath, { force: true });
    }
    rmSync(join(this.runtimeDir, "attach", req.id), { recursive: true, force: true });
    if (req.removeDir) rmSync(req.containerDir, { recursive: true, force: true });
  }

  /** Status from the monitor's exit file and the runtime's state file, never from a cache. */
  state(runtime: OciRuntimeName, containers: Array<{ id: string; containerDir: string; cgroupsPath?: string }>): InsideState[] {
    const rt = ociRuntime(runtime, this.runtimeDir);
    return containers.map(({ id, containerDir, cgroupsPath }) => {
      const exit = exitFile(containerDir, id);
      if (existsSync(exit)) {
        const code = Number(readFileSync(exit, "utf8").trim());
        const oom = cgroupsPath !== undefined && oomKilled(cgroupsPath);
        return { id, status: "exited", exitCode: Number.isFinite(code) ? code : undefined, finishedAt: statSync(exit).mtime.toISOString(), ...(oom ? { oomKilled: true } : {}) };
      }
      const files = containerFiles(containerDir);
      const pid = readPid(files.pid);
      const stateDir = join(rt.root, id);
      const cpid = readPid(files.conmonPid);
      const monitored = cpid !== undefined && isAlive(cpid);
      if (pid && runs(pid, files.pidStart) && existsSync(stateDir)) {
        // runc keeps exec.fifo until `start`; crun keeps its own fifo the same way
        const created = readdirSync(stateDir).some((n) => n.includes("fifo"));
        const status = created ? "created" : cgroupsPath && isFrozen(cgroupsPath) ? "paused" : "running";
        return { id, status, pid, ...(monitored ? {} : { note: MONITOR_LOST }) };
      }
      // the container is gone and its monitor is writing the exit file now
      if (monitored) return { id, status: "running", pid };
      // gone with nobody to record how: the truth is that its exit code is not known
      if (existsSync(stateDir)) return { id, status: "exited", note: EXIT_UNKNOWN };
      return { id, status: "unknown" };
    });
  }

  async exec(req: ExecRequest & { env: string[] }): Promise<CommandResult> {
    const rt = ociRuntime(req.runtime, this.runtimeDir);
    // with a deadline, the process's pid: past it, the command and its children are killed
    // in the container, not only runc exec (docker kills a healthcheck's process the same way)
    const pidFile = req.timeoutMs ? join(this.runtimeDir, `exec-${req.id.slice(0, 12)}-${process.hrtime.bigint()}.pid`) : undefined;
    const argv = rt.argv(
      "exec",
      ...(pidFile ? ["--pid-file", pidFile] : []),
      ...req.env.flatMap((e) => ["--env", e]),
      ...(req.cwd ? ["--cwd", req.cwd] : []),
      ...(req.user ? ["--user", `${req.user.uid}:${req.user.gid}`, ...(req.user.additionalGids ?? []).flatMap((g) => ["--additional-gids", String(g)])] : []),
      ...(req.privileged ? ALL_CAPS.flatMap((c) => ["--cap", c]) : []),
      req.id,
      ...req.args,
    );
    try {
      return await run(argv, {
        stdin: req.stdin,
        timeoutMs: req.timeoutMs,
        onTimeout: () => {
          const pid = pidFile ? readPid(pidFile) : undefined;
          if (pid) killTree(pid);
        },
      });
    } finally {
      if (pidFile) rmSync(pidFile, { force: true });
    }
  }
}
