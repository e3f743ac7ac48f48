/**
 * A RUN step inside the namespace: a container of the same runtime as `kitten run` (the OCI
 * config from runtime/spec: default seccomp filter, docker's capabilities, masked paths) on the
 * step's overlay rootfs, run in the foreground by runc with its output streamed back. /etc/hosts,
 * /etc/hostname and /etc/resolv.conf are bind-mounted from the step's dir and never reach the
 * layer; `--network=none` gets a network namespace of its own (lo only), the default shares the
 * namespace's slirp network (BuildKit's rootless model). RUN --mount sources are mounted here:
 * cache dirs (kept per id), binds of the context or of other stages (read-only, or writable
 * with the writes discarded), tmpfs, secrets (a file bound read-only, removed after the step).
 */
import { chmodSync, chownSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError, RuntimeFailure } from "../../../core/errors.ts";
import { buildOciSpec, hostsFile, type OciMount } from "../../runtime/spec/oci-spec.ts";
import { parseProcLimits } from "../../runtime/spec/rlimits.ts";
import { flock, LOCK_EX, LOCK_NB } from "../../../core/flock.ts";
import { SLIRP } from "../../../net/namespace/types.ts";
import { resolveInRoot } from "../context/scoped-path.ts";
import { IgnoreMatcher } from "../context/ignore.ts";
import { mknod, S_IFCHR } from "../../image/unpack/libc.ts";
import type { RunRequest, WorkerMount } from "./protocol.ts";
import { cleanStubs, commitLayer, emptyLower, mountLayersReadOnly, mountOverlay, mountRootfs, recordStub, unmount } from "./rootfs.ts";
import { must } from "../../runtime/inside/exec.ts";

export const SANDBOX_HOSTNAME = "buildkitsandbox";

export class RunFailed extends Error {
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
  }
}

/** The text of a file of the rootfs, resolved inside it (a symlinked /etc/passwd never leads out). */
export function readRootfsFile(merged: string, path: string): string {
  const r = resolveInRoot(merged, path, true);
  if (!r.stat?.isFile()) return "";
  try {
    return readFileSync(r.path, "utf8");
  } catch {
    return "";
  }
}

/** RUN containers now running: killed and deleted when the build goes away (stdin closed). */
export const running = new Set<{ runtime: string; root: string; id: string }>();

export async function killRunning(): Promise<void> {
  await Promise.all(
    [...running].map(async (c) => {
      // `runc run` killed does not take its container with it: kill the container itself
      const bin = Bun.which(c.runtime) ?? c.runtime;
      await Bun.spawn([bin, "--root", c.root, "kill", c.id, "KILL"], { stdout: "ignore", stderr: "ignore" }).exited;
      await Bun.spawn([bin, "--root", c.root, "delete", "--force", c.id], { stdout: "ignore", stderr: "ignore" }).exited;
    }),
  );
}

/**
 * A view of a context directory without what .dockerignore excludes: an overlay whose top
 * layer whites out every excluded path (char 0:0 devices), as BuildKit only ever sends the
 * files that are not excluded. Returns undefined when nothing below `dir` is excluded.
 */
async function filteredView(dir: string, relBase: string, ignore: IgnoreMatcher, workDir: string, i: number): Promise<string | undefined> {
  const hide: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs)) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const ctxRel = relBase === "" ? childRel : `${relBase}/${childRel}`;
      const st = lstatSync(`${abs}/${name}`);
      if (ignore.excludes(ctxRel)) {
        if (st.isDirectory() && ignore.mayIncludeBelow(ctxRel)) walk(`${abs}/${name}`, childRel);
        else hide.push(childRel);
      } else if (st.isDirectory()) walk(`${abs}/${name}`, childRel);
    }
  };
  walk(dir, "");
  if (hide.length === 0) return undefined;
  const whiteouts = join(workDir, `ignored-${i}`);
  mkdirSync(whiteouts, { recursive: true, mode: 0o755 });
  for (const rel of hide) {
    mkdirSync(join(whiteouts, rel, ".."), { recursive: true, mode: 0o755 });
    mknod(join(whiteouts, rel), S_IFCHR, 0, 0);
  }
  const view = join(workDir, `view-${i}`);
  await mountOverlay(view, `lowerdir=${whiteouts}:${dir},userxattr`, "mounting the build context without its .dockerignore'd files");
  return view;
}

async function sourcePath(m: Extract<WorkerMount, { type: "bind" }>, workDir: string, i: number): Promise<{ path: string; mounted: string[] }> {
  let root: string;
  const mounted: string[] = [];
  if (m.from.type === "dir") root = m.from.root;
  else {
    root = join(workDir, `src-${i}`);
    await mountLayersReadOnly(root, m.from.lowerDirs, workDir);
    mounted.push(root);
  }
  const r = resolveInRoot(root, m.source, true);
  if (r.stat === null) throw new InvalidInputError(`RUN --mount source "${m.source}" does not exist`, { code: "build_mount_source" });
  if (m.from.type === "dir" && m.from.ignore?.length && r.stat.isDirectory()) {
    const view = await filteredView(r.path, r.rel, new IgnoreMatcher(m.from.ignore), workDir, i);
    if (view) {
      mounted.push(view);
      return { path: view, mounted };
    }
  }
  return { path: r.path, mounted };
}

