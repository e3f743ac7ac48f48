/**
 * A container's cgroup seen from inside the namespace (the agent, conmon's exit command): is it
 * frozen (paused), did the OOM killer act in it, and removing it in every hierarchy once the
 * container is gone (runc delete would; a stopped container here is only its state dir). The
 * cgroup mounts are the host's (the namespace's mount namespace is a copy), so the readers are
 * the shared ones of ../cgroups.ts.
 */
import { isFrozen as frozenIn, mountinfo, oomKilled as oomIn, removeContainerCgroup } from "../cgroups.ts";

export const isFrozen = (cgroupsPath: string) => frozenIn(mountinfo(), cgroupsPath);
export const oomKilled = (cgroupsPath: string) => oomIn(mountinfo(), cgroupsPath);
export const removeCgroup = (cgroupsPath: string) => removeContainerCgroup(mountinfo(), cgroupsPath);
