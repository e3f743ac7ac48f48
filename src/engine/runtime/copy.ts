/**
 * `kitten cp`, host side: files between a container and the host, as docker compose cp copies
 * them (`SERVICE:SRC DEST`, `SRC SERVICE:DEST`; a SRC ending in `/.` copies a directory's
 * contents; a DEST that exists as a directory receives the entry, one that does not becomes it;
 * `-` is a tar stream on stdin/stdout). The container end runs inside the project namespace as
 * `kitten __cp` (inside/copy.ts), which resolves paths within the container's root; tar carries
 * the files both ways, so no tool is needed in the image.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { selfCommand } from "../../core/self.ts";
import { containerFiles } from "./container-files.ts";
import type { CopyRequest } from "./inside/copy.ts";
import type { RootlessRuntime } from "./rootless-runtime.ts";
import type { ContainerRecord } from "./store.ts";

export interface CopyOptions {
  /** -L: follow a symlink named as the source */
  followLink?: boolean;
  /** -a: keep owners */
  archive?: boolean;
  /** make missing parent directories in the container (watch) */
  parents?: boolean;
}

const KERNEL_FS = new Set(["proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2", "tmpfs", "devtmpfs", "shm"]);

async function copyRequest(rt: RootlessRuntime, rec: ContainerRecord, direction: CopyRequest["direction"], path: string, o: CopyOptions, entry?: string): Promise<CopyRequest> {
  const st = await rt.insideState(rec);
  if (st.status !== "running") throw new InvalidInputError(`container "${rec.name}" is not running`, { hint: `start it first: kitten start ${rec.name}` });
  if (!path.startsWith("/")) path = `/${path}`;
  const files = containerFiles(rec.dir);
  const oci = JSON.parse(readFileSync(files.config, "utf8")) as { mounts?: Array<{ destination: string; type?: string; source?: string; options?: string[] }> };
  const mounts: CopyRequest["mounts"] = [];
  const unreachable: string[] = [];
  for (const m of oci.mounts ?? []) {
    const bind = m.type === "bind" || m.options?.includes("bind") || m.options?.includes("rbind");
    if (bind && m.source) mounts.push({ destination: m.destination, source: m.source });
    else if (KERNEL_FS.has(m.type ?? "")) unreachable.push(m.destination);
  }
  return { root: files.merged, mounts, unreachable, direction, path, followLink: o.followLink ?? false, archive: o.archive ?? false, parents: o.parents ?? false, ...(entry ? { entry } : {}) };
}

function finished(child: ChildProcess, what: string): Promise<void> {
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on("error", (e) => reject(new RuntimeFailure(`${what}: ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolvePromise() : reject(new RuntimeFailure(err.trim().split("\n").at(-1) || `${what} exited with ${code}`, { code: "cp_failed" }))));
  });
}

function inside(rt: RootlessRuntime, rec: ContainerRecord, req: CopyRequest, stdio: "out" | "in"): ChildProcess {
  const argv = [...rt.nsenterArgv(rec), ...selfCommand(), "__cp", JSON.stringify(req)];
  return spawn(argv[0]!, argv.slice(1), { stdio: stdio === "out" ? ["ignore", "pipe", "pipe"] : ["pipe", "ignore", "pipe"], cwd: "/" });
}

/** `cp SERVICE:SRC DEST`. */
export async function copyFromContainer(rt: RootlessRuntime, name: string, src: string, dest: string, o: CopyOptions = {}): Promise<void> {
  const rec = rt.record(name);
  const req = await copyRequest(rt, rec, "out", src, o);
  const child = inside(rt, rec, req, "out");
  if (dest === "-") {
    child.stdout!.pipe(process.stdout, { end: false });
    await finished(child, "cp");
    return;
  }
  const target = resolve(dest);
  const contents = src.endsWith("/.");
  const intoDir = contents || (existsSync(target) && statSync(target).isDirectory());
  if (contents) mkdirSync(target, { recursive: true });
  else if (!existsSync(dirname(target))) throw new InvalidInputError(`${dirname(target)} does not exist`, { hint: "create the directory first" });
  const tmp = intoDir ? undefined : mkdtempSync(join(dirname(target), ".kitten-cp-"));
  try {
    const untar = spawn("tar", ["-x", ...(o.archive ? ["--same-owner", "--numeric-owner"] : ["--no-same-owner"]), "-C", tmp ?? target], { stdio: ["pipe", "ignore", "pipe"] });
    child.stdout!.pipe(untar.stdin!);
    const untarred = finished(untar, "tar");
    // the container side's error (no such file…) is the one to report, not tar's empty archive
    try {
      await finished(child, "cp");
    } catch (err) {
      untar.kill();
      await untarred.catch(() => {});
      throw err;
    }
    await untarred;
    if (tmp) renameSync(join(tmp, basename(src.replace(/\/+$/, "")) || "root"), target);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes a path in the container (watch: a synced file was deleted on the host). */
export async function removeInContainer(rt: RootlessRuntime, name: string, path: string): Promise<void> {
  const rec = rt.record(name);
  const child = inside(rt, rec, await copyRequest(rt, rec, "rm", path, {}), "out");
  child.stdout!.resume();
  await finished(child, "rm");
}

/** `cp SRC SERVICE:DEST`. */
export async function copyToContainer(rt: RootlessRuntime, name: string, src: string, dest: string, o: CopyOptions = {}): Promise<void> {
  const rec = rt.record(name);
  if (src === "-") {
    const req = await copyRequest(rt, rec, "in", dest, o);
    const child = inside(rt, rec, req, "in");
    process.stdin.pipe(child.stdin!);
    await finished(child, "cp");
    return;
  }
  const source = resolve(src);
  if (!existsSync(source)) throw new InvalidInputError(`no such file or directory: ${src}`);
  const contents = src.endsWith("/.");
  const entry = basename(source);
  const req = await copyRequest(rt, rec, "in", dest, o, contents ? undefined : entry);
  const child = inside(rt, rec, req, "in");
  const pack = spawn("tar", ["-c", ...(o.followLink ? ["-h"] : []), "-C", contents ? source : dirname(source), contents ? "." : entry], { stdio: ["ignore", "pipe", "pipe"] });
  pack.stdout!.pipe(child.stdin!);
  await Promise.all([finished(pack, "tar"), finished(child, "cp")]);
}
