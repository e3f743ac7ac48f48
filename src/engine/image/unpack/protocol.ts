/**
 * The narrow protocol between the host side (unpack-host.ts) and the unpacker running inside the
 * user namespace (child.ts, the hidden `kitten __unpack` role): one JSON request on stdin, JSON
 * lines back on stdout — warnings, one result per job, or one error.
 */
export type UnpackJob =
  | {
      op: "unpack";
      /** compressed or plain layer tar (gzip and zstd detected by magic bytes) */
      source: string;
      /** directory to create and fill; must not exist */
      dest: string;
      /** layer name for messages (short digest) */
      name: string;
      /** sha256:<hex> the uncompressed tar must hash to, when known */
      diffId?: string;
    }
  | { op: "remove"; paths: string[] };

export interface UnpackRequest {
  jobs: UnpackJob[];
}

export type UnpackMessage =
  | { type: "warning"; message: string }
  | { type: "done"; dest: string; diffId: string; entries: number }
  | { type: "removed"; paths: string[] }
  | { type: "error"; message: string; code: string; hint?: string; exitCode: number };
