/**
 * gzip for layers on their way out (push, `save --format oci`), on every core: the file is cut
 * into 4 MiB pieces, each compressed as its own gzip member by zlib in the thread pool (zlib's
 * default level, as Go's gzip that docker push uses), and the members are written in order. A
 * multi-member stream is one gzip file (RFC 1952 §2.2) — what pigz and eStargz write, and what Go's
 * gzip reader (docker, containerd, containers/image), zlib and kitten's own unpacker read whole.
 * The bytes depend only on the input (fixed piece size and level), never on how many cores ran:
 * the same layer gives the same digest on every push.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipAsync = promisify(gzip);
const PIECE = 4 << 20;

/** Compresses `src` into `dest`; returns the digest and size of what was written. */
export async function gzipFile(src: string, dest: string): Promise<{ digest: string; size: number }> {
  const file = Bun.file(src);
  const total = file.size;
  const parallel = Math.max(1, Math.min(availableParallelism(), 8));
  const hasher = new Bun.CryptoHasher("sha256");
  const out = openSync(dest, "w", 0o644);
  let size = 0;
  const pending: Promise<Buffer>[] = [];
  const writeNext = async () => {
    const member = await pending.shift()!;
    hasher.update(member);
    for (let off = 0; off < member.length; ) off += writeSync(out, member, off, member.length - off);
    size += member.length;
  };
  try {
    let offset = 0;
    do {
      const piece = await file.slice(offset, offset + PIECE).bytes();
      offset += piece.length;
      pending.push(gzipAsync(piece));
      if (pending.length >= parallel) await writeNext();
    } while (offset < total);
    while (pending.length > 0) await writeNext();
  } finally {
    // a failed piece must not leave the others running against a closed descriptor
    await Promise.allSettled(pending);
    closeSync(out);
  }
  return { digest: `sha256:${hasher.digest("hex")}`, size };
}
