/** `kitten exec [-i] [-t] [-e K=V] [-w dir] [-u user] <container> <command…>` */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { execInContainer } from "../../engine/runtime/exec.ts";
import { containerRuntime } from "../container-runtime.ts";
import { bool, flagHelp, list, parseDockerArgs, str, type FlagTable } from "../docker-args.ts";

const FLAGS: FlagTable = {
  interactive: { short: "i", description: "keep stdin open" },
  tty: { short: "t", description: "allocate a pseudo-terminal" },
  env: { short: "e", value: true, repeat: true, description: "set an environment variable K=V" },
  workdir: { short: "w", value: true, description: "working directory inside the container" },
  user: { short: "u", value: true, description: "user[:group] (names or ids)" },
  detach: { short: "d", description: "run the command in the background" },
};

export const usage = flagHelp("kitten exec [options] <container> <command…>", FLAGS);

export default defineCommand({
  meta: { name: "exec", description: "run a command in a running container" },
  async run({ rawArgs }) {
    const { flags: f, positionals } = parseDockerArgs(rawArgs, FLAGS, "exec");
    const [container, ...command] = positionals;
    if (!container || command.length === 0) throw new InvalidInputError("kitten exec needs a container and a command", { hint: "kitten exec [options] <container> <command…>" });
    return execInContainer(containerRuntime(), container, command, {
      env: Object.fromEntries(list(f.env).map((e) => [e.split("=")[0]!, e.slice(e.indexOf("=") + 1)])),
      workingDir: str(f.workdir),
      user: str(f.user),
      interactive: bool(f.interactive),
      tty: bool(f.tty),
      detach: bool(f.detach),
    });
  },
});
