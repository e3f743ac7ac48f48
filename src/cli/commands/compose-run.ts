/**
 * `kitten compose run [options] SERVICE [COMMAND] [ARG…]`: a one-off container of a service with
 * docker compose's semantics (engine/orchestrate/one-off.ts): the dependencies started first
 * unless --no-deps (and their depends_on conditions waited for), no published ports unless
 * --service-ports / -p, stdin passed and a terminal when there is one, the container's exit code
 * as kitten's. Flags end at SERVICE. `kitten run IMAGE` stays docker run (run.ts).
 */
import { defineCommand } from "citty";
import { isatty } from "node:tty";
import { InvalidInputError } from "../../core/errors.ts";
import { shellSplit } from "../../engine/compose/shell-words.ts";
import { oneOffSpec } from "../../engine/orchestrate/one-off.ts";
import { ps, recordProject, serviceCommand, up } from "../../engine/orchestrate/project-api.ts";
import { waitConditions } from "../../engine/orchestrate/ready.ts";
import { runContainer } from "../../engine/runtime/run.ts";
import { specFromRunFlags } from "../../engine/runtime/run-options.ts";
import { containerRuntime } from "../container-runtime.ts";
import { bool, flagHelp, list, parseDockerArgs, str, type FlagTable } from "../docker-args.ts";
import { engineDeps } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget } from "../target.ts";

export const flags: FlagTable = {
  "cap-add": { value: true, repeat: true, description: "add a capability" },
  "cap-drop": { value: true, repeat: true, description: "drop a capability" },
  detach: { short: "d", description: "run in the background and print the container id" },
  entrypoint: { value: true, description: "override the entrypoint (split like a shell command)" },
  env: { short: "e", value: true, repeat: true, description: "set an environment variable K=V (K alone: from this environment)" },
  "env-from-file": { value: true, repeat: true, description: "read environment variables from a file" },
  interactive: { short: "i", description: "keep stdin open (the default; --interactive=false closes it)" },
  label: { short: "l", value: true, repeat: true, aliases: ["labels"], description: "add a label K=V" },
  name: { value: true, description: "container name (default <project>-<service>-run-<id>)" },
  "no-deps": { description: "don't start the service's dependencies" },
  "no-tty": { short: "T", aliases: ["no-TTY"], description: "no terminal, even when stdin and stdout are terminals" },
  publish: { short: "p", value: true, repeat: true, description: "publish a port: [ip:][hostPort:]containerPort[/udp]" },
  pull: { value: true, description: "pull the image: always, missing (default) or never" },
  quiet: { short: "q", description: "don't print anything to stdout but the container id (-d)" },
  "quiet-pull": { description: "pull without printing progress" },
  "remove-orphans": { description: "remove containers of services no longer in the compose file" },
  rm: { description: "remove the container when it exits" },
  "service-ports": { short: "P", description: "publish the service's ports" },
  "use-aliases": { description: "the service's name resolves to this container on its networks" },
  user: { short: "u", value: true, description: "user[:group] (names or ids)" },
  volume: { short: "v", value: true, repeat: true, aliases: ["volumes"], description: "bind mount or volume: [src:]dst[:ro]" },
  workdir: { short: "w", value: true, description: "working directory inside the container" },
  tty: { short: "t", description: "allocate a terminal" },
};

export const usage = flagHelp("kitten compose run [options] SERVICE [COMMAND] [ARG…]", flags);

export default defineCommand({
  meta: { name: "run", description: "run a one-off command on a service" },
  async run({ rawArgs }) {
    const { flags: f, positionals } = parseDockerArgs(rawArgs, flags, "compose run");
    const [service, ...command] = positionals;
    if (!service) throw new InvalidInputError("run needs a service", { code: "bad_usage", hint: "kitten compose run [options] SERVICE [COMMAND] [ARG…]" });
    if (bool(f["service-ports"]) && list(f.publish).length) throw new InvalidInputError("--service-ports and --publish are incompatible", { code: "bad_flag" });
    if (bool(f.tty) && bool(f["no-tty"])) throw new InvalidInputError("--tty and --no-tty can't be used together", { code: "bad_flag" });
    const pull = str(f.pull);
    if (pull !== undefined && !["always", "missing", "never"].includes(pull)) throw new InvalidInputError(`invalid --pull option "${pull}"`, { code: "bad_flag", hint: "use always, missing or never" });
    for (const l of list(f.label)) if (!l.includes("=")) throw new InvalidInputError("label must be set as KEY=VALUE", { code: "bad_flag" });

    const reporter = cliReporter();
    const target = await cliTarget("file", { names: [service], reporter });
    const loaded = target.loaded!;
    const project = loaded.project;
    const deps = engineDeps(reporter, loaded.workingDir);
    if (bool(f["remove-orphans"])) {
      const orphans = (await ps({ project: project.name, all: true }, deps)).filter((r) => !project.services[r.service]).map((r) => r.name);
      if (orphans.length) await serviceCommand("rm", { project: project.name, containers: orphans, stop: true }, deps);
    }
    const dependsOn = project.services[service]!.depends_on ?? {};
    const needed = Object.keys(dependsOn).filter((d) => project.services[d]);
    if (!bool(f["no-deps"]) && needed.length > 0) {
      await up({ project, workingDir: loaded.workingDir, configFiles: loaded.files, services: needed, ...(pull ? { pull: pull as "always" } : {}) }, deps);
      const conditions = Object.fromEntries(Object.entries(dependsOn).filter(([d]) => needed.includes(d)));
      for (const w of await waitConditions({ project: project.name, conditions, waiter: `service "${service}"` }, deps)) reporter.emit({ type: "warning", message: w });
    } else {
      // the networks the one-off joins are planned as up plans them; the project is recorded so
      // that `-p NAME` and `down` know it
      await deps.prepare!(project);
      recordProject({ project, workingDir: loaded.workingDir, configFiles: loaded.files }, deps);
    }

    // -e, --env-from-file, -v and -p read the way docker run reads them
    const extra = specFromRunFlags(
      { image: "-", command: [], env: list(f.env), envFiles: list(f["env-from-file"]), volumes: list(f.volume), publish: list(f.publish) },
      { cwd: process.cwd(), env: process.env },
    );
    const labels = Object.fromEntries(list(f.label).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    const entrypoint = str(f.entrypoint);
    const spec = oneOffSpec(project, {
      service,
      command,
      ...(entrypoint !== undefined ? { entrypoint: shellSplit(entrypoint) } : {}),
      env: extra.env,
      ...(str(f.user) !== undefined ? { user: str(f.user)! } : {}),
      ...(str(f.workdir) !== undefined ? { workdir: str(f.workdir)! } : {}),
      mounts: extra.mounts ?? [],
      publish: extra.ports ?? [],
      servicePorts: bool(f["service-ports"]),
      ...(str(f.name) !== undefined ? { name: str(f.name)! } : {}),
      labels,
      capAdd: list(f["cap-add"]),
      capDrop: list(f["cap-drop"]),
      useAliases: bool(f["use-aliases"]),
    });
    const detach = bool(f.detach);
    const tty = !detach && (bool(f.tty) || (!bool(f["no-tty"]) && isatty(0) && isatty(1)));
    const result = await runContainer(containerRuntime({ quietPull: bool(f["quiet-pull"]) || bool(f.quiet) }), spec, {
      ...(pull ? { pull: pull as "always" } : {}),
      detach,
      remove: bool(f.rm),
      interactive: f.interactive !== false && !detach,
      tty,
      output: { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
    });
    if (result.detached) {
      process.stdout.write(`${result.id}\n`);
      return 0;
    }
    return result.exitCode;
  },
});
