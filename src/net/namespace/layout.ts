/**
 * Where a project's rootless namespace keeps its files on the host.
 *
 * - `<runtime>/ns/<project>.json`  the namespace record (driver, pids, sockets)
 * - `<runtime>/ns/<project>/`      rootlesskit's --state-dir; rootlesskit deletes it on exit,
 *                                   so nothing of ours lives there (rootless-spike.md §1a)
 * - `<runtime>/projects/<project>/` the per-project runtime dir: agent socket and log, runc
 *                                   root, netns files; wiped whenever the namespace is recreated
 */
import { dirname, join } from "node:path";
import { checkProjectName } from "../../core/names.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { fitSocketDir, fitSocketPath } from "../../core/socket-path.ts";

export interface NamespaceLayout {
  record: string;
  stateDir: string;
  runtimeDir: string;
  agentSocket: string;
  /** slirp4netns's API socket (the unshare driver) */
  slirpSocket: string;
  agentLog: string;
  driverLog: string;
}

export function namespaceLayout(paths: KittenPaths, project: string): NamespaceLayout {
  checkProjectName(project);
  const runtimeDir = join(paths.runtime, "projects", project);
  return {
    record: join(paths.runtime, "ns", `${project}.json`),
    // sockets of a long project name move to short hashed paths (core/socket-path.ts)
    stateDir: fitSocketDir(paths.runtime, join(paths.runtime, "ns", project), "api.sock"),
    runtimeDir,
    agentSocket: agentSocketPath(runtimeDir),
    slirpSocket: fitSocketPath(paths.runtime, join(runtimeDir, "slirp.sock")),
    agentLog: join(runtimeDir, "agent.log"),
    driverLog: join(paths.runtime, "ns", `${project}.log`),
  };
}

/** The agent's socket for a project runtime dir (`<runtime>/projects/<project>`): the host and the agent both call this. */
export function agentSocketPath(runtimeDir: string): string {
  return fitSocketPath(dirname(dirname(runtimeDir)), join(runtimeDir, "agent.sock"));
}
