/**
 * `kitten build [SERVICE...]`: a project's services that `build:`, as `docker compose build`
 * builds them (always, --no-cache, --pull, --build-arg over build.args), with BuildKit-style
 * progress; "no services to build" when none has a build section.
 */
import { InvalidInputError } from "../core/errors.ts";
import { didYouMeanHint } from "../core/suggest.ts";
import { parseBuildArgs, type BuildFlags } from "./build-args.ts";
import { buildProgress, parseProgress } from "./render/build-progress.ts";
import { invocation } from "./invocation.ts";

export async function buildProject(f: BuildFlags): Promise<number> {
  const contextOnly = [f.tags.length && "-t", f.target && "--target", f.secrets.length && "--secret", f.labels.length && "--label", f.iidfile && "--iidfile", f.network && "--network", f.addHosts.length && "--add-host", f.platform && "--platform"].filter(Boolean);
  if (contextOnly.length > 0) {
    throw new InvalidInputError(`${contextOnly.join(", ")} apply to building a context, not a project's services`, { code: "bad_flag", hint: "set them in the service's build: section, or give a context directory: kitten build [OPTIONS] DIR" });
  }
  let mode;
  try {
    mode = parseProgress(f.progress ?? invocation().global.progress, f.quiet);
  } catch (err) {
    throw new InvalidInputError(`--progress: ${(err as Error).message}`, { code: "bad_flag", hint: "use auto, tty, plain or json" });
  }
  const reporter = buildProgress(mode);
  const [{ loadProject }, { buildServices }, { kittenPaths }, { engineDeps }] = await Promise.all([
    import("../engine/compose/index.ts"),
    import("../engine/build/compose.ts"),
    import("../core/paths.ts"),
    import("./project-context.ts"),
  ]);
  try {
    // the project flags may also come before the verb (`kitten -f x.yaml build`, compose's place for them)
    const g = invocation().global;
    const { project } = await loadProject({
      files: [...g.files, ...f.composeFiles],
      projectName: f.projectName ?? g.projectName,
      projectDirectory: f.projectDirectory ?? g.projectDirectory,
      envFiles: [...g.envFiles, ...f.envFiles],
      profiles: [...g.profiles, ...f.profiles.flatMap((p) => p.split(","))],
      reporter,
    });
    const buildable = Object.entries(project.services).filter(([, s]) => s.build).map(([n]) => n);
    for (const s of f.positionals) {
      if (!project.services[s]) throw new InvalidInputError(`no such service: ${s}`, { code: "unknown_service", hint: didYouMeanHint(s, Object.keys(project.services)) });
      if (!project.services[s]!.build) throw new InvalidInputError(`service "${s}" has no build section`, { code: "no_build", hint: buildable.length ? `services that build: ${buildable.join(", ")}` : undefined });
    }
    if (buildable.length === 0) {
      reporter.done();
      process.stderr.write("no services to build\n");
      return 0;
    }
    const built = await buildServices(
      { project, services: f.positionals, policy: "always", noCache: f.noCache, pull: f.pull, buildArgs: parseBuildArgs(f.buildArgs) },
      { paths: kittenPaths(), reporter, images: engineDeps(reporter).images },
    );
    reporter.done();
    for (const [service, r] of built) {
      if (f.quiet) process.stdout.write(`${r.id}\n`);
      else if (mode !== "json") process.stderr.write(`service ${service}: built ${r.id}, naming to ${r.tags.join(", ")}\n`);
    }
    return 0;
  } finally {
    reporter.done();
  }
}
