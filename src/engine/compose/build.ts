/**
 * A service's `build:` (compose-spec build.md) in canonical form: the short form (a context
 * path) and every key of the long form. What kitten builds with: context (a local directory,
 * made absolute), dockerfile / dockerfile_inline, args, target, labels, secrets (from the
 * top-level `secrets:`), network, extra_hosts, tags, additional_contexts, pull, no_cache; what it
 * accepts with a warning by name: cache_from/cache_to (kitten's cache is local and shared by
 * every build already), shm_size, ulimits, isolation, provenance, sbom, ssh, entitlements; what
 * it refuses by name: a git or URL context, `privileged: true`, platforms other than this host's.
 * Build secrets name top-level `secrets:` (read by secrets.ts), checked when the project is assembled.
 */
import { resolve } from "node:path";
import type { FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";
import type { Build, BuildSecret } from "./model.ts";
import { readEnvironment } from "./service.ts";

const SUPPORTED = new Set(["context", "dockerfile", "dockerfile_inline", "args", "target", "labels", "secrets", "network", "extra_hosts", "tags", "additional_contexts", "pull", "no_cache", "platforms", "privileged"]);
const SPEC = new Set([...SUPPORTED, "ssh", "cache_from", "cache_to", "shm_size", "isolation", "entitlements", "ulimits", "provenance", "sbom"]);

const isRemote = (ctx: string) => /^(https?|git|ssh):\/\//i.test(ctx) || ctx.startsWith("git@") || /\.git(#.*)?$/.test(ctx) || ctx.startsWith("github.com/");

export function hostPlatformName(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "arm64" ? "arm64" : process.arch;
  return `linux/${arch}`;
}

function context(r: FileReader, text: string, path: KeyPath): string {
  if (isRemote(text)) r.fail(path, `build context ${text} is remote: kitten builds from local directories only`, "clone it and point build.context at the directory");
  return resolve(r.baseDir, text);
}

/** `build:` → the canonical build section; `ignored` collects keys warned about. */
export function readBuild(r: FileReader, v: unknown, path: KeyPath, ignored: string[]): Build {
  if (typeof v === "string") return { context: context(r, v, path) };
  const m = r.map(v, path);
  ignored.push(...r.checkKeys(m, path, SUPPORTED, SPEC).map((k) => `build.${k}`));
  const b: Build = { context: context(r, m.context === undefined ? "." : r.str(m.context, [...path, "context"]), [...path, "context"]) };
  if (m.dockerfile !== undefined && m.dockerfile_inline !== undefined) r.fail([...path, "dockerfile_inline"], "build sets both dockerfile and dockerfile_inline", "they are mutually exclusive: keep one of them");
  if (m.dockerfile !== undefined) b.dockerfile = r.str(m.dockerfile, [...path, "dockerfile"]);
  if (m.dockerfile_inline !== undefined) b.dockerfile_inline = r.str(m.dockerfile_inline, [...path, "dockerfile_inline"]);
  if (m.args !== undefined) b.args = readEnvironment(r, m.args, [...path, "args"]);
  if (m.target !== undefined) b.target = r.str(m.target, [...path, "target"]);
  if (m.labels !== undefined) {
    const labels: Record<string, string> = {};
    for (const [k, val] of Object.entries(readEnvironment(r, m.labels, [...path, "labels"]))) labels[k] = val ?? "";
    b.labels = labels;
  }
  if (m.secrets !== undefined) {
    b.secrets = r.list(m.secrets, [...path, "secrets"]).map((item, i): BuildSecret => {
      const p = [...path, "secrets", i];
      if (typeof item === "string") return { source: item };
      const s = r.map(item, p);
      r.checkKeys(s, p, new Set(["source", "target", "uid", "gid", "mode"]));
      if (s.source === undefined) r.fail(p, 'a build secret needs a "source"');
      const out: BuildSecret = { source: r.str(s.source, [...p, "source"]) };
      if (s.target !== undefined) out.target = r.str(s.target, [...p, "target"]);
      if (s.uid !== undefined) out.uid = r.scalar(s.uid, [...p, "uid"]);
      if (s.gid !== undefined) out.gid = r.scalar(s.gid, [...p, "gid"]);
      if (s.mode !== undefined) out.mode = typeof s.mode === "number" ? s.mode : Number.parseInt(r.str(s.mode, [...p, "mode"]), 8);
      return out;
    });
  }
  if (m.network !== undefined) b.network = r.str(m.network, [...path, "network"]);
  if (m.extra_hosts !== undefined) {
    const hosts = Array.isArray(m.extra_hosts) ? r.strings(m.extra_hosts, [...path, "extra_hosts"]) : Object.entries(r.map(m.extra_hosts, [...path, "extra_hosts"])).map(([h, ip]) => `${h}:${String(ip)}`);
    b.extra_hosts = hosts.map((h) => (h.includes("=") ? h.replace("=", ":") : h));
  }
  if (m.tags !== undefined) b.tags = r.strings(m.tags, [...path, "tags"]);
  if (m.additional_contexts !== undefined) {
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(readEnvironment(r, m.additional_contexts, [...path, "additional_contexts"]))) {
      const p = [...path, "additional_contexts", k];
      if (val === null || val === "") r.fail(p, `additional context "${k}" has no value`);
      if (val.startsWith("service:")) r.fail(p, `additional context "${k}": service: contexts are not supported`, "build that service's image and use docker-image://<its image>");
      out[k] = val.startsWith("docker-image://") ? val : context(r, val, p);
    }
    b.additional_contexts = out;
  }
  if (m.pull !== undefined) b.pull = r.bool(m.pull, [...path, "pull"]);
  if (m.no_cache !== undefined) b.no_cache = r.bool(m.no_cache, [...path, "no_cache"]);
  if (m.privileged !== undefined && r.bool(m.privileged, [...path, "privileged"])) r.fail([...path, "privileged"], "build.privileged is not supported", "RUN steps keep a container's confinement; remove privileged");
  if (m.platforms !== undefined) {
    const host = hostPlatformName();
    const platforms = r.strings(m.platforms, [...path, "platforms"]);
    const other = platforms.filter((p) => p !== host && !p.startsWith(`${host}/`));
    if (other.length > 0) r.fail([...path, "platforms"], `build.platforms ${other.join(", ")}: kitten builds only for this host's platform (${host})`, `remove build.platforms, or list only ${host}`);
  }
  return b;
}

/** The image a service runs: its `image:`, else `<project>-<service>` for a service that builds (compose's default name). */
export function serviceImage(projectName: string, service: string, s: { image?: string; build?: Build }): string | undefined {
  return s.image ?? (s.build ? `${projectName}-${service}` : undefined);
}
