/** `kitten run [flags] <image> [command…]` — docker run, rootless. */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { runContainer } from "../../engine/runtime/run.ts";
import { randomName, specFromRunFlags } from "../../engine/runtime/run-options.ts";
import { containerRuntime } from "../container-runtime.ts";
import { isKnown } from "../../engine/orchestrate/project-api.ts";
import { bool, flagHelp, list, parseDockerArgs, str, type FlagTable } from "../docker-args.ts";

export const flags: FlagTable = {
  rm: { description: "remove the container when it exits" },
  detach: { short: "d", description: "run in the background and print the container id" },
  interactive: { short: "i", description: "keep stdin open" },
  tty: { short: "t", description: "allocate a pseudo-terminal" },
  name: { value: true, description: "container name" },
  env: { short: "e", value: true, repeat: true, description: "set an environment variable (K=V, or K to copy it)" },
  "env-file": { value: true, repeat: true, description: "read environment variables from a file" },
  publish: { short: "p", value: true, repeat: true, description: "publish a port: [ip:][hostPort:]containerPort[/udp]" },
  volume: { short: "v", value: true, repeat: true, description: "bind mount or named volume: [src:]dst[:ro]" },
  workdir: { short: "w", value: true, description: "working directory inside the container" },
  user: { short: "u", value: true, description: "user[:group] (names or ids)" },
  network: { value: true, aliases: ["net"], description: "slirp (default: the project namespace's network), bridge (own IP on kitten0), none, host (= slirp), or a network name" },
  entrypoint: { value: true, description: "override the image's entrypoint" },
  init: { description: "run catatonit as PID 1" },
  "read-only": { description: "mount the root filesystem read-only" },
  "cap-add": { value: true, repeat: true, description: "add a capability (or ALL)" },
  "cap-drop": { value: true, repeat: true, description: "drop a capability (or ALL)" },
  hostname: { short: "h", value: true, description: "container hostname" },
  tmpfs: { value: true, repeat: true, description: "mount a tmpfs: /path[:options]" },
  ulimit: { value: true, repeat: true, description: "set a ulimit: name=soft[:hard]" },
  "add-host": { value: true, repeat: true, description: "add a host:ip entry to /etc/hosts" },
  "security-opt": { value: true, repeat: true, description: "security option (no-new-privileges)" },
  "stop-signal": { value: true, description: "signal that stops the container" },
  label: { short: "l", value: true, repeat: true, description: "set a label K=V" },
  memory: { short: "m", value: true, description: "memory limit (enforced where kitten may manage cgroups, else a warning: kitten doctor)" },
  cpus: { value: true, description: "cpu limit (enforced where kitten may manage cgroups, else a warning)" },
  "pids-limit": { value: true, description: "pids limit (enforced where kitten may manage cgroups, else a warning)" },
  "log-driver": { value: true, description: "json-file, local, k8s-file (kept as files, rotated) or none (nothing kept)" },
  "log-opt": { value: true, repeat: true, description: "log option: max-size=SIZE, max-file=N" },
  runtime: { value: true, description: "OCI runtime: runc or crun (default: KITTEN_RUNTIME or the host's tested choice)" },
  project: { value: true, description: "project namespace to run in (default: default)" },
  pull: { value: true, description: "pull the image: always, missing (default) or never" },
};

export const usage = flagHelp("kitten run [options] <image> [command…]", flags);

export default defineCommand({
  meta: { name: "run", description: "run a container like docker run" },
  async run({ rawArgs }) {
    const { flags: f, positionals } = parseDockerArgs(rawArgs, flags, "run");
    const [image, ...command] = positionals;
    if (!image) throw new InvalidInputError("kitten run needs an image", { hint: "kitten run [options] <image> [command…]" });
    const spec = specFromRunFlags(
      {
        image, command, name: str(f.name) ?? randomName(), project: str(f.project), env: list(f.env), envFiles: list(f["env-file"]),
        publish: list(f.publish), volumes: list(f.volume), workdir: str(f.workdir), user: str(f.user), network: str(f.network),
        entrypoint: str(f.entrypoint), init: bool(f.init), readOnly: bool(f["read-only"]), capAdd: list(f["cap-add"]), capDrop: list(f["cap-drop"]),
        hostname: str(f.hostname), tmpfs: list(f.tmpfs), ulimits: list(f.ulimit), addHosts: list(f["add-host"]), securityOpts: list(f["security-opt"]),
        stopSignal: str(f["stop-signal"]), labels: list(f.label), memory: str(f.memory), cpus: str(f.cpus), pidsLimit: str(f["pids-limit"]), runtime: str(f.runtime),
        logDriver: str(f["log-driver"]), logOpts: list(f["log-opt"]),
      },
      { cwd: process.cwd(), env: process.env },
    );
    const pull = str(f.pull);
    if (pull !== undefined && pull !== "always" && pull !== "missing" && pull !== "never") {
      throw new InvalidInputError(`--pull must be always, missing or never, not "${pull}"`, { code: "bad_flag", hint: "e.g. --pull always" });
    }
    const rt = containerRuntime();
    const result = await runContainer(rt, spec, {
      pull,
      detach: bool(f.detach), remove: bool(f.rm), interactive: bool(f.interactive), tty: bool(f.tty),
      output: { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
    });
    if (result.detached) {
      process.stdout.write(`${result.id}\n`);
      return 0;
    }
    // the container is gone: the "default" namespace goes too when nothing else runs in it (one
    // named with --project lives on with its settings, like a project's, until `kitten down -p`)
    if (str(f.project) === undefined && !isKnown({ paths: rt.deps.paths }, spec.project)) await rt.releaseIfIdle(spec.project);
    return result.exitCode;
  },
});
