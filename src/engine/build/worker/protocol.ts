/**
 * The protocol between a build (host side, executor.ts) and its worker (`kitten __build-worker`,
 * started with nsenter inside the project's rootless namespace): one JSON object per line in
 * each direction, requests tagged with an id so several stages can run at once. The worker
 * does everything that touches files owned by subordinate ids, mounts or runc; the host plans,
 * keys the cache and records images. Paths are absolute host paths (the namespace's mount
 * namespace is a private copy of the host's).
 */

/** Where a COPY or a bind mount reads from: a host directory (the context) or image/stage layers. */
export type SourceRoot = { type: "dir"; root: string; ignore?: string[] } | { type: "layers"; lowerDirs: string[] };

export type WorkerMount =
  | { type: "cache"; target: string; dir: string; readonly: boolean; uid: number; gid: number; mode: number; locked: boolean; seed?: { from: SourceRoot; source: string } }
  | { type: "bind"; target: string; from: SourceRoot; source: string; readonly: boolean }
  | { type: "tmpfs"; target: string; size?: number }
  | { type: "secret"; target: string; file: string; uid: number; gid: number; mode: number };

/** What every filesystem step shares: the rootfs it starts from and where its layer goes. */
interface StepBase {
  id: number;
  /** layer dirs of the rootfs, lowest first (empty: scratch) */
  layers: string[];
  /** a fresh directory for this step's upper/work/merged and scratch files */
  workDir: string;
  /** the image store's layers/ dir: a non-empty result is renamed to layers/<diff id hex> */
  layersDir: string;
  /** the image store's blobs/sha256 and tmp/ dirs: the layer's uncompressed tar is stored as its blob (push and save send it) */
  blobsDir: string;
  tmpDir: string;
}

export interface RunRequest extends StepBase {
  op: "run";
  argv: string[];
  env: string[];
  user: string;
  cwd: string;
  network: "default" | "none";
  mounts: WorkerMount[];
  pipeFiles: { name: string; content: string }[];
  extraHosts: string[];
  runtime: "runc" | "crun";
  /** the namespace's runtime dir (runc state root lives below it) */
  runtimeDir: string;
}

export interface CopyRequest extends StepBase {
  op: "copy";
  from: SourceRoot;
  sources: string[];
  dest: string;
  /** dest ends in `/` or there are several sources */
  destIsDir: boolean;
  exclude: string[];
  parents: boolean;
  chown?: string;
  chmod?: string;
  /** keep the sources' owners (COPY --from without --chown) */
  keepOwners: boolean;
  add: boolean;
  unpack?: boolean;
  inline: { name: string; content: string }[];
  /** ADD of URLs: downloaded by the host into these files */
  downloads: { file: string; name: string; mtime?: number }[];
}

export interface MkdirRequest extends StepBase {
  op: "mkdir";
  path: string;
  user: string;
}

export interface RemoveRequest {
  id: number;
  op: "remove";
  paths: string[];
}

export type WorkerRequest = RunRequest | CopyRequest | MkdirRequest | RemoveRequest;

export type WorkerMessage =
  | { id: number; type: "output"; stream: "stdout" | "stderr"; data: string }
  | { id: number; type: "done"; layer?: { diffId: string; size: number } }
  | { id: number; type: "error"; message: string; code?: string; hint?: string; exitCode: 1 | 2; runExit?: number }
  | { id: 0; type: "ready"; uidCount: number; gidCount: number };
