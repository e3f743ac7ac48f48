/** `kitten port CONTAINER [PRIVATE_PORT[/PROTO]] [--format json]` — a container's published ports. */
import { defineCommand } from "citty";
import { formatArg } from "../args.ts";
import { containerRuntime } from "../container-runtime.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { renderMappings, selectMappings } from "../../net/port-list.ts";

export default defineCommand({
  meta: { name: "port", description: "list a container's published ports" },
  args: {
    container: { type: "positional", required: true, description: "container name or id" },
    port: { type: "positional", required: false, description: "only this private port: 80 or 80/udp" },
    ...formatArg,
  },
  async run({ args }) {
    const state = await containerRuntime().inspect(String(args.container));
    if (!state) throw new InvalidInputError(`no such container: ${args.container}`, { hint: "`kitten ps -a` lists the containers" });
    const port = args.port === undefined ? undefined : String(args.port);
    const mappings = selectMappings(state.name, state.ports ?? [], port);
    process.stdout.write(args.format === "json" ? `${JSON.stringify(mappings, null, 2)}\n` : renderMappings(mappings, port !== undefined));
    return 0;
  },
});
