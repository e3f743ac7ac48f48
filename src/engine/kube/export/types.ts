/**
 * The export contract: options (the CLI flags) and inputs (what export needs from the file
 * system and the image store, gathered beforehand by inputs.ts so the mapping itself is pure).
 */
import type { OciImageConfig } from "../../image/types.ts";

export interface ExportOptions {
  /** metadata.namespace of every object, and part of the ApplySet id */
  namespace: string;
  /** the Service type of published ports */
  exposeAs: "NodePort" | "LoadBalancer";
  /** healthchecks also as livenessProbes (readiness only by default: liveness restarts slow pods) */
  liveness: boolean;
  /** NetworkPolicies for compose networks (isolation, `internal`) */
  networkPolicies: boolean;
  /** services with named volumes as StatefulSets even with one replica */
  statefulSets: boolean;
  /** storage request of each PersistentVolumeClaim */
  volumeSize: string;
  storageClass?: string;
  /** image of the init containers that wait for a dependency's Service (needs sh, nc and nslookup) */
  waitImage: string;
  /** image of the init containers that wait for a Job to complete (needs kubectl) */
  jobWaitImage: string;
  clusterDomain: string;
  /** registry prefix for images of services kitten builds: <registry>/<project>-<service>:latest */
  registry?: string;
}

export const DEFAULT_EXPORT_OPTIONS: ExportOptions = {
  namespace: "default",
  exposeAs: "NodePort",
  liveness: false,
  networkPolicies: false,
  statefulSets: false,
  volumeSize: "1Gi",
  waitImage: "busybox:1.36",
  jobWaitImage: "registry.k8s.io/kubectl:v1.33.0",
  clusterDomain: "cluster.local",
};

/** A bind mount's source as export found it. */
export type HostPath =
  | { kind: "file"; content: Uint8Array }
  | { kind: "dir"; files: Record<string, Uint8Array>; skipped: string[] }
  | { kind: "missing" }
  | { kind: "other"; why: string };

export interface EnvFileKeys {
  path: string;
  keys: string[];
}

export interface ExportInputs {
  /** image configs of the images found in kitten's store, by reference as written */
  imageConfigs: Record<string, OciImageConfig>;
  /** bind mount sources, by absolute host path */
  hostPaths: Record<string, HostPath>;
  /** per service, the env files it read and the keys each gave (from the loader) */
  envFiles: Record<string, EnvFileKeys[]>;
  /** by "service NAME", "network KEY", "volume KEY": compose keys the loader ignored (kitten does not model them) */
  ignoredKeys: Record<string, string[]>;
  /** the values of top-level secrets and configs, by "secret:<key>" / "config:<key>" (absent: unreadable) */
  fileSources: Record<string, Uint8Array>;
}

export const EMPTY_INPUTS: ExportInputs = { imageConfigs: {}, hostPaths: {}, envFiles: {}, ignoredKeys: {}, fileSources: {} };
