/**
 * `kitten build [OPTIONS] CONTEXT` (docker build's flags) and `kitten build [SERVICE...]` (a
 * project's services, as `docker compose build`): flags → the engine's BuildOptions → one call
 * to `buildImage`, progress rendered BuildKit-style on stderr, `-q` prints only the image id.
 * A CONTEXT is a directory or `-` (a tar on stdin); a path-looking argument is a context, other
 * words are service names.
 */
import { defineCommand } from "citty";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { checkContextArg, parseBuildArgs, parseBuildArgv, parseLabels, parseSecrets, type BuildFlags } from "../build-args.ts";
import { buildProgress, parseProgress } from "../render/build-progress.ts";

export const usage = `Usage: kitten build [OPTIONS] CONTEXT     build an image from a Dockerfile
       kitten build [OPTIONS] [SERVICE...]  build a project's services (compose build:)

CONTEXT is a directory or - (a tar archive on stdin).

Options:
  -t, --tag NAME[:TAG]        name the image (repeatable)
  -f, --file FILE             the Dockerfile (default: CONTEXT/Dockerfile; - reads it from stdin);
                              with services: a compose file (repeatable)
      --build-arg K[=V]       set a build-time variable (repeatable; K alone takes it from the environment)
      --target STAGE          build this stage
      --no-cache              do not use the build cache
      --pull                  pull base images even when present
      --secret id=ID,src=FILE|env=VAR
                              a secret for RUN --mount=type=secret (repeatable)
      --label K=V             set an image label (repeatable)
      --iidfile FILE          write the image id to FILE
      --network MODE          network for RUN steps: default, none or host
      --add-host HOST:IP      an /etc/hosts entry for RUN steps (repeatable)
      --progress MODE         auto, tty, plain or json
  -q, --quiet                 print only the image id
      --platform OS/ARCH      the target platform (only this host's)
  -p, --project-name NAME     with services: the project
      --project-directory DIR with services: the project's directory
`;

function looksLikePath(arg: string): boolean {
  return arg === "-" || arg === "." || arg === ".." || arg.includes("/") || existsSync(arg);
}

export default defineCommand({
  meta: { name: "build", description: "build an image from a Dockerfile, or a project's services" },
  args: {},
  async run({ rawArgs }) {
    const f = parseBuildArgv(rawArgs);
    const first = f.positionals[0];
    const { invocation } = await import("../invocation.ts");
    // `kitten compose build` builds services; so does `kitten build` without a path-like argument
    if (invocation().compose || first === undefined || !looksLikePath(first)) {
      const { buildProject } = await import("../build-project.ts");
      return buildProject(f);
    }
    checkContextArg(first);
    if (f.positionals.length > 1) throw new InvalidInputError(`kitten build takes one context, not ${f.positionals.length}`, { code: "bad_usage", hint: "kitten build [OPTIONS] CONTEXT" });
    return buildContext(f, first);
  },
});

async function readStdin(): Promise<Uint8Array> {
  return new Uint8Array(await Bun.stdin.arrayBuffer());
}

/** A tar on stdin → a temporary context directory (owned by the caller; entries checked like layers). */
async function contextFromStdin(): Promise<string> {
  const [{ TarReader }, { LayerWriter }] = await Promise.all([import("../../engine/image/unpack/tar-reader.ts"), import("../../engine/image/unpack/layer-writer.ts")]);
  const dir = mkdtempSync(join(tmpdir(), "kitten-context-"));
  const writer = new LayerWriter(dir, "build context", { plainFiles: true });
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const reader = new TarReader({
    entry: (h) => writer.entry({ ...h, uid, gid }),
    data: (c) => writer.data(c),
    end: () => writer.end(),
  });
  const bytes = await readStdin();
  reader.write(bytes[0] === 0x1f && bytes[1] === 0x8b ? Bun.gunzipSync(bytes as Uint8Array<ArrayBuffer>) : bytes);
  reader.close();
  writer.finish();
  return dir;
}

async function buildContext(f: BuildFlags, contextArg: string): Promise<number> {
  if (f.projectName || f.projectDirectory || f.envFiles.length || f.profiles.length) {
    throw new InvalidInputError("-p, --project-directory, --env-file and --profile apply to building a project's services, not a context", { code: "bad_flag" });
  }
  let mode;
  try {
    mode = parseProgress(f.progress ?? (await import("../invocation.ts")).invocation().global.progress, f.quiet);
  } catch (err) {
    throw new InvalidInputError(`--progress: ${(err as Error).message}`, { code: "bad_flag", hint: "use auto, tty, plain or json" });
  }
  if (f.network && !["default", "none", "host"].includes(f.network)) throw new InvalidInputError(`--network must be default, none or host, not "${f.network}"`, { code: "bad_flag" });
  let dockerfileText: string | undefined;
  let context = contextArg;
  const cleanup: string[] = [];
  if (f.file === "-") {
    if (contextArg === "-") throw new InvalidInputError("the Dockerfile and the context cannot both come from stdin", { code: "bad_usage" });
    dockerfileText = new TextDecoder().decode(await readStdin());
  }
  if (contextArg === "-") {
    context = await contextFromStdin();
    cleanup.push(context);
  } else if (!existsSync(contextArg) || !statSync(contextArg).isDirectory()) {
    throw new InvalidInputError(`unable to prepare context: path "${contextArg}" not found`, { code: "build_context", hint: "give a directory, or - for a tar on stdin" });
  }
  const reporter = buildProgress(mode);
  try {
    const [{ buildImage }, { kittenPaths }] = await Promise.all([import("../../engine/build/index.ts"), import("../../core/paths.ts")]);
    const result = await buildImage(
      {
        context: resolve(context),
        ...(dockerfileText !== undefined ? { dockerfileText } : f.file ? { dockerfile: resolve(f.file) } : {}),
        tags: f.tags,
        buildArgs: parseBuildArgs(f.buildArgs),
        target: f.target,
        noCache: f.noCache,
        pull: f.pull,
        secrets: parseSecrets(f.secrets),
        labels: parseLabels(f.labels),
        network: (f.network as "default" | "none" | "host" | undefined) ?? "default",
        extraHosts: f.addHosts,
        platform: f.platform,
      },
      { paths: kittenPaths(), reporter },
    );
    reporter.done();
    if (f.iidfile) writeFileSync(f.iidfile, result.id);
    if (f.quiet) process.stdout.write(`${result.id}\n`);
    else if (mode !== "json") {
      process.stderr.write(`writing image ${result.id}${result.tags.length ? `, naming to ${result.tags.join(", ")}` : ""}\n`);
    }
    return 0;
  } finally {
    reporter.done();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  }
}
