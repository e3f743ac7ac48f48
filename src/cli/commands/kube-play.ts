/**
 * `kitten kube play FILE|-`: run Kubernetes YAML locally as a kitten project (podman's
 * `kube play`); `--down` takes it down again. Unsupported kinds and fields are listed on stderr.
 */
import { defineCommand } from "citty";
import { dirname, resolve } from "node:path";
import { readFileSync } from "node:fs";
import { InvalidInputError, errorText } from "../../core/errors.ts";
import { checkProjectName } from "../../core/names.ts";
import { kittenPaths } from "../../core/paths.ts";
import { cliReporter } from "../render/reporter.ts";
import { renderFindings } from "../render/kube.ts";
import { engineDeps, timeoutMs } from "../project-context.ts";

export default defineCommand({
  meta: { name: "kitten kube play", description: "run Kubernetes YAML locally as a kitten project" },
  args: {
    file: { type: "positional", required: false, description: "the YAML file (Pods, Deployments, StatefulSets, Jobs, Services, ConfigMaps, Secrets, PVCs), or - for stdin" },
    "project-name": { type: "string", alias: "p", description: "project name (default: the objects' app.kubernetes.io/part-of, else the file name)" },
    wait: { type: "boolean", description: "wait until the services are running or healthy" },
    "wait-timeout": { type: "string", description: "seconds --wait waits before failing" },
    down: { type: "boolean", description: "stop and remove what playing the file started" },
    pull: { type: "string", description: "pull images: always, missing (default) or never" },
    timeout: { type: "string", alias: "t", description: "seconds to wait for containers to stop (--down)" },
  },
  async run({ args }) {
    if (!args.file) throw new InvalidInputError("missing file", { code: "bad_usage", hint: "usage: kitten kube play FILE (or - for stdin)" });
    const file = args.file === "-" ? "-" : resolve(args.file);
    let text: string;
    try {
      text = file === "-" ? await Bun.stdin.text() : readFileSync(file, "utf8");
    } catch (err) {
      throw new InvalidInputError(`cannot read ${args.file}: ${errorText(err)}`);
    }
    const pull = args.pull ?? "missing";
    if (pull !== "always" && pull !== "missing" && pull !== "never") throw new InvalidInputError(`--pull must be always, missing or never, not "${pull}"`, { code: "bad_flag" });
    const waitSeconds = args["wait-timeout"] === undefined ? undefined : Number(args["wait-timeout"]);
    if (waitSeconds !== undefined && !(waitSeconds > 0)) throw new InvalidInputError(`--wait-timeout must be a number of seconds, not "${args["wait-timeout"]}"`, { code: "bad_flag" });
    if (args["project-name"]) checkProjectName(args["project-name"], "-p");
    const paths = kittenPaths();
    const { preparePlay, writePlayFiles, removePlayFiles } = await import("../../engine/kube/play/index.ts");
    const { up, down } = await import("../../engine/orchestrate/project-api.ts");
    const played = preparePlay(text, file, { projectName: args["project-name"], paths });
    const reporter = cliReporter();
    const workingDir = file === "-" ? process.cwd() : dirname(file);
    const deps = engineDeps(reporter, workingDir);
    if (args.down) {
      await down({ project: played.project.name, ...(timeoutMs(args.timeout) === undefined ? {} : { timeoutMs: timeoutMs(args.timeout) }) }, deps);
      removePlayFiles(paths, played.project.name);
      process.stderr.write(`project "${played.project.name}" is down\n`);
      return 0;
    }
    process.stderr.write(renderFindings(played.findings, `kitten kube play (${played.project.name})`));
    writePlayFiles(paths, played);
    await up(
      {
        project: played.project,
        workingDir,
        configFiles: [file],
        wait: args.wait,
        pull,
        ...(waitSeconds === undefined ? {} : { waitTimeoutMs: waitSeconds * 1000 }),
      },
      deps,
    );
    process.stderr.write(`project "${played.project.name}" is up (kitten ps -p ${played.project.name}; kitten kube play --down ${args.file} stops it)\n`);
    return 0;
  },
});
