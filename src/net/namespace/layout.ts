/**
 * Where a project's rootless namespace keeps its files on the host.
 *
 * - `<runtime>/ns/<project>.json`  the namespace record (driver, pids, sockets)
 * - `<runtime>/ns/<project>/`      rootlesskit's --state-dir; rootlesskit deletes it on exit,
 *                                   so nothing of ours lives there (rootless-spike.md §1a)
 * - `<runtime>/projects/<project>/` the per-project runtime dir: agent socket and log, runc
 *                                   root, netns files; wiped whenever the namespace is recreated
 */
import { join } from "node:path";
import { checkProjectName } from "../../core/names.ts";
import type { KittenPaths } from "../../core/paths.ts";

export interface NamespaceLayout {
  record: string;
  stateDir: string;
  runtimeDir: string;
  agentSocket: string;
  agentLog: string;
  driverLog: string;
}

export function namespaceLayout(paths: KittenPaths, project: string): NamespaceLayout {
  checkProjectName(project);
  const runtimeDir = join(paths.runtime, "projects", project);
  return {
    record: join(paths.runtime, "ns", `${project}.json`),
    stateDir: join(paths.runtime, "ns", project),
    runtimeDir,
    agentSocket: join(runtimeDir, "agent.sock"),
    agentLog: join(runtimeDir, "agent.log"),
    driverLog: join(paths.runtime, "ns", `${project}.log`),
  };
}
