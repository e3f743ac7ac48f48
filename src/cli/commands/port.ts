/**
 * `kitten port SERVICE PRIVATE_PORT [--index N] [--protocol udp]`: the host address a service's
 * port is published on (docker compose port); `kitten port CONTAINER [PRIVATE_PORT[/PROTO]]` is
 * docker port for a container by name.
 */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { containerRuntime } from "../container-runtime.ts";
import { parseIndex } from "./exec.ts";
import { cliTarget } from "../target.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { pickContainer } from "../../engine/orchestrate/target.ts";
import { renderMappings, selectMappings } from "../../net/port-list.ts";

export default defineCommand({
  meta: { name: "port", description: "print the host address a service's (or a container's) port is published on" },
  args: {
    index: { type: "string", description: "the replica of the service (default: the first)" },
    protocol: { type: "string", description: "tcp or udp (default tcp)" },
    ...formatArg,
    name: { type: "positional", required: false, description: "SERVICE (or CONTAINER)" },
    port: { type: "positional", required: false, description: "PRIVATE_PORT: 80, or 80/udp" },
  },
  async run({ args }) {
    const [name, privatePort] = args._.map(String);
    if (!name) throw new InvalidInputError("port needs a service (or container)", { code: "bad_usage", hint: "kitten port <service> <private port>" });
    if (args.protocol !== undefined && args.protocol !== "tcp" && args.protocol !== "udp") throw new InvalidInputError(`--protocol must be tcp or udp, not "${args.protocol}"`, { code: "bad_flag" });
    const target = await cliTarget("name", { names: [name], fallback: "container" });
    let container = target.containers[0];
    if (target.project && target.services.length > 0) {
      if (privatePort === undefined) throw new InvalidInputError("port needs the private port of the service", { code: "bad_usage", hint: `kitten port ${name} 80` });
      container = pickContainer(target.project, name, { index: parseIndex(args.index), running: true }, { paths: kittenPaths() }).name;
    }
    const state = await containerRuntime().inspect(container!);
    if (!state) throw new InvalidInputError(`no such container: ${container}`, { hint: "`kitten ps -a` lists the containers" });
    const port = privatePort === undefined ? undefined : args.protocol && !privatePort.includes("/") ? `${privatePort}/${args.protocol}` : privatePort;
    const mappings = selectMappings(state.name, state.ports ?? [], port);
    process.stdout.write(args.format === "json" ? `${JSON.stringify(mappings, null, 2)}\n` : renderMappings(mappings, port !== undefined));
    return 0;
  },
});
