/**
 * Hidden role: a project's supervisor, started detached by the first command that needs it
 * (`kitten __supervise <project>`). Its runtime resolves images through the image store, so
 * registry references and rootfs directories both work.
 */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "__supervise", description: "internal: supervise a project's containers" },
  args: { project: { type: "positional", description: "project name", required: true } },
  async run({ args }) {
    const { kittenPaths } = await import("../../core/paths.ts");
    const { runSupervisor } = await import("../../engine/supervisor/process.ts");
    const { containerRuntime } = await import("../container-runtime.ts");
    const paths = kittenPaths();
    // the supervisor must outlive a stray error (issue #13): logged, never fatal — Bun would end
    // the process on an unhandled rejection, mid-request, with the containers' watches
    process.on("uncaughtException", (err) => void process.stderr.write(`${new Date().toISOString()} uncaught: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
    process.on("unhandledRejection", (err) => void process.stderr.write(`${new Date().toISOString()} unhandled: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
    // the same wiring as the container commands: image store, CNI networks, warnings on stderr
    const runtime = containerRuntime();
    const code = await runSupervisor(String(args.project), paths, runtime);
    // leave at once: a project that is down must not keep a process around (nothing is buffered on stdout)
    process.exit(code);
  },
});
