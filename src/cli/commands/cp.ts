/**
 * `kitten cp [options] SERVICE:SRC DEST | SRC SERVICE:DEST`: docker compose cp (docker cp with a
 * container name instead of a service). `-` as the host side is a tar stream on stdin/stdout.
 */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { pickRunning } from "../../engine/orchestrate/target.ts";
import { copyFromContainer, copyToContainer } from "../../engine/runtime/copy.ts";
import { containerRuntime } from "../container-runtime.ts";
import { cliTarget } from "../target.ts";
import { parseIndex } from "./exec.ts";

/** `web:/etc/hosts` → ["web", "/etc/hosts"]; a host path (even one with a colon after a slash) → undefined. */
export function containerSide(arg: string): [string, string] | undefined {
  const colon = arg.indexOf(":");
  if (colon <= 0 || arg.slice(0, colon).includes("/") || arg.startsWith(".")) return undefined;
  return [arg.slice(0, colon), arg.slice(colon + 1)];
}

export default defineCommand({
  meta: { name: "cp", description: "copy files between a service's container and the host" },
  args: {
    index: { type: "string", description: "the replica of the service (default: the first)" },
    archive: { type: "boolean", alias: "a", description: "keep owners (uid/gid)" },
    "follow-link": { type: "boolean", alias: "L", description: "follow a symlink named as the source" },
    paths: { type: "positional", required: false, description: "SERVICE:SRC DEST, or SRC SERVICE:DEST" },
  },
  async run({ args }) {
    const [from, to] = args._.map(String);
    if (!from || !to || args._.length !== 2) throw new InvalidInputError("cp needs a source and a destination", { code: "bad_usage", hint: "kitten cp web:/path/in/container ./here, or kitten cp ./here web:/path" });
    const out = containerSide(from);
    const into = containerSide(to);
    if ((out && into) || (!out && !into)) throw new InvalidInputError("cp copies between a container and the host: name the container on exactly one side", { code: "bad_usage", hint: "kitten cp web:/etc/hosts ./hosts" });
    const [name, path] = (out ?? into)!;
    const target = await cliTarget("name", { names: [name], fallback: "container" });
    const rt = containerRuntime();
    const container = target.project && target.services.length > 0 ? await pickRunning(target.project, name, parseIndex(args.index), { paths: kittenPaths(), inspect: (n) => rt.inspect(n) }) : target.containers[0]!;
    const o = { followLink: args["follow-link"], archive: args.archive };
    if (out) await copyFromContainer(rt, container, path, to, o);
    else await copyToContainer(rt, container, from, path, o);
    return 0;
  },
});
