/**
 * A container's cgroup seen from inside the namespace (the agent, conmon's exit command): is it
 * frozen (paused), did the OOM killer act in it, and removing it in every hierarchy once the
 * container is gone (runc delete would; a stopped container here is only its state dir).
 */
import { readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { cgroupRoots, v1Mounts } from "../cgroups.ts";

let mountinfo: string | undefined;
function mounts(): string {
  mountinfo ??= readFileSync("/proc/self/mountinfo", "utf8");
  return mountinfo;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export function isFrozen(cgroupsPath: string): boolean {
  const freezer = v1Mounts(mounts()).freezer;
  const state = freezer ? read(join(freezer, cgroupsPath, "freezer.state"))?.trim() : undefined;
  return state === "FROZEN" || state === "FREEZING";
}

/** Whether the kernel's OOM killer killed a process in the cgroup (v1 memory.oom_control, oom_kill). */
export function oomKilled(cgroupsPath: string): boolean {
  const memory = v1Mounts(mounts()).memory;
  const text = memory ? read(join(memory, cgroupsPath, "memory.oom_control")) : undefined;
  const n = text ? /^oom_kill (\d+)$/m.exec(text)?.[1] : undefined;
  return n !== undefined && Number(n) > 0;
}

/** Removes the (empty) cgroup in every hierarchy; deeper ones are not expected (runc makes none). */
export function removeCgroup(cgroupsPath: string): void {
  for (const root of cgroupRoots(mounts())) {
    try {
      rmdirSync(join(root, cgroupsPath));
    } catch {}
  }
}
