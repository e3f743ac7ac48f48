/**
 * The content key of what a COPY/ADD takes from the build context, computed on the host before
 * anything is copied (so a cache hit copies nothing): for each selected entry, in order, its
 * path below the destination, type, mode, owner, size, link target and the sha256 of its bytes —
 * never its mtime (BuildKit's tarsum-style header selection, research/build.md §3.1). File
 * contents are streamed: a 1 GB context is never held in memory.
 */
import { closeSync, openSync, readSync, readlinkSync } from "node:fs";
import { selectSources, type SelectOptions } from "./select.ts";

const CHUNK = 1 << 20;

export function hashSources(root: string, sources: string[], options: SelectOptions): string {
  const entries = selectSources(root, sources, options);
  const all = new Bun.CryptoHasher("sha256");
  const buf = new Uint8Array(CHUNK);
  for (const e of entries) {
    const st = e.stat;
    const link = e.type === "symlink" ? readlinkSync(e.path) : "";
    all.update(`${e.dest}\0${e.type}\0${(st.mode & 0o7777).toString(8)}\0${st.uid}:${st.gid}\0${e.type === "file" ? st.size : 0}\0${link}\0`);
    if (e.type === "file") {
      const fd = openSync(e.path, "r");
      try {
        for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null)) all.update(buf.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    }
    all.update("\n");
  }
  return `sha256:${all.digest("hex")}`;
}
