/** Linux capabilities: docker's default set and its cap_add / cap_drop rules (ALL supported). */
import { InvalidInputError } from "../../../core/errors.ts";

/** moby/oci/caps/defaults.go */
export const DOCKER_DEFAULT_CAPS = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Every capability up to CAP_CHECKPOINT_RESTORE (40), in kernel order. */
export const ALL_CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

function normalize(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === "ALL") return upper;
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (!ALL_CAPS.includes(full)) throw new InvalidInputError(`unknown capability "${name}"`, { hint: "use names like NET_ADMIN or CAP_NET_ADMIN, or ALL" });
  return full;
}

/**
 * docker (moby/oci/caps TweakCapabilities): cap_add ALL starts from every capability, cap_drop
 * ALL from none; then the other list is applied. Otherwise: defaults + add − drop.
 */
export function effectiveCaps(capAdd: string[] = [], capDrop: string[] = []): string[] {
  const add = capAdd.map(normalize);
  const drop = capDrop.map(normalize);
  let set: Set<string>;
  if (add.includes("ALL")) {
    set = new Set(ALL_CAPS);
    for (const c of drop) if (c !== "ALL") set.delete(c);
    if (drop.includes("ALL")) set = new Set();
    return ALL_CAPS.filter((c) => set.has(c));
  }
  if (drop.includes("ALL")) set = new Set();
  else {
    set = new Set(DOCKER_DEFAULT_CAPS);
    for (const c of drop) set.delete(c);
  }
  for (const c of add) set.add(c);
  return ALL_CAPS.filter((c) => set.has(c));
}
