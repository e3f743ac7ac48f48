/**
 * A step's root filesystem inside the namespace: overlayfs over the stored layers with a fresh
 * upper dir (`userxattr`, the user-namespace form the layers are unpacked in; redirect_dir and
 * metacopy off so the upper dir alone describes every change), and the commit that turns the
 * upper dir into a layer. The upper dir already is a layer in the store's format (whiteouts as
 * char 0:0 devices, opaque dirs as `user.overlay.opaque`), so committing is: drop the mount
 * stubs runc made for bind mounts that did not exist in the image (BuildKit's mount-stub
 * cleaner), drop directories that were only copied up for them, hash the tar stream (the diff
 * id), rename into layers/<hex>. Rename is atomic: a killed build leaves no partial layer.
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, rmdirSync, writeSync, type Stats } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../../core/errors.ts";
import { fastSyscalls, MNT_DETACH } from "../../runtime/inside/syscalls.ts";
import { must } from "../../runtime/inside/exec.ts";
import { layerTar } from "../../image/layer-tar.ts";
import { lgetxattr } from "../../image/unpack/libc.ts";
import { resolveInRoot } from "../context/scoped-path.ts";

export interface StepRootfs {
  upper: string;
  work: string;
  merged: string;
}

/** An empty directory to stand in as the lowest layer (FROM scratch, read-only source mounts). */
export function emptyLower(workDir: string): string {
  const dir = join(workDir, "empty");
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

export async function mountOverlay(target: string, options: string, what: string): Promise<void> {
  mkdirSync(target, { recursive: true });
  if (fastSyscalls()?.mount("overlay", target, "overlay", 0, options)) return;
  await must(["mount", "-t", "overlay", "overlay", "-o", options, target], what);
}

export async function unmount(path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (fastSyscalls()?.umount2(path, MNT_DETACH)) return;
  await must(["umount", "-l", path], `unmounting ${path}`).catch(() => undefined);
}

/** Mounts the writable rootfs of a step: `layers` lowest first. */
export async function mountRootfs(workDir: string, layers: string[]): Promise<StepRootfs> {
  const fs: StepRootfs = { upper: join(workDir, "upper"), work: join(workDir, "work"), merged: join(workDir, "merged") };
  for (const d of [fs.upper, fs.work, fs.merged]) mkdirSync(d, { recursive: true, mode: 0o755 });
  const lowers = layers.length > 0 ? [...layers].reverse() : [emptyLower(workDir)];
  await mountOverlay(fs.merged, `lowerdir=${lowers.join(":")},upperdir=${fs.upper},workdir=${fs.work},userxattr`, "mounting the build rootfs");
  return fs;
}

/** A read-only view of layers (COPY --from a stage, RUN --mount from=…). */
export async function mountLayersReadOnly(target: string, layers: string[], workDir: string): Promise<void> {
  // an overlay without an upper dir needs two lower dirs at least
  const lowers = [...[...layers].reverse(), emptyLower(workDir)];
  if (lowers.length === 1) lowers.push(emptyLower(workDir));
  await mountOverlay(target, `lowerdir=${lowers.join(":")},userxattr`, "mounting a build source");
}

/** What was at each prefix of a mount point before the step ran (null: nothing). */
export interface StubRecord {
  target: string;
  prefixes: { rel: string; stat: Stats | null }[];
}

export function recordStub(merged: string, target: string): StubRecord {
  const parts = target.split("/").filter(Boolean);
  const prefixes: StubRecord["prefixes"] = [];
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join("/");
    const r = resolveInRoot(merged, rel, false);
    prefixes.push({ rel: r.rel, stat: r.stat });
    if (r.stat === null) {
      // the rest is created by runc: record the remaining names as missing too
      for (let j = i + 1; j <= parts.length; j++) prefixes.push({ rel: parts.slice(0, j).join("/"), stat: null });
      break;
    }
  }
  return { target, prefixes };
}

const sameMeta = (a: Stats, b: Stats) => a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;

/**
 * Removes from the upper dir what runc created only to mount on (files and directories that did
 * not exist before and are still empty), then directories copied up only because of them
 * (unchanged owner and mode, no entries left, not opaque).
 */
export function cleanStubs(upper: string, stubs: StubRecord[]): void {
  const candidates = new Map<string, Stats>();
  for (const stub of stubs) {
    const firstMissing = stub.prefixes.findIndex((p) => p.stat === null);
    if (firstMissing < 0) continue;
    for (let i = stub.prefixes.length - 1; i >= firstMissing; i--) {
      const path = join(upper, stub.prefixes[i]!.rel);
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        if (readdirSync(path).length > 0) break;
        rmdirSync(path);
      } else if (st.isFile() && st.size === 0) rmSync(path);
      else break;
    }
    for (const p of stub.prefixes.slice(0, firstMissing)) if (p.stat?.isDirectory()) candidates.set(p.rel, p.stat);
  }
  const deepestFirst = [...candidates.entries()].sort((a, b) => b[0].split("/").length - a[0].split("/").length);
  for (const [rel, before] of deepestFirst) {
    const path = join(upper, rel);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st?.isDirectory() || !sameMeta(st, before)) continue;
    if (readdirSync(path).length > 0) continue;
    if (lgetxattr(path, "user.overlay.opaque") !== undefined) continue;
    rmdirSync(path);
  }
}

/**
 * Turns an upper dir into a stored layer; undefined when the step changed nothing. The layer's
 * tar stream is written as its uncompressed blob while it is hashed (one read of the files):
 * push and save send that blob (image/layer-export.ts).
 */
export async function commitLayer(upper: string, store: { layersDir: string; blobsDir: string; tmpDir: string }): Promise<{ diffId: string; size: number } | undefined> {
  if (readdirSync(upper).length === 0) return undefined;
  mkdirSync(store.tmpDir, { recursive: true, mode: 0o755 });
  const tmp = join(store.tmpDir, `layer-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const hash = new Bun.CryptoHasher("sha256");
  let size = 0;
  // plain writes: a buffered sink would hold whatever the disk has not taken yet in memory
  const fd = openSync(tmp, "w", 0o644);
  try {
    for await (const chunk of layerTar(upper)) {
      hash.update(chunk);
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
      size += chunk.length;
    }
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  const diffId = `sha256:${hash.digest("hex")}`;
  mkdirSync(store.blobsDir, { recursive: true, mode: 0o755 });
  const blob = join(store.blobsDir, diffId.slice(7));
  if (existsSync(blob)) rmSync(tmp, { force: true });
  else renameSync(tmp, blob);
  const layersDir = store.layersDir;
  const dest = join(layersDir, diffId.slice(7));
  if (existsSync(dest)) {
    // the same layer again (another build or project made it first): keep the stored one
    rmSync(upper, { recursive: true, force: true });
    return { diffId, size };
  }
  mkdirSync(layersDir, { recursive: true, mode: 0o755 });
  try {
    renameSync(upper, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw new RuntimeFailure(`cannot store the layer ${diffId}: ${(err as Error).message}`);
    rmSync(upper, { recursive: true, force: true });
  }
  return { diffId, size };
}
