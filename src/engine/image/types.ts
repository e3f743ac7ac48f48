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
  /**
   * unpacked layer directories, lowest first; a directory rootfs is a single entry.
   * They are overlayfs lower dirs in the user-namespace form: whiteouts are char 0:0 devices and
   * opaque directories carry `user.overlay.opaque=y`, so mount with `-o userxattr` (the kernel does
   * not add it by itself on 6.18; without it opaque dirs show the lower layers' content), lower
   * dirs highest first: `lowerdir=${[...layers].reverse().join(":")}`. Files are owned by subuids:
   * mount and read them inside the user namespace, never chown them from the host.
   */
  layers: string[];
  config: OciImageConfig;
  /** when the local image was last pulled (pull_policy daily, weekly, every_<duration>) */
  pulledAt?: string;
}

export interface ImageResolver {
  /** Makes the image available locally (pulling per policy) and returns its layers and config. */
  resolve(ref: string, options?: { pull?: "always" | "missing" | "never"; platform?: string }): Promise<ResolvedImage>;
}
