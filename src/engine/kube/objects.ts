/**
 * The object shapes kitten handles, from kubernetes-types (type definitions generated from the
 * Kubernetes OpenAPI spec): building exported objects as these types makes tsc refuse a field
 * Kubernetes does not have. Every object kitten writes carries apiVersion, kind and a name.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1";

export type { ObjectMeta };
export type { Container, EnvVar, PodSpec, PodTemplateSpec, Probe, Volume, VolumeMount, ContainerPort, ServicePort, SecurityContext } from "kubernetes-types/core/v1";
export type { ConfigMap, Secret, PersistentVolumeClaim, Service, Pod, ServiceAccount, Namespace } from "kubernetes-types/core/v1";
export type { Deployment, StatefulSet, DaemonSet } from "kubernetes-types/apps/v1";
export type { Job } from "kubernetes-types/batch/v1";
export type { NetworkPolicy } from "kubernetes-types/networking/v1";
export type { Role, RoleBinding } from "kubernetes-types/rbac/v1";

/** Any object: the fields every kind has, the rest left open. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
  [field: string]: unknown;
}