export async function runStep(req: RunRequest, output: (stream: "stdout" | "stderr", data: string) => void): Promise<{ diffId: string; size: number } | undefined> {
  const fs = await mountRootfs(req.workDir, req.layers);
  const mounted: string[] = [fs.merged];
  const locks: number[] = [];
  try {
    const etc = join(req.workDir, "etc");
    mkdirSync(etc, { recursive: true });
    const etcFiles = { hosts: join(etc, "hosts"), hostname: join(etc, "hostname"), resolvConf: join(etc, "resolv.conf") };
    writeFileSync(etcFiles.hostname, `${SANDBOX_HOSTNAME}\n`);
    writeFileSync(etcFiles.hosts, hostsFile(SANDBOX_HOSTNAME, undefined, req.extraHosts));
    writeFileSync(etcFiles.resolvConf, req.network === "none" ? "" : `nameserver ${SLIRP.dns}\n`);
    const stubs = ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf", ...req.mounts.map((m) => m.target)].map((t) => recordStub(fs.merged, t));
    const binds: { source: string; target: string; readOnly?: boolean }[] = [];
    const extraMounts: OciMount[] = [];
    for (const [i, m] of req.mounts.entries()) {
      if (m.type === "cache") {
        if (!existsSync(m.dir)) {
          mkdirSync(m.dir, { recursive: true });
          chownSync(m.dir, m.uid, m.gid);
          chmodSync(m.dir, m.mode);
          // `from=`: a new cache starts with that stage's (or image's) files at `source`
          if (m.seed) {
            const src = await sourcePath({ type: "bind", target: m.target, from: m.seed.from, source: m.seed.source, readonly: true }, req.workDir, i);
            try {
              await must(["cp", "-a", `${src.path}/.`, m.dir], "seeding a cache mount");
            } finally {
              for (const p of src.mounted.reverse()) await unmount(p);
            }
          }
        }
        if (m.locked) {
          const fd = openSync(`${m.dir}.lock`, "a");
          locks.push(fd);
          while (flock(fd, LOCK_EX | LOCK_NB) !== 0) await Bun.sleep(50);
        }
        binds.push({ source: m.dir, target: m.target, readOnly: m.readonly });
      } else if (m.type === "bind") {
        const src = await sourcePath(m, req.workDir, i);
        mounted.push(...src.mounted);
        if (m.readonly) binds.push({ source: src.path, target: m.target, readOnly: true });
        else {
          // writable, and what RUN writes there is thrown away (REF §RUN --mount=type=bind rw)
          const base = join(req.workDir, `rw-${i}`);
          const view = join(base, "merged");
          mkdirSync(join(base, "upper"), { recursive: true });
          mkdirSync(join(base, "work"), { recursive: true });
          await mountOverlay(view, `lowerdir=${src.path}:${emptyLower(req.workDir)},upperdir=${join(base, "upper")},workdir=${join(base, "work")},userxattr`, "mounting a writable build bind");
          mounted.push(view);
          binds.push({ source: view, target: m.target });
        }
      } else if (m.type === "tmpfs") {
        extraMounts.push({ destination: m.target, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", ...(m.size ? [`size=${m.size}`] : [])] });
      } else {
        chownSync(m.file, m.uid, m.gid);
        chmodSync(m.file, m.mode);
        binds.push({ source: m.file, target: m.target, readOnly: true });
      }
    }
    if (req.pipeFiles.length > 0) {
      const pipes = join(req.workDir, "pipes");
      mkdirSync(pipes, { recursive: true, mode: 0o755 });
      for (const f of req.pipeFiles) writeFileSync(join(pipes, f.name), f.content, { mode: 0o755 });
      binds.push({ source: pipes, target: "/dev/pipes", readOnly: true });
    }
    const env: Record<string, string> = {};
    for (const e of req.env) {
      const eq = e.indexOf("=");
      env[eq < 0 ? e : e.slice(0, eq)] = eq < 0 ? "" : e.slice(eq + 1);
    }
    const spec = buildOciSpec(
      { Env: [] },
      {
        name: "build",
        entrypoint: [],
        command: req.argv,
        env,
        workingDir: req.cwd,
        user: req.user,
        hostname: SANDBOX_HOSTNAME,
        rootfs: fs.merged,
        etcFiles,
        binds,
        passwd: readRootfsFile(fs.merged, "/etc/passwd"),
        group: readRootfsFile(fs.merged, "/etc/group"),
        hostHardLimits: parseProcLimits(readFileSync("/proc/self/limits", "utf8")),
      },
    );
    spec.mounts.push(...extraMounts);
    if (req.network === "none") spec.linux.namespaces.push({ type: "network" });
    const bundle = join(req.workDir, "bundle");
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, "config.json"), JSON.stringify(spec));
    const root = join(req.runtimeDir, req.runtime);
    const id = `build-${process.pid}-${req.id}-${Math.random().toString(36).slice(2, 8)}`;
    const proc = Bun.spawn([Bun.which(req.runtime) ?? req.runtime, "--root", root, "run", "--bundle", bundle, id], { stdin: "ignore", stdout: "pipe", stderr: "pipe", cwd: req.workDir });
    const entry = { runtime: req.runtime, root, id };
    running.add(entry);
    const pump = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
      const dec = new TextDecoder();
      for await (const chunk of stream) output(name, dec.decode(chunk, { stream: true }));
      const rest = dec.decode();
      if (rest) output(name, rest);
    };
    let code: number;
    try {
      [code] = await Promise.all([proc.exited, pump(proc.stdout, "stdout"), pump(proc.stderr, "stderr")]);
    } finally {
      running.delete(entry);
    }
    if (code !== 0) throw new RunFailed(code);
    for (const m of mounted.reverse()) await unmount(m);
    mounted.length = 0;
    cleanStubs(fs.upper, stubs);
    return await commitLayer(fs.upper, req);
  } finally {
    for (const fd of locks) closeSync(fd);
    for (const m of mounted.reverse()) await unmount(m);
  }
}
