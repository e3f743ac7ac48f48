/**
 * `kitten rm [-f] [-s] [-v] [SERVICE…|CONTAINER…]`: docker compose rm for a project's services —
 * their stopped containers (-s stops running ones first), after a confirmation on a terminal
 * unless -f — and docker rm for containers named outside a project (-f there kills a running one).
 */
import { defineCommand } from "citty";
import { CancelledError } from "../../core/errors.ts";
import { ps, serviceCommand } from "../../engine/orchestrate/project-api.ts";
import { engineDeps } from "../project-context.ts";
import { cliReporter } from "../render/reporter.ts";
import { containersVerb } from "../service-verb.ts";
import { cliTarget } from "../target.ts";
import { InvalidInputError } from "../../core/errors.ts";

export default defineCommand({
  meta: { name: "rm", description: "remove services' stopped containers, or containers by name" },
  args: {
    force: { type: "boolean", alias: "f", description: "don't ask to confirm (containers by name: kill and remove running ones, as docker rm -f)" },
    stop: { type: "boolean", alias: "s", description: "stop the containers first, if needed" },
    volumes: { type: "boolean", alias: "v", description: "remove the anonymous volumes attached to the containers" },
    services: { type: "positional", required: false, description: "SERVICE… (or CONTAINER…)" },
  },
  async run({ args }) {
    const names = args._.map(String);
    const reporter = cliReporter();
    const target = await cliTarget("optional", { names, fallback: "container", reporter });
    if (!target.project && names.length === 0) throw new InvalidInputError("rm: no compose file here or above, and no container named", { code: "bad_usage", hint: "kitten rm <container>…, or name the project with -f / -p" });
    if (target.containers.length > 0) await containersVerb("rm", target.containers, { stop: args.force === true });
    if (!target.project || (target.services.length === 0 && target.containers.length > 0)) return 0;
    const deps = engineDeps(reporter);
    const rows = (await ps({ project: target.project, all: true, services: target.services }, deps)).filter((r) => !r.oneOff);
    const running = (s: string) => s === "running" || s === "paused";
    const doomed = rows.filter((r) => args.stop || !running(r.status)).map((r) => r.name);
    if (doomed.length === 0) {
      process.stderr.write("No stopped containers\n");
      return 0;
    }
    if (!args.force && process.stdin.isTTY && process.stdout.isTTY) {
      process.stderr.write(`Going to remove ${doomed.join(", ")}\n`);
      const p = await import("@clack/prompts");
      const ok = await p.confirm({ message: "Are you sure?", initialValue: false });
      if (p.isCancel(ok)) throw new CancelledError();
      if (!ok) return 0;
    }
    const acted = await serviceCommand("rm", { project: target.project, containers: doomed, stop: args.stop === true, volumes: args.volumes === true }, deps);
    process.stdout.write(acted.map((n) => `${n}\n`).join(""));
    return 0;
  },
});
