/**
 * The unpacker's namespace side (`kitten __unpack`), run inside
 * `unshare --user --map-root-user --map-users=… --map-groups=… --mount` so that ownership from the
 * layer is kept as mapped ids (uid 999 inside is subuid-start+998 on the host) and nothing is ever
 * chowned by host root (research/rootless-spike.md §5). It streams each layer from disk through
 * gzip/zstd decompression, the sha256 of the uncompressed tar, the tar reader and the layer writer.
 */
import { mkdirSync, rmSync } from "node:fs";
import { decompressedStream } from "../decompress.ts";
import { InvalidInputError, RuntimeFailure, isKittenError, errorText } from "../../../core/errors.ts";
import { TarFormatError, TarReader } from "./tar-reader.ts";
import { LayerWriter } from "./layer-writer.ts";
import type { UnpackJob, UnpackMessage, UnpackRequest } from "./protocol.ts";

async function unpackOne(job: Extract<UnpackJob, { op: "unpack" }>, send: (m: UnpackMessage) => void): Promise<void> {
  mkdirSync(job.dest, { mode: 0o755 });
  const writer = new LayerWriter(job.dest, job.name, { warn: (message) => send({ type: "warning", message }) });
  const reader = new TarReader(writer);
  const hash = new Bun.CryptoHasher("sha256");
  try {
    const stream = decompressedStream(job.source);
    try {
      for await (const chunk of stream) {
        hash.update(chunk as Uint8Array);
        if (!reader.finished) reader.write(chunk as Uint8Array);
      }
    } catch (err) {
      if (isKittenError(err)) throw err;
      if (err instanceof TarFormatError) throw new InvalidInputError(`layer ${job.name}: not a valid tar archive: ${err.message}`, { code: "bad_layer", hint: BAD_LAYER_HINT });
      const code = (err as NodeJS.ErrnoException).code ?? "";
      if (code.startsWith("Z_") || code.startsWith("ERR_ZSTD") || /zlib|zstd|incorrect header|unexpected end/i.test(errorText(err))) {
        throw new InvalidInputError(`layer ${job.name}: cannot decompress: ${errorText(err)}`, { code: "bad_layer", hint: BAD_LAYER_HINT });
      }
      throw err;
    }
    try {
      reader.close();
    } catch (err) {
      throw new InvalidInputError(`layer ${job.name}: not a valid tar archive: ${errorText(err)}`, { code: "bad_layer", hint: BAD_LAYER_HINT });
    }
    writer.finish();
    const diffId = `sha256:${hash.digest("hex")}`;
    if (job.diffId && job.diffId !== diffId) {
      throw new InvalidInputError(`layer ${job.name}: uncompressed content is ${diffId}, the image config says ${job.diffId}`, { code: "diff_id_mismatch", hint: "the image is corrupt or was tampered with" });
    }
    send({ type: "done", dest: job.dest, diffId, entries: writer.entries });
  } catch (err) {
    rmSync(job.dest, { recursive: true, force: true });
    throw err;
  }
}

const BAD_LAYER_HINT = "the image's layer is damaged (or not a layer at all): rebuild or re-push the image";

/** Runs a request; every outcome, including errors, goes out through `send`. Returns the exit code. */
export async function runUnpackRequest(request: UnpackRequest, send: (m: UnpackMessage) => void): Promise<number> {
  process.umask(0); // modes from the layer apply exactly as created
  try {
    for (const job of request.jobs) {
      if (job.op === "unpack") await unpackOne(job, send);
      else {
        for (const path of job.paths) rmSync(path, { recursive: true, force: true });
        send({ type: "removed", paths: job.paths });
      }
    }
    return 0;
  } catch (err) {
    const e = isKittenError(err) ? err : new RuntimeFailure(`unpacking failed: ${errorText(err)}`);
    send({ type: "error", message: e.message, code: e.code, hint: e.hint, exitCode: e.exitCode });
    return e.exitCode;
  }
}
