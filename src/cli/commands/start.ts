/**
 * `kitten start [svc...]`: start a project's stopped containers (all services, or the named ones).
 * `kitten start <container…>` (names of existing containers, no -p/-f): `docker start`, the same
 * containers again in place; a project's containers go through its supervisor.
 */
import { defineCommand } from "citty";
import { containerRuntime } from "../container-runtime.ts";
import { isProjectMode, viaSupervisor } from "../project-views.ts";
import { serviceVerb } from "../service-verb.ts";

const projectStart = serviceVerb("start", "start stopped containers (a project's services, or containers by name)");

export default defineCommand({
  ...projectStart,
  async run(ctx) {
    const names = ctx.args._.map(String);
    const rt = containerRuntime();
    const containers = !isProjectMode(ctx.args) && names.length > 0 && names.every((n) => tryRecord(rt, n));
    if (!containers) return projectStart.run!(ctx);
    const handled = await viaSupervisor("start", names, {});
    for (const name of names.filter((n) => !handled.includes(n))) {
      await rt.start(name);
      process.stdout.write(`${name}\n`);
    }
    return 0;
  },
});

function tryRecord(rt: ReturnType<typeof containerRuntime>, name: string): boolean {
  try {
    rt.record(name);
    return true;
  } catch {
    return false;
  }
}
