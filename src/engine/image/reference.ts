/**
 * Image references parsed and normalized as docker does (distribution/reference grammar):
 * `nginx` → docker.io/library/nginx:latest, `host:port/repo:tag`, `repo@sha256:<hex>`, and
 * `repo:tag@sha256:<hex>` (the digest wins when pulling, the tag is kept for display).
 */
import { InvalidInputError } from "../../core/errors.ts";

export const DEFAULT_REGISTRY = "docker.io";

export interface ImageReference {
  /** registry host, normalized: docker.io for Docker Hub */
  registry: string;
  /** repository path inside the registry: library/nginx */
  repository: string;
  tag?: string;
  digest?: string;
}

// distribution/reference regexp.go, spelled out
const ALNUM = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = new RegExp(`^${ALNUM}(?:${SEPARATOR}${ALNUM})*$`);
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

function invalid(ref: string, why: string, hint?: string): InvalidInputError {
  return new InvalidInputError(`invalid image reference "${ref}": ${why}`, {
    code: "invalid_reference",
    hint: hint ?? "use [registry[:port]/]name[:tag][@sha256:<digest>], e.g. nginx:1.27 or ghcr.io/org/app@sha256:…",
  });
}

export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (!ref) throw invalid(input, "empty");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(input, `bad digest "${digest}"`, "a digest looks like sha256:<64 hex characters>");
    if (digest.startsWith("sha256:") && !SHA256.test(digest)) throw invalid(input, `bad sha256 digest "${digest}"`, "a sha256 digest has 64 lower-case hex characters");
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `bad tag "${tag}"`, "a tag has up to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'");
  }
  if (!rest) throw invalid(input, "missing repository name");
  const parts = rest.split("/");
  let registry = DEFAULT_REGISTRY;
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[") || first !== first.toLowerCase())) {
    if (!DOMAIN.test(first)) throw invalid(input, `bad registry host "${first}"`);
    registry = first === "index.docker.io" || first === "registry-1.docker.io" ? DEFAULT_REGISTRY : first;
    parts.shift();
  }
  for (const part of parts) {
    if (part !== part.toLowerCase() && PATH_COMPONENT.test(part.toLowerCase())) {
      throw invalid(input, "repository name must be lowercase", `try ${input.toLowerCase()}`);
    }
    if (!PATH_COMPONENT.test(part)) throw invalid(input, `bad repository name component "${part}"`);
  }
  let repository = parts.join("/");
  if (registry === DEFAULT_REGISTRY && parts.length === 1) repository = `library/${repository}`;
  if (registry.length + 1 + repository.length > 255) throw invalid(input, "repository name longer than 255 characters");
  if (!tag && !digest) tag = "latest";
  return { registry, repository, tag, digest };
}

/** The full normalized form: docker.io/library/nginx:latest, host:5000/a/b@sha256:… */
export function formatReference(r: ImageReference): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

/** The short form docker prints: nginx:latest, org/app:1, ghcr.io/org/app:1. */
export function familiarReference(r: ImageReference): string {
  let name = `${r.registry}/${r.repository}`;
  if (r.registry === DEFAULT_REGISTRY) name = r.repository.startsWith("library/") ? r.repository.slice(8) : r.repository;
  return `${name}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** What a manifest request asks for: the digest when pinned, else the tag. */
export function referenceTarget(r: ImageReference): string {
  return r.digest ?? r.tag ?? "latest";
}
