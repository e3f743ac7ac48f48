/**
 * `kitten attach [--index N] [--sig-proxy=false] [--no-stdin] SERVICE`: docker compose attach —
 * the output of the service's running container from now on, until it exits; Ctrl-C is sent to
 * the container (--sig-proxy, the default) or only detaches (--sig-proxy=false). kitten's
 * containers run under conmon without an attachable stdin, so stdin is never passed (as with
 * --no-stdin); a terminal user is told so.
 */
import { defineCommand } from "citty";
import { kittenPaths } from "../../core/paths.ts";
import { logs, serviceCommand } from "../../engine/orchestrate/project-api.ts";
import { pickContainer } from "../../engine/orchestrate/target.ts";
import { openStateDb } from "../../engine/state/db.ts";
import { ProjectStore } from "../../engine/state/project-store.ts";
import { engineDeps } from "../project-context.ts";
import { colorWanted, logPrinter } from "../render/log-lines.ts";
import { cliReporter } from "../render/reporter.ts";
import { cliTarget, requireProject } from "../target.ts";
import { parseIndex } from "./exec.ts";
import { negated } from "../args.ts";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "attach", description: "attach to a service's running container output" },
  args: {
    index: { type: "string", description: "the replica of the service (default: the first)" },
    "sig-proxy": { type: "boolean", description: "send Ctrl-C (SIGINT) to the container (default true; --sig-proxy=false only detaches)", default: true },
    "no-stdin": { type: "boolean", description: "don't attach stdin (kitten never does)" },
    service: { type: "positional", required: false, description: "SERVICE" },
  },
  async run({ args }) {
    const [service] = args._.map(String);
    if (!service || args._.length !== 1) throw new InvalidInputError("attach needs exactly one service", { code: "bad_usage", hint: "kitten attach <service>" });
    const reporter = cliReporter();
    const target = await cliTarget("name", { names: [service], reporter });
    const project = requireProject(target, "attach");
    const paths = kittenPaths();
    const container = pickContainer(project, service, { index: parseIndex(args.index), running: true }, { paths }).name;
    if (!negated(args, "stdin") && process.stdin.isTTY) reporter.emit({ type: "warning", message: "stdin is not attached: kitten's containers have no attachable stdin (use kitten exec for a shell)" });
    const abort = new AbortController();
    const store = new ProjectStore(openStateDb(paths));
    const watch = setInterval(() => {
      const st = store.getContainer(container)?.status;
      if (st !== "running" && st !== "paused") abort.abort();
    }, 200);
    const onInt = () => {
      if (args["sig-proxy"] === false) abort.abort();
      else void serviceCommand("kill", { project, containers: [container], signal: "SIGINT" }, engineDeps(reporter)).catch(() => abort.abort());
    };
    process.on("SIGINT", onInt);
    try {
      await logs({ project, containers: [container], follow: true, since: new Date().toISOString(), signal: abort.signal }, { paths }, logPrinter({ color: colorWanted(false), prefix: false }));
    } finally {
      clearInterval(watch);
      process.off("SIGINT", onInt);
    }
    return 0;
  },
});
