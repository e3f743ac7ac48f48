/**
 * The shape shared by the service verbs (start, stop, restart, kill, pause, unpause, rm):
 * `kitten <verb> [-p NAME | -f FILE] [svc...]`, one engine call, the containers acted on printed.
 */
import { defineCommand, type ArgsDef } from "citty";
import { projectArgs } from "./args.ts";
import { engineDeps, projectName, timeoutMs } from "./project-context.ts";
import { cliReporter } from "./render/reporter.ts";
import { serviceCommand } from "../engine/orchestrate/project-api.ts";
import type { ServiceAction } from "../engine/orchestrate/lifecycle.ts";

const verbArgs = {
  ...projectArgs,
  timeout: { type: "string", alias: "t", description: "seconds to wait for a container to stop before killing it" },
  signal: { type: "string", alias: "s", description: "kill: the signal to send (default SIGKILL)" },
  stop: { type: "boolean", description: "rm: stop running containers first" },
  services: { type: "positional", required: false, description: "services (default: all)" },
} as const satisfies ArgsDef;

export function serviceVerb(action: ServiceAction, description: string) {
  return defineCommand({
    meta: { name: action, description },
    args: verbArgs,
    async run({ args, rawArgs }) {
      const reporter = cliReporter();
      const project = await projectName(rawArgs, args, reporter);
      const acted = await serviceCommand(
        action,
        { project, services: args._.map(String), timeoutMs: timeoutMs(args.timeout), signal: args.signal, stop: args.stop },
        engineDeps(reporter),
      );
      process.stdout.write(acted.map((n) => `${n}\n`).join(""));
    },
  });
}
