/**
 * Kubernetes object names from compose names. Most objects need an RFC 1123 DNS label
 * (lower-case alphanumerics and '-', starting and ending alphanumeric, at most 63 characters):
 * Services always do, since their name is a DNS name. Compose names allow '_' and '.' and have
 * no length limit, and kompose users hit both (kompose#1738, #1793: env_file ConfigMap names
 * over 63 characters or with dots). So names are lower-cased, every run of other characters
 * becomes '-', and a name that had to be cut keeps a short hash of the original, so two long
 * names that share a prefix stay distinct. (Two names that differ only in '_' versus '.' meet;
 * export's emitter renames the second object and says so.)
 */
import { createHash } from "node:crypto";

export const DNS_LABEL_MAX = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDnsLabel(name: string): boolean {
  return name.length <= DNS_LABEL_MAX && DNS_LABEL.test(name);
}

export function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** A DNS label for `parts` joined by '-': a valid name is kept as it is. */
export function dnsLabel(...parts: string[]): string {
  const original = parts.filter((p) => p !== "").join("-");
  if (isDnsLabel(original)) return original;
  let clean = original.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (clean === "") clean = `x-${shortHash(original)}`;
  if (clean.length > DNS_LABEL_MAX) {
    const hash = shortHash(original);
    clean = `${clean.slice(0, DNS_LABEL_MAX - hash.length - 1).replace(/-+$/, "")}-${hash}`;
  }
  return clean;
}

/** A ConfigMap/Secret data key: `[-._a-zA-Z0-9]+`, at most 253 characters. */
export function dataKey(name: string): string {
  const clean = name.replace(/[^-._a-zA-Z0-9]+/g, "_").slice(0, 253);
  return clean === "" || clean === "." || clean === ".." ? `file${clean}` : clean;
}

/** A C identifier env var name is accepted by every API server version (dots were refused before 1.24, kompose#713). */
export function isPortableEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** A label value: at most 63 characters of alphanumerics, '-', '_', '.', starting and ending alphanumeric, or empty. */
export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(value));
}
