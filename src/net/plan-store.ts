/**
 * HOST side: the network plan of every project, kept in `<data>/networks/<project>.json` so that
 * whoever creates containers (the CLI, a supervisor process) attaches them with the subnets `up`
 * planned, and so that new plans avoid every other project's subnets (DESIGN: defaults overlap
 * nothing else kitten runs). It lives in the data dir, not the runtime dir, because the runtime
 * dir is wiped whenever a namespace is (re)created.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-file.ts";
import { ensureDir } from "../core/paths.ts";
import { planProjectNetworks, type PlanProject } from "./plan.ts";
import type { NetworkPlan } from "./subnets.ts";
import { checkProjectName } from "../core/names.ts";
import { flock, LOCK_EX, LOCK_UN } from "../core/flock.ts";

const dir = (dataDir: string) => join(dataDir, "networks");
const file = (dataDir: string, project: string) => join(dir(dataDir), `${checkProjectName(project)}.json`);

export function loadNetworkPlan(dataDir: string, project: string): NetworkPlan[] | undefined {
  try {
    return JSON.parse(readFileSync(file(dataDir, project), "utf8")) as NetworkPlan[];
  } catch {
    return undefined;
  }
}

/** Subnets planned by every project but `except`. */
export function otherProjectsSubnets(dataDir: string, except: string): string[] {
  if (!existsSync(dir(dataDir))) return [];
  return readdirSync(dir(dataDir))
    .filter((f) => f.endsWith(".json") && f !== `${except}.json`)
    .flatMap((f) => loadNetworkPlan(dataDir, f.slice(0, -".json".length)) ?? [])
    .map((n) => n.subnet);
}

/**
 * Plans the project's networks (keeping the subnets of networks planned before), stores the plan
 * and returns it with the warnings to report. Call before creating the project's containers.
 */
export function saveNetworkPlan(dataDir: string, project: PlanProject): { networks: NetworkPlan[]; warnings: string[] } {
  // read every plan, choose, write ours: one process at a time, or two concurrent `up`s of
  // different projects both take the first free subnet (#14). flock is dropped by the kernel
  // if the holder dies; the section is a few small file reads and one write.
  ensureDir(dir(dataDir));
  const fd = openSync(join(dir(dataDir), ".lock"), "a", 0o600);
  try {
    flock(fd, LOCK_EX);
    return planAndSave(dataDir, project);
  } finally {
    flock(fd, LOCK_UN);
    closeSync(fd);
  }
}

function planAndSave(dataDir: string, project: PlanProject): { networks: NetworkPlan[]; warnings: string[] } {
  const previous = loadNetworkPlan(dataDir, project.name) ?? [];
  const existing = Object.fromEntries(previous.filter((n) => !n.userSubnet).map((n) => [n.key, n.subnet]));
  const used = otherProjectsSubnets(dataDir, project.name);
  let result;
  try {
    result = planProjectNetworks(project, used, existing);
  } catch {
    // a kept subnet now clashes with a newly configured one: plan afresh (errors are the config's)
    result = planProjectNetworks(project, used);
  }
  ensureDir(dir(dataDir));
  writeFileAtomic(file(dataDir, project.name), JSON.stringify(result.networks, null, 2));
  return result;
}

/** Forgets the project's plan (`down`), freeing its subnets for other projects. */
export function removeNetworkPlan(dataDir: string, project: string): void {
  rmSync(file(dataDir, project), { force: true });
}
