/**
 * The contract between the image store (issue #3) and the container runtime (issue #4):
 * what a runtime needs to build a rootfs and an OCI bundle from an image.
 */

/** The `config` object of an OCI image config (image-spec config.md), as docker and podman read it. */
export interface OciImageConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
}

export interface ResolvedImage {
  /** normalized reference (docker.io/library/nginx:latest) or the absolute rootfs directory */
  ref: string;
  /** sha256:<hex> of the image config, or a stable id for a directory rootfs */
  id: string;
  /** unpacked layer directories, lowest first; a directory rootfs is a single entry */
  layers: string[];
  config: OciImageConfig;
}

export interface ImageResolver {
  /** Makes the image available locally (pulling per policy) and returns its layers and config. */
  resolve(ref: string, options?: { pull?: "always" | "missing" | "never"; platform?: string }): Promise<ResolvedImage>;
}
