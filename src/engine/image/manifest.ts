/**
 * Manifests and indexes: OCI image manifest and index (image-spec), Docker schema2 manifest and
 * manifest list — the same shapes under different media types — and platform selection as docker
 * does it (linux/amd64 by default; arm64 without a variant matches v8).
 */
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";

export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform & { "os.version"?: string };
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ImageManifest {
  kind: "manifest";
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: "index";
  manifests: Descriptor[];
}

export function parseManifest(bytes: Uint8Array, mediaTypeHeader: string, what: string): ImageManifest | ImageIndex {
  let doc: { mediaType?: string; schemaVersion?: number; config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new RuntimeFailure(`${what}: manifest is not valid JSON`, { code: "bad_manifest", hint: "the registry served something else than a manifest; check the registry address" });
  }
  const mediaType = doc.mediaType || mediaTypeHeader;
  if (doc.schemaVersion === 1 || mediaType === MEDIA.dockerSchema1 || mediaType === MEDIA.dockerSchema1Signed) {
    throw new InvalidInputError(`${what}: docker schema 1 manifests are not supported`, { code: "unsupported_manifest", hint: "push the image again with a current docker or skopeo" });
  }
  if (Array.isArray(doc.manifests) && (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || !doc.config)) {
    return { kind: "index", manifests: doc.manifests };
  }
  if (doc.config && Array.isArray(doc.layers)) return { kind: "manifest", config: doc.config, layers: doc.layers };
  throw new RuntimeFailure(`${what}: unsupported manifest type ${JSON.stringify((mediaType || "unknown").slice(0, 100))}`, { code: "unsupported_manifest", hint: "kitten pulls OCI and docker schema 2 images and indexes" });
}

const ARCH_ALIASES: Record<string, string> = { x64: "amd64", x86_64: "amd64", aarch64: "arm64", ia32: "386" };

export function hostPlatform(): Platform {
  return { os: "linux", architecture: ARCH_ALIASES[process.arch] ?? process.arch };
}

export function parsePlatform(text: string | undefined): Platform {
  if (!text) return { os: "linux", architecture: "amd64" };
  const parts = text.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) {
    throw new InvalidInputError(`invalid platform "${text}"`, { code: "bad_platform", hint: "use os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8" });
  }
  return { os: parts[0]!, architecture: ARCH_ALIASES[parts[1]!] ?? parts[1]!, variant: parts[2] };
}

export function formatPlatform(p: Partial<Platform> | undefined): string {
  if (!p) return "unknown";
  return [p.os ?? "unknown", p.architecture ?? "unknown", p.variant].filter(Boolean).join("/");
}

function variantMatches(wanted: Platform, got: Platform): boolean {
  if (!wanted.variant) return true;
  const norm = (p: Platform) => (p.architecture === "arm64" && !p.variant ? "v8" : p.variant);
  return norm(wanted) === norm(got);
}

/** The manifest for `wanted` from an index; errors list the platforms the index has. */
export function selectPlatform(index: ImageIndex, wanted: Platform, what: string): Descriptor {
  const candidates = index.manifests.filter((d) => d.platform && d.platform.os !== "unknown");
  const matches = candidates.filter((d) => d.platform!.os === wanted.os && d.platform!.architecture === wanted.architecture && variantMatches(wanted, d.platform!));
  if (matches.length > 0) {
    // docker prefers the exact variant, else the first listed
    return matches.find((d) => d.platform!.variant === wanted.variant) ?? matches[0]!;
  }
  const available = [...new Set(candidates.map((d) => formatPlatform(d.platform)))];
  throw new InvalidInputError(`${what}: no image for platform ${formatPlatform(wanted)}; available: ${available.join(", ") || "none"}`, {
    code: "no_matching_platform",
    hint: available.length > 0 ? `pass --platform ${available[0]}` : undefined,
  });
}
