/**
 * The labels and annotations kitten puts on what it exports, and the ApplySet identity
 * (KEP-3659, kubectl's applyset.go): every member carries `applyset.kubernetes.io/part-of=<id>`
 * where id = "applyset-" + base64url(sha256("<name>.<namespace>.<Kind>.<group>")) + "-v1" of
 * the parent object — a Secret, kubectl's default parent kind — so a later
 * `KUBECTL_APPLYSET=true kubectl apply --prune --applyset=<name>` computes the same set.
 */
import { createHash } from "node:crypto";
import { dnsLabel, isLabelValue } from "./names.ts";

export const LABEL_PART_OF = "app.kubernetes.io/part-of";
export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const APPLYSET_PART_OF = "applyset.kubernetes.io/part-of";
export const APPLYSET_ID = "applyset.kubernetes.io/id";
export const APPLYSET_TOOLING = "applyset.kubernetes.io/tooling";
export const APPLYSET_GROUP_KINDS = "applyset.kubernetes.io/contains-group-kinds";
/** the compose service an object was made from */
export const ANNOTATION_SERVICE = "kitten.dev/service";
/** on a pod template: the compose depends_on its init containers wait for, as JSON {service: condition} */
export const ANNOTATION_DEPENDS_ON = "kitten.dev/depends-on";
/** on a pod template: the compose restart policy a Deployment cannot express */
export const ANNOTATION_RESTART = "kitten.dev/restart";
/** network membership, for NetworkPolicies: network.kitten.dev/<network>=true */
export const NETWORK_LABEL_PREFIX = "network.kitten.dev/";

export const MANAGER = "kitten";

/** The ApplySet parent's name for a project: a Secret of its own, never one of the project's. */
export function applySetParentName(project: string): string {
  return `kitten-applyset-${project.replace(/_/g, "-")}`.slice(0, 253);
}

export function applySetId(parentName: string, namespace: string, kind = "Secret", group = ""): string {
  const digest = createHash("sha256").update(`${parentName}.${namespace}.${kind}.${group}`).digest("base64url");
  return `applyset-${digest}-v1`;
}

/** Labels on every exported object. */
export function commonLabels(project: string, applySet: string): Record<string, string> {
  return { [LABEL_PART_OF]: projectLabel(project), [LABEL_MANAGED_BY]: MANAGER, [APPLYSET_PART_OF]: applySet };
}

/** A project name as a label value: compose names are lower-case alphanumerics, '-' and '_' already. */
export function projectLabel(project: string): string {
  return labelValue(project);
}

/** A name as a label value (at most 63 characters, alphanumeric at both ends). */
export function labelValue(name: string): string {
  return isLabelValue(name) ? name : dnsLabel(name);
}

/** The pod selector of a service's workload (stable: selectors are immutable once applied). */
export function selectorLabels(project: string, service: string): Record<string, string> {
  return { [LABEL_PART_OF]: projectLabel(project), [LABEL_NAME]: labelValue(service) };
}
