/**
 * `kitten doctor` on the projects kitten runs (issue #13): whether each project's namespace
 * lives — its holder is the one process whose death ends every container in it, as podman's pause
 * process is — and which of its helpers are gone (agent, slirp4netns, supervisor), which the next
 * kitten command starts again.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KittenPaths } from "../../core/paths.ts";
import { readNamespace } from "../../net/namespace/index.ts";
import { sameProcess } from "../../net/namespace/proc.ts";
import { agentProcess } from "../runtime/agent-process.ts";
import { openStateDb } from "../state/db.ts";
import { ProjectStore } from "../state/project-store.ts";
import { supervisorRuns } from "../supervisor/claim.ts";
import { supervisorLockPath } from "../supervisor/process.ts";
import { ok, warn, type Check } from "./types.ts";

export function checkProjects(paths: KittenPaths): Check[] {
  // doctor changes nothing: no state yet (or none this user may read) means no projects to check
  let projects;
  try {
    if (!existsSync(join(paths.data, "state.db"))) return [];
    projects = new ProjectStore(openStateDb(paths)).listProjects();
  } catch {
    return [];
  }
  const checks: Check[] = [];
  for (const p of projects) {
    const ns = readNamespace(paths, p.name);
    if (!ns) continue;
    const name = `project ${p.name}`;
    if (!ns.alive) {
      checks.push(
        warn(
          name,
          `its namespace is gone: the holder (catatonit, pid ${ns.record.childPid}) died, and every container in it with it`,
          `kitten start -p ${p.name}`,
        ),
      );
      continue;
    }
    const gone = [
      agentProcess(ns.record.runtimeDir) ? undefined : "agent",
      ns.record.holder && !sameProcess(ns.record.slirpPid, ns.record.slirpStart) ? "slirp4netns (no outbound network)" : undefined,
      supervisorRuns(supervisorLockPath(paths, p.name)) ? undefined : "supervisor (healthchecks wait; restart policies still apply)",
    ].filter((x): x is string => x !== undefined);
    const holder = `holder pid ${ns.record.childPid}`;
    checks.push(
      gone.length === 0
        ? ok(name, `namespace up (${holder}), agent, slirp4netns and supervisor running`, false)
        : warn(name, `namespace up (${holder}); gone: ${gone.join(", ")} — the next kitten command on the project starts them again`, `kitten up -d -p ${p.name}`),
    );
  }
  return checks;
}
