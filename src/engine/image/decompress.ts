/** Layer and archive streams: gzip and zstd recognized by their magic bytes, plain tar otherwise. */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { createGunzip, createZstdDecompress } from "node:zlib";
import type { Readable } from "node:stream";

export type Compression = "gzip" | "zstd" | "none";

export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

export function fileCompression(path: string): Compression {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(4);
    readSync(fd, head, 0, 4, 0);
    return sniffCompression(head);
  } finally {
    closeSync(fd);
  }
}

/** The uncompressed byte stream of a (possibly compressed) file. */
export function decompressedStream(path: string): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const how = fileCompression(path);
  if (how === "gzip") return raw.pipe(createGunzip({ chunkSize: 1 << 18 }));
  if (how === "zstd") return raw.pipe(createZstdDecompress({ chunkSize: 1 << 18 }));
  return raw;
}

export const LAYER_MEDIA_TYPE: Record<Compression, string> = {
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  none: "application/vnd.oci.image.layer.v1.tar",
};
