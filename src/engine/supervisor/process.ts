/**
 * The supervisor as a process: `kitten __supervise <project>`, started detached by the first
 * command that needs it. It takes the project's supervisor lock (one supervisor per project; a
 * second one exits at once), adopts what runs, serves the control socket, and on SIGTERM or a
 * shutdown request stops serving — never stopping containers, which outlive it under conmon.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../core/errors.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import { selfCommand } from "../../core/self.ts";
import type { ContainerRuntime } from "../runtime/types.ts";
import { openStateDb } from "../state/db.ts";
import { claimSupervision } from "./claim.ts";
import { systemClock } from "./clock.ts";
import { ProjectStore } from "../state/project-store.ts";
import { requestSupervisor, supervisorSocketPath, SupervisorUnavailable } from "./client.ts";
import { SupervisorServer } from "./server.ts";
import { checkProjectName } from "../../core/names.ts";

export function supervisorLockPath(paths: KittenPaths, project: string): string {
  return join(ensureDir(join(paths.runtime, "sup")), `${checkProjectName(project)}.lock`);
}

export function supervisorLogPath(paths: KittenPaths, project: string): string {
  return join(ensureDir(join(paths.runtime, "sup")), `${checkProjectName(project)}.log`);
}

/** Runs a supervisor until it is told to stop; resolves with the process exit code. */
export async function runSupervisor(project: string, paths: KittenPaths, runtime: ContainerRuntime): Promise<number> {
  const lockPath = supervisorLockPath(paths, project);
  const socket = supervisorSocketPath(paths, project);
  // another supervisor that answers: nothing to do; conmon's exit command may hold the lock for
  // a moment while it applies a restart policy (exit-policy.ts): wait for that
  const lock = await claimSupervision(lockPath, "supervisor", systemClock, 10_000);
  if (!lock) return 0;
  const store = new ProjectStore(openStateDb(paths));
  // the project went down while this one waited for the lock: nothing to supervise
  if (!store.getProject(project) && store.listContainers(project).length === 0) {
    rmSync(lockPath, { force: true });
    lock.release();
    return 0;
  }
  let stop!: () => void;
  let forget = false;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const server = new SupervisorServer({
    project,
    runtime,
    store,
    // a shutdown after down: the project is gone, so are the supervisor's files
    onShutdown: () => ((forget = true), stop()),
    log: (line) => void process.stderr.write(line),
  });
  await server.start();
  server.listen(socket);
  const onSignal = () => stop();
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  await stopped;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  await server.close();
  if (forget) {
    for (const file of [lockPath, supervisorLogPath(paths, project)]) rmSync(file, { force: true });
  }
  lock.release();
  return 0;
}

export type Launcher = (project: string) => void;

/** Starts `kitten __supervise <project>` detached from the caller, its output in the supervisor log. */
export function launchSupervisorProcess(paths: KittenPaths, env: Record<string, string | undefined> = process.env): Launcher {
  return (project) => {
    const log = openSync(supervisorLogPath(paths, project), "a", 0o600);
    const [cmd, ...args] = selfCommand();
    const child = spawn(cmd!, [...args, "__supervise", project], { detached: true, stdio: ["ignore", log, log], env });
    child.unref();
    closeSync(log);
  };
}

export interface EnsureOptions {
  launch: Launcher;
  timeoutMs?: number;
}

/** The supervisor's status, starting one (which adopts running containers) when none answers. */
export async function ensureSupervisor(paths: KittenPaths, project: string, o: EnsureOptions): Promise<{ started: boolean; status: unknown }> {
  const socket = supervisorSocketPath(paths, project);
  try {
    return { started: false, status: await requestSupervisor(socket, project, { op: "status" }) };
  } catch (err) {
    if (!(err instanceof SupervisorUnavailable)) throw err;
  }
  o.launch(project);
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  let delay = 10;
  for (;;) {
    await Bun.sleep(delay);
    delay = Math.min(delay * 2, 100);
    try {
      return { started: true, status: await requestSupervisor(socket, project, { op: "status" }) };
    } catch (err) {
      if (!(err instanceof SupervisorUnavailable)) throw err;
      if (Date.now() > deadline) {
        throw new RuntimeFailure(`the supervisor of project "${project}" did not start`, {
          code: "supervisor_start",
          hint: `its log is ${supervisorLogPath(paths, project)}`,
        });
      }
    }
  }
}
