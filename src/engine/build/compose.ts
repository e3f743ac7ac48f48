/**
 * Compose services that `build:` (issue #11 §5, docker compose's pkg/compose/build.go and
 * pull.go): which to build — `up --build` always, `--no-build` never, `pull_policy: build`
 * always, otherwise a service whose image is not in the store; a service with both `image:` and
 * `build:` is pulled first and built only when that pull fails — and how: the build section as
 * BuildOptions, the image named `<project>-<service>` unless `image:` says otherwise (plus
 * `build.tags`), compose's project/service labels, build secrets from the top-level `secrets:`.
 * Builds run in the project's own namespace, one service at a time.
 */
import { errorText } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { Build, Project, Service } from "../compose/model.ts";
import { serviceImage } from "../compose/build.ts";
import type { ImageResolver } from "../image/types.ts";
import { ImageStore } from "../image/store.ts";
import { normalizeReference } from "../image/reference.ts";
import { buildImage, type BuildOptions, type BuildResult, type SecretSource } from "./index.ts";

export type BuildPolicy = "missing" | "always" | "never";

export interface ServiceBuildOptions {
  project: Project;
  /** only these services (default: every service that builds) */
  services?: string[];
  policy: BuildPolicy;
  noCache?: boolean;
  pull?: boolean;
  /** --build-arg values of `kitten build`, over build.args */
  buildArgs?: Record<string, string>;
}

export interface ServiceBuildDeps {
  paths: KittenPaths;
  reporter: Reporter;
  images?: ImageResolver;
}

/** build: → the builder's options for one service. */
export function serviceBuildOptions(project: Project, name: string, s: Service & { build: Build }, o: Pick<ServiceBuildOptions, "noCache" | "pull" | "buildArgs">, reporter: Reporter): BuildOptions {
  const b = s.build;
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(b.args ?? {})) {
    // a name without a value takes it from the environment, or stays unset (compose-spec build.args)
    const value = v ?? process.env[k];
    if (value !== undefined) args[k] = value;
  }
  Object.assign(args, o.buildArgs ?? {});
  const secrets: Record<string, SecretSource> = {};
  for (const sec of b.secrets ?? []) {
    const top = project.secrets?.[sec.source];
    if (!top) continue; // refused when the project was loaded
    if (top.file !== undefined) secrets[sec.target ?? sec.source] = { file: top.file };
    else if (top.environment !== undefined) secrets[sec.target ?? sec.source] = { env: top.environment };
  }
  let network: BuildOptions["network"] = "default";
  if (b.network === "none" || b.network === "host") network = b.network;
  else if (b.network !== undefined && b.network !== "default") {
    reporter.emit({ type: "warning", message: `service ${name}: build.network "${b.network}" is not supported; RUN steps use the project's namespace network` });
  }
  const image = serviceImage(project.name, name, s)!;
  return {
    context: b.context,
    ...(b.dockerfile_inline !== undefined ? { dockerfileText: b.dockerfile_inline } : b.dockerfile ? { dockerfile: b.dockerfile } : {}),
    tags: [image, ...(b.tags ?? [])],
    buildArgs: args,
    ...(b.target ? { target: b.target } : {}),
    noCache: Boolean(o.noCache || b.no_cache),
    pull: Boolean(o.pull || b.pull),
    secrets,
    labels: { ...(b.labels ?? {}), "com.docker.compose.project": project.name, "com.docker.compose.service": name },
    network,
    extraHosts: b.extra_hosts ?? [],
    ...(b.additional_contexts ? { namedContexts: b.additional_contexts } : {}),
    project: project.name,
    service: name,
  };
}

function present(store: ImageStore, ref: string): boolean {
  try {
    const record = store.find(normalizeReference(ref));
    return Boolean(record && record.layers.every((l) => store.hasLayer(l.diffId)));
  } catch {
    return false;
  }
}

/**
 * What `up` does with a service that builds (compose build.go / pull.go): "build" it, "skip"
 * it (its image is there, or --no-build), or "pull" first and build only if that fails (a
 * service that names an `image:`; `pull_policy: always` pulls even when present).
 */
export function buildDecision(s: Pick<Service, "image" | "pull_policy">, present: boolean, policy: BuildPolicy): "build" | "skip" | "pull" {
  if (policy === "never") return "skip";
  if (policy === "always" || s.pull_policy === "build") return "build";
  if (s.image && s.pull_policy === "always") return "pull";
  if (present) return "skip";
  return s.image && s.pull_policy !== "never" ? "pull" : "build";
}

/**
 * Builds the services the policy asks for, at the same time (as compose builds them); returns
 * what was built, by service. Each build's steps are named after its service and numbered in one
 * sequence. When builds fail, the others still finish (their layers are cached) and the first
 * failure, in the project's service order, is thrown.
 */
export async function buildServices(o: ServiceBuildOptions, deps: ServiceBuildDeps): Promise<Map<string, BuildResult>> {
  const built = new Map<string, BuildResult>();
  if (o.policy === "never") return built;
  const store = new ImageStore(deps.paths);
  const jobs: Array<{ name: string; options: BuildOptions }> = [];
  for (const [name, s] of Object.entries(o.project.services)) {
    if (!s.build || (o.services && o.services.length > 0 && !o.services.includes(name))) continue;
    const image = serviceImage(o.project.name, name, s)!;
    const decision = buildDecision(s, present(store, image), o.policy);
    if (decision === "skip") continue;
    if (decision === "pull" && deps.images) {
      // image: and build: — pull first; a failed pull means build (compose pull.go mustPull)
      try {
        await deps.images.resolve(s.image!, { pull: s.pull_policy === "always" ? "always" : "missing" });
        continue;
      } catch (err) {
        deps.reporter.emit({ type: "info", message: `service ${name}: pulling ${s.image} failed (${errorText(err)}); building it` });
      }
    }
    deps.reporter.emit({ type: "info", message: `building service ${name} (${image})` });
    jobs.push({ name, options: serviceBuildOptions(o.project, name, s as Service & { build: Build }, o, deps.reporter) });
  }
  if (jobs.length === 1) {
    built.set(jobs[0]!.name, await buildImage(jobs[0]!.options, { paths: deps.paths, reporter: deps.reporter }));
    return built;
  }
  let step = 0;
  const nextStepId = () => ++step;
  const outcomes = await Promise.allSettled(jobs.map((j) => buildImage(j.options, { paths: deps.paths, reporter: deps.reporter, nextStepId, label: j.name })));
  outcomes.forEach((r, i) => {
    if (r.status === "fulfilled") built.set(jobs[i]!.name, r.value);
  });
  const failed = outcomes.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return built;
}
