/**
 * `kitten doctor`: every host prerequisite of DESIGN.md checked for real (programs run, the
 * runtimes run a container, overlay mounts), each with the exact command that fixes it.
 * Runs only harmless probes in temp dirs and throwaway namespaces, and removes them.
 */
import { readFileSync } from "node:fs";
import { currentUser } from "../../core/user.ts";
import { checkProgram, PROGRAMS } from "./programs.ts";
import { checkRuntime } from "./runtime-smoke.ts";
import { checkNamespace } from "./namespace-smoke.ts";
import { checkCgroups, checkCniPlugins, checkIdMapper, checkOverlay, checkSubIds, checkTun, checkUserNamespaces } from "./host.ts";
import type { Check, DoctorReport } from "./types.ts";
import { checkProjects } from "./projects.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";

export type { Check, CheckStatus, DoctorReport } from "./types.ts";

export interface DoctorOptions {
  /** where the projects are (their namespaces are checked too); kittenPaths() by default */
  paths?: KittenPaths;
  /** environment of the probes (PATH decides which programs are found); process.env by default */
  env?: Record<string, string | undefined>;
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const me = currentUser();
  const files = { subuid: readOr("/etc/subuid"), subgid: readOr("/etc/subgid") };
  const subuid = checkSubIds("subuid", { name: me.name, uid: me.uid }, files);
  const subgid = checkSubIds("subgid", { name: me.name, uid: me.uid }, files);
  const smoke = { env, subuid: subuid.range, subgid: subgid.range };

  const [runc, crun, ...rest] = await Promise.all([
    checkRuntime("runc", smoke),
    checkRuntime("crun", smoke),
    ...PROGRAMS.map((p) => checkProgram(p, env)),
    checkIdMapper("newuidmap", env),
    checkIdMapper("newgidmap", env),
    checkOverlay(env),
    checkNamespace(env),
  ]);
  const checks: Check[] = [
    runc,
    crun,
    ...rest,
    subuid.check,
    subgid.check,
    checkTun(),
    checkUserNamespaces(),
    checkCniPlugins(),
    checkCgroups(),
    // the projects kitten runs: holder alive, helpers gone (issue #13)
    ...checkProjects(options.paths ?? kittenPaths()),
  ];
  return {
    ok: checks.every((c) => c.status !== "fail" || !c.required),
    runtime: chooseRuntime(runc, crun),
    checks,
  };
}

/** crun when its smoke run passed (it is faster), else runc when it passed (DESIGN.md). */
export function chooseRuntime(runc: Check, crun: Check): DoctorReport["runtime"] {
  if (crun.status === "ok") return "crun";
  if (runc.status === "ok") return "runc";
  return null;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
